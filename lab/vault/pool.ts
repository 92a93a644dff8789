import type { HttpsClient } from '../host/https.ts';
import { health, type HealthState } from './api.ts';

/**
 * What a load balancer in front of the cluster does: health-check every node (sys/health) on a short
 * interval and send traffic only to those that answer as active or standby.
 */
export class HealthCheckedPool {
  private states = new Map<string, HealthState>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly http: HttpsClient, private readonly endpoints: string[], private readonly intervalMs = 200) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
  }

  private async refresh(): Promise<void> {
    await Promise.all(this.endpoints.map(async (e) => this.states.set(e, (await health(this.http, e, Math.max(150, this.intervalMs * 2))).state)));
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
