// What Pebble did in a window of time, as Pebble itself counts it: its log says "Added order ... to the db"
// for each new order, "There are now N authorizations in the db" for each new authorization (a reused
// one adds none), and "authz ... set VALID by completed challenge" for each challenge it validated
// (pebble v2.10 wfe/wfe.go, va/va.go).
import type { LabContext } from '../context.ts';
import { demuxLogs, docker } from '../host/docker.ts';
import { acmeLayout } from './layout.ts';

export interface PebbleActivity {
  /** Pebble's IDs of the orders it added: the last part of each order's URL. */
  orderIds: string[];
  /** New authorizations; with Pebble's authorization reuse, fewer than the names ordered. */
  authorizations: number;
  /** Challenges Pebble validated. */
  validations: number;
}

/** Counts Pebble's own log lines (timestamped by the engine) between `since` and `until`. Pure. */
export function countPebbleActivity(log: string, since: number, until: number): PebbleActivity {
  const out: PebbleActivity = { orderIds: [], authorizations: 0, validations: 0 };
  for (const line of log.split('\n')) {
    const at = Date.parse(line.slice(0, line.indexOf(' ')));
    if (!(at >= since && at <= until)) continue;
    const order = / Added order "([^"]+)" to the db/.exec(line);
    if (order) out.orderIds.push(order[1]!);
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

export interface OrderAccount {
  /** Pebble's orders an ACME client's Order points at. */
  used: number;
  /** Pebble's orders nothing points at: made, then lost by the client (never validated, never finalized). */
  abandoned: string[];
  /** Order URLs that are not among Pebble's orders of the window. */
  unknown: string[];
}

/**
 * Which of Pebble's new orders (`orderIds`) the client kept track of, by the order URLs it recorded
 * (cert-manager's Order status.url, `https://…/my-order/<id>`). Pure.
 */
export function accountOrders(orderIds: string[], orderUrls: string[]): OrderAccount {
  const idOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
  const pointedAt = new Set(orderUrls.map(idOf));
  const made = new Set(orderIds);
  return {
    used: [...pointedAt].filter((id) => made.has(id)).length,
    abandoned: orderIds.filter((id) => !pointedAt.has(id)),
    unknown: orderUrls.filter((url) => !made.has(idOf(url))),
  };
}
