import type { LabContext } from '../context.ts';
import type { Release } from '../releases.ts';
import { pollUntil } from '../host/wait.ts';
import { health, type HealthState } from './api.ts';
import { refreshEndpoints, type VaultCluster } from './cluster.ts';

/** A node's health as the pool saw it change, for reports that explain a failover. */
export interface PoolTransition { at: number; endpoint: string; from: HealthState | 'unknown'; to: HealthState }

/**
 * What a load balancer in front of the cluster does, as HashiCorp's reference architecture sets it up:
 * health-check every node (sys/health) on a short interval and send traffic only to the node that answers
 * 200, the active one. Standbys are left out on purpose: a standby whose leader just died does not forward,
 * it redirects (307) to the dead leader's address, which a client cannot reach; measured in the lab, that
 * was what stretched a 2 s failover to 7 s when every worker of a load had followed such a redirect.
 */
export class HealthCheckedPool {
  private states = new Map<string, HealthState>();
  private timer: NodeJS.Timeout | undefined;
  readonly transitions: PoolTransition[] = [];

  constructor(private readonly cluster: Pick<VaultCluster, 'http' | 'endpoints' | 'topology'>, private readonly intervalMs = 200) {}

  private get checkTimeoutMs(): number {
    return Math.max(150, this.intervalMs * 2);
  }

  /** A started pool whose health checks stop on every path (ctx.releases); `stop` ends them now. */
  static async start(ctx: LabContext, cluster: Pick<VaultCluster, 'http' | 'endpoints' | 'topology'>, intervalMs?: number): Promise<{ pool: HealthCheckedPool; stop: Release }> {
    const pool = new HealthCheckedPool(cluster, intervalMs);
    const stop = ctx.releases.defer('stop the health-checking pool', () => pool.stop());
    await pool.start();
    return { pool, stop };
  }

  private get endpoints(): string[] {
    return [...this.cluster.endpoints.values()];
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
  }

  private async refresh(): Promise<void> {
    // A node that came back may publish a new port (engine-picked ports): look again while none is active.
    if (this.states.size && !this.active()) await refreshEndpoints(this.cluster);
    const fresh = new Map<string, HealthState>();
    await Promise.all(this.endpoints.map(async (e) => fresh.set(e, (await health(this.cluster.http, e, this.checkTimeoutMs)).state)));
    const at = Date.now();
    for (const [e, to] of fresh) {
      const from = this.states.get(e) ?? 'unknown';
      if (from !== to) this.transitions.push({ at, endpoint: e, from, to });
    }
    this.states = fresh;
  }

  /** Where traffic goes now: the active node, or nowhere while there is none (a client then waits). */
  targets(): string[] {
    const active = this.active();
    return active ? [active] : [];
  }

  /** Epoch ms at which the pool first saw a node other than `previous` active. */
  activeOtherThan(previous: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    return pollUntil(async () => {
      const active = this.active();
      return active && active !== previous ? Date.now() : undefined;
    }, { timeoutMs, what: 'the pool to see a new active node', intervalMs: 20, ...(signal ? { signal } : {}) });
  }

  /** Spans with no active node behind the pool since `since`, in ms (what a client behind it waited). */
  noActiveMs(since: number, until = Date.now()): number {
    let total = 0;
    let downSince: number | undefined;
    const active = new Set<string>();
    for (const t of this.transitions) {
      if (t.to === 'active') active.add(t.endpoint); else active.delete(t.endpoint);
      if (t.at < since) continue;
      if (active.size === 0 && downSince === undefined) downSince = t.at;
      if (active.size > 0 && downSince !== undefined) { total += t.at - downSince; downSince = undefined; }
    }
    return downSince === undefined ? total : total + (until - downSince);
  }

  active(): string | undefined {
    return this.endpoints.find((e) => this.states.get(e) === 'active');
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
