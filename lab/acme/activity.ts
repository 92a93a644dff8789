// What Pebble did in a window of time, as Pebble itself counts it: its log says "Added order ... to the db"
// for each new order, "There are now N authorizations in the db" for each new authorization (a reused
// one adds none), and "authz ... set VALID by completed challenge" for each challenge it validated
// (pebble v2.10 wfe/wfe.go, va/va.go).
import type { LabContext } from '../context.ts';
import { demuxLogs, docker } from '../host/docker.ts';
import { acmeLayout } from './layout.ts';

export interface PebbleActivity {
  orders: number;
  /** New authorizations; with Pebble's authorization reuse, fewer than the names ordered. */
  authorizations: number;
  /** Challenges Pebble validated. */
  validations: number;
}

/** Counts Pebble's own log lines (timestamped by the engine) between `since` and `until`. Pure. */
export function countPebbleActivity(log: string, since: number, until: number): PebbleActivity {
  const out: PebbleActivity = { orders: 0, authorizations: 0, validations: 0 };
  for (const line of log.split('\n')) {
    const at = Date.parse(line.slice(0, line.indexOf(' ')));
    if (!(at >= since && at <= until)) continue;
    if (/ Added order "[^"]+" to the db/.test(line)) out.orders++;
    else if (/ There are now \d+ authorizations in the db/.test(line)) out.authorizations++;
    else if (/ authz \S+ set VALID by completed challenge/.test(line)) out.validations++;
  }
  return out;
}

/** What the lab's Pebble did from `since` to `until` (ms since the epoch). */
export async function pebbleActivity(ctx: LabContext, since: number, until = Date.now()): Promise<PebbleActivity> {
  const container = (await docker()).getContainer(acmeLayout(ctx.config, ctx.paths).pebble.container);
  const raw = await container.logs({ stdout: true, stderr: true, timestamps: true, follow: false, since: Math.floor(since / 1000) });
  return countPebbleActivity(demuxLogs(raw), since, until);
}
