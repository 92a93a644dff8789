import { setTimeout as delay } from 'node:timers/promises';
import type { VaultClient } from './api.ts';

export const MARKER_MOUNT = 'drill';

export interface Marker { seq: number; at: number }

/**
 * Writes a marker every interval into a KV mount: after a restore, the newest marker present against
 * the newest written is the data lost (RPO).
 */
export class MarkerWriter {
  readonly written: Marker[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly client: () => VaultClient, private readonly intervalMs = 1_000) {}

  static async prepare(admin: VaultClient): Promise<void> {
    const mounts = await admin.mounts();
    if (!(`${MARKER_MOUNT}/` in (mounts.data ?? mounts))) await admin.mount({ mount_point: MARKER_MOUNT, type: 'kv', options: { version: '1' } });
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      for (let seq = 1; this.running; seq++) {
        const at = Date.now();
        try {
          await this.client().write(`${MARKER_MOUNT}/marker-${String(seq).padStart(6, '0')}`, { seq, at });
          this.written.push({ seq, at });
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
}

/** The markers a (restored) cluster holds. */
export async function readMarkers(admin: VaultClient): Promise<Marker[]> {
  const keys = ((await admin.list(MARKER_MOUNT).catch(() => ({ data: { keys: [] } }))).data.keys as string[]);
  const markers = await Promise.all(keys.map(async (k) => (await admin.read(`${MARKER_MOUNT}/${k}`)).data as Marker));
  return markers.sort((a, b) => a.seq - b.seq);
}
