import { setTimeout as delay } from 'node:timers/promises';
import type { LabContext } from '../context.ts';
import type { Release } from '../releases.ts';
import type { VaultClient } from './api.ts';

export const MARKER_MOUNT = 'drill';

export interface Marker { seq: number; at: number; runId: string }

/** Where one run's markers live: nothing another run writes can be taken for this run's own. */
function markerPrefix(runId: string): string {
  return `${MARKER_MOUNT}/${runId}`;
}

/**
 * Writes a marker every interval into a KV mount, under the run's id: after a restore, the newest marker
 * present against the newest written is the data lost (RPO).
 */
export class MarkerWriter {
  readonly written: Marker[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly client: () => VaultClient, readonly runId: string, private readonly intervalMs = 1_000) {}

  /**
   * A started writer whose loop stops, and whose markers are removed from whatever cluster `client` then
   * points at, on every path (ctx.releases); `stop` ends the loop now.
   */
  static async start(ctx: LabContext, client: () => VaultClient, runId: string): Promise<{ writer: MarkerWriter; stop: Release }> {
    const mounts = await client().mounts();
    if (!(`${MARKER_MOUNT}/` in (mounts.data ?? mounts))) await client().mount({ mount_point: MARKER_MOUNT, type: 'kv', options: { version: '1' } });
    const writer = new MarkerWriter(client, runId);
    ctx.releases.defer(`remove the markers of run ${runId}`, () => removeMarkers(client(), runId));
    const stop = ctx.releases.defer('stop the marker writer', () => writer.stop());
    writer.start();
    return { writer, stop };
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      for (let seq = 1; this.running; seq++) {
        const at = Date.now();
        try {
          await this.client().write(`${markerPrefix(this.runId)}/marker-${String(seq).padStart(6, '0')}`, { seq, at, runId: this.runId });
          this.written.push({ seq, at, runId: this.runId });
        } catch {
          // A write that fails is not written; the RPO counts only what the cluster acknowledged.
        }
        await delay(Math.max(0, this.intervalMs - (Date.now() - at)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  newest(): Marker | undefined {
    return this.written.at(-1);
  }

  /** The newest marker acknowledged before `t` (epoch ms). */
  newestBefore(t: number): Marker | undefined {
    return this.written.filter((m) => m.at < t).at(-1);
  }
}

async function markerKeys(admin: VaultClient, runId: string): Promise<string[]> {
  return ((await admin.list(markerPrefix(runId)).catch(() => ({ data: { keys: [] } }))).data.keys as string[]);
}

/** The markers of one run a (restored) cluster holds, oldest first. */
export async function readMarkers(admin: VaultClient, runId: string): Promise<Marker[]> {
  const markers = await Promise.all((await markerKeys(admin, runId)).map(async (k) => (await admin.read(`${markerPrefix(runId)}/${k}`)).data as Marker));
  return markers.filter((m) => m.runId === runId).sort((a, b) => a.seq - b.seq);
}

export async function removeMarkers(admin: VaultClient, runId: string): Promise<void> {
  for (const k of await markerKeys(admin, runId)) await admin.delete(`${markerPrefix(runId)}/${k}`);
}
