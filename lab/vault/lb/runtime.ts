import type { LabContext } from '../../context.ts';
import { execCapture } from '../../host/exec.ts';
import { pollUntil } from '../../host/wait.ts';
import type { VaultLbLayout } from './layout.ts';

/** One Vault node as the load balancer sees it. */
export interface LbBackend {
  node: string;
  /** HAProxy's state: UP, DOWN, MAINT (resolution)... */
  status: string;
  up: boolean;
  /** The last check's outcome: `L7OK 200`, `L7STS 429` (a standby), `L4CON` (nothing listens)... */
  check: string;
}

/**
 * The backend's servers from HAProxy's runtime API (`show stat`), asked through `docker exec` on the
 * container's loopback, so the API is published nowhere. bash's /dev/tcp is the client: the official
 * image has bash and no socat.
 */
export async function lbBackends(layout: VaultLbLayout): Promise<LbBackend[]> {
  const ask = `exec 3<>/dev/tcp/127.0.0.1/${layout.statsPort} && echo 'show stat ${layout.backend} 4 -1' >&3 && cat <&3`;
  const r = await execCapture(layout.container, ['bash', '-c', ask], { timeoutMs: 5_000 });
  if (r.exitCode !== 0) throw new Error(`HAProxy's runtime API in ${layout.container} did not answer (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return parseShowStat(r.stdout, layout.backend);
}

/** The server rows of `show stat` CSV for `backend` (its FRONTEND/BACKEND summary rows left out). */
export function parseShowStat(csv: string, backend: string): LbBackend[] {
  const [header, ...rows] = csv.split('\n').filter((l) => l.trim());
  if (!header?.startsWith('# ')) throw new Error(`not HAProxy's show stat output: ${csv.slice(0, 120)}`);
  const fields = header.slice(2).split(',');
  const at = (row: string[], name: string) => row[fields.indexOf(name)] ?? '';
  return rows.map((r) => r.split(',')).filter((r) => at(r, 'pxname') === backend && !['FRONTEND', 'BACKEND'].includes(at(r, 'svname'))).map((r) => ({
    node: at(r, 'svname'),
    status: at(r, 'status'),
    up: at(r, 'status') === 'UP',
    // A check under way ("* " before its status) can show its code as 0 while the status is still the last
    // one's ("L7OK 0" seen in a full test run): no layer-7 code is 0, so it is left out rather than shown.
    check: [at(r, 'check_status').replace(/^\* ?/, ''), at(r, 'check_code')].filter((f) => f && f !== '0').join(' '),
  }));
}

/** Polls the runtime API until exactly one node is up (the active one; `node` if given) and returns its name. */
export function waitForLbActive(ctx: LabContext, layout: VaultLbLayout, timeoutMs: number, node?: string): Promise<string> {
  return pollUntil(async () => {
    const backends = await lbBackends(layout);
    const up = backends.filter((b) => b.up).map((b) => b.node);
    if (up.length === 1 && (!node || up[0] === node)) return up[0];
    // Thrown rather than returned, so a timeout says what the load balancer saw last.
    throw new Error(backends.map((b) => `${b.node} ${b.status} (${b.check})`).join(', ') || `no server in backend ${layout.backend}`);
  }, { timeoutMs, intervalMs: 100, what: `the load balancer to see ${node ?? 'one active Vault node'} up, and only it`, signal: ctx.signal });
}
