import type { LabConfig } from './config/schema.ts';
import { labPaths, type LabPaths } from './paths.ts';
import { Releases } from './releases.ts';
import { StepRecorder } from './timing/recorder.ts';

/**
 * What every component and scenario gets: settings, where state lives, the step recorder, a progress
 * line, the signal that says "stop now" (Ctrl-C, a scenario's time limit), and the stack of what was
 * started and must be undone whatever happens.
 */
export interface LabContext {
  config: LabConfig;
  paths: LabPaths;
  steps: StepRecorder;
  progress: (line: string) => void;
  signal?: AbortSignal;
  releases: Releases;
}

export function createContext(config: LabConfig, opts: Partial<Pick<LabContext, 'progress' | 'signal' | 'steps' | 'releases'>> = {}): LabContext {
  return {
    config,
    paths: labPaths(config),
    steps: opts.steps ?? new StepRecorder(),
    progress: opts.progress ?? (() => undefined),
    releases: opts.releases ?? new Releases(),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
}
