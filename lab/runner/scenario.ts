import type { LabContext } from '../context.ts';
import type { Figure } from '../report/model.ts';

/** What a scenario module exports: its identity, the components it needs, and its steps. */
export interface Scenario {
  name: string;
  description: string;
  /** Components (see lab/components.ts) that must be up. */
  needs: string[];
  /**
   * What the scenario does to parts the lab made that it may not do to the user's own: `vault`, to Vault's
   * servers (kills, stops, freezes, seals them, restores a snapshot), so it refuses on the user's Vault
   * (vault.address); `kubeCluster`, to the Kubernetes nodes, so it refuses on the user's cluster
   * (kubeCluster.kubeconfig). Each says what it does, for the refusal. Unset: it only uses their APIs.
   */
  labMadeOnly?: { vault?: string; kubeCluster?: string };
  /** Longest the scenario may run before the runner stops it and undoes what it started (default below). */
  timeLimitMs?: { quick: number; full: number };
  run(run: ScenarioRun): Promise<void>;
}

export const DEFAULT_TIME_LIMIT_MS = { quick: 10 * 60_000, full: 30 * 60_000 };

export type Threshold = NonNullable<Figure['threshold']>;

/**
 * The scenario's handle on the run: timed steps, figures with thresholds, assertions, notes. `ctx` is the
 * scenario's own: its `signal` aborts on Ctrl-C or at the time limit, and whatever the scenario starts is
 * registered on `ctx.releases`, which the runner undoes on every path.
 */
export interface ScenarioRun {
  ctx: LabContext;
  /** The run's id: data a scenario leaves in the lab (markers, names) carries it, so runs never mix. */
  runId: string;
  /** A shorter variant (fewer repetitions, shorter loads) for the integration suite. */
  quick: boolean;
  step<T>(name: string, work: () => Promise<T>): Promise<T>;
  figure(name: string, value: number, unit: string, opts?: { threshold?: Threshold; labels?: Record<string, string> }): void;
  /** Records an assertion; a failed one fails the scenario but lets it go on to restore the lab. */
  check(name: string, passed: boolean, detail?: string): boolean;
  note(title: string, body: string): void;
  /** Records a moment in a subject's lifecycle (a Certificate requested, Ready, served, renewed...). */
  timeline(subject: string, event: string, at: number | Date, detail?: string): void;
}
