import type { HttpsClient } from '../host/https.ts';
import { health, type HealthState } from './api.ts';
import { refreshEndpoints, type VaultCluster } from './cluster.ts';

/**
 * What a load balancer in front of the cluster does: health-check every node (sys/health) on a short
 * interval and send traffic only to those that answer as active or standby.
 */
export class HealthCheckedPool {
  private states = new Map<string, HealthState>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly cluster: Pick<VaultCluster, 'http' | 'endpoints' | 'topology'>, private readonly intervalMs = 200) {}

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
    await Promise.all(this.endpoints.map(async (e) => fresh.set(e, (await health(this.cluster.http, e, Math.max(150, this.intervalMs * 2))).state)));
    this.states = fresh;
  }

  healthy(): string[] {
    const up = this.endpoints.filter((e) => ['active', 'standby'].includes(this.states.get(e) ?? ''));
    return up.length ? up : this.endpoints;
  }

  active(): string | undefined {
    return this.endpoints.find((e) => this.states.get(e) === 'active');
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
