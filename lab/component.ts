import type { LabConfig } from './config/schema.ts';
import type { LabContext } from './context.ts';

export type Health = 'ok' | 'degraded' | 'down';

/** One row of `certlab status`. */
export interface StatusRow {
  component: string;
  address: string;
  health: Health;
  /** Raft role for Vault nodes; what else matters for others. */
  role: string;
  detail: string;
}

/** What of a running component differs from what the configuration would make: applied in place, or only by making it anew. */
export interface ComponentDrift {
  reapply: string[];
  recreate: string[];
}

/**
 * A part of the lab that owns its lifecycle. `start` waits until the component is ready by polling or
 * watching a real signal and is a no-op when it already runs; `stop` removes what it made.
 */
export interface Component {
  name: string;
  description: string;
  /** Image keys (lab/images/catalog.ts) it runs with this configuration. */
  images(config: LabConfig): string[];
  /** Host ports it publishes, with the configuration key that sets each. */
  hostPorts(config: LabConfig): Array<{ key: string; port: number }>;
  /** Components that must be up first. */
  after: string[];
  /** Why it cannot run with this configuration (one clause, e.g. "does not run on ..."), or undefined. */
  unsupported?(config: LabConfig): string | undefined;
  isRunning(ctx: LabContext): Promise<boolean>;
  /**
   * What of the running component the configuration (or this certlab) would make otherwise: `up` starts it
   * again to apply `reapply` (start must then be idempotent on what runs) and refuses on `recreate`.
   */
  drift?(ctx: LabContext): Promise<ComponentDrift>;
  start(ctx: LabContext): Promise<void>;
  /**
   * After its containers were put back (unpaused, started, reconnected) or a scenario's faults undone:
   * waits, within `timeoutMs`, until the component serves fully again (for Vault: every node a healthy
   * voter). Without it, running containers are taken as whole.
   */
  heal?(ctx: LabContext, timeoutMs: number): Promise<void>;
  /**
   * `heal` is also called when isRunning says no: for a component whose isRunning means "whole" (the
   * platform's), a degraded one is exactly what heal is for.
   */
  healsWhenDegraded?: boolean;
  status(ctx: LabContext): Promise<StatusRow[]>;
  stop(ctx: LabContext): Promise<void>;
}
