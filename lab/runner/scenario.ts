import type { LabContext } from '../context.ts';
import type { Figure } from '../report/model.ts';

/** What a scenario module exports: its identity, the components it needs, and its steps. */
export interface Scenario {
  name: string;
  description: string;
  /** Components (see lab/components.ts) that must be up. */
  needs: string[];
  run(run: ScenarioRun): Promise<void>;
}

export type Threshold = NonNullable<Figure['threshold']>;

/** The scenario's handle on the run: timed steps, figures with thresholds, assertions, notes. */
export interface ScenarioRun {
  ctx: LabContext;
  /** A shorter variant (fewer repetitions, shorter loads) for the integration suite. */
  quick: boolean;
  step<T>(name: string, work: () => Promise<T>): Promise<T>;
  figure(name: string, value: number, unit: string, opts?: { threshold?: Threshold; labels?: Record<string, string> }): void;
  /** Records an assertion; a failed one fails the scenario but lets it go on to restore the lab. */
  check(name: string, passed: boolean, detail?: string): boolean;
  note(title: string, body: string): void;
}
