import type { LabConfig } from './config/schema.ts';
import { labPaths, type LabPaths } from './paths.ts';
import { StepRecorder } from './timing/recorder.ts';

/** What every component gets: settings, where state lives, the step recorder, a progress line. */
export interface LabContext {
  config: LabConfig;
  paths: LabPaths;
  steps: StepRecorder;
  progress: (line: string) => void;
  signal?: AbortSignal;
}

export function createContext(config: LabConfig, opts: Partial<Pick<LabContext, 'progress' | 'signal' | 'steps'>> = {}): LabContext {
  return {
    config,
    paths: labPaths(config),
    steps: opts.steps ?? new StepRecorder(),
    progress: opts.progress ?? (() => undefined),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
}
