// Pebble restarted, as an ACME CA that comes back with a new hierarchy (pebble #373): Pebble keeps
// everything in memory, so it forgets every account, order and certificate, and makes a new root and
// intermediate at each start. The container is the same one (same address and names).
import type { LabContext } from '../context.ts';
import { docker } from '../host/docker.ts';
import { bringBack } from '../host/lab-container.ts';
import { registerLabNames } from '../host/names.ts';
import { pollUntil } from '../host/wait.ts';
import { directoryServed, pebbleRoots, requirePebble } from './endpoints.ts';
import { acmeLayout } from './layout.ts';

/** Restarts Pebble and waits until its directory answers again; returns its new root (PEM). Pebble runs again on every path. */
export async function restartPebble(ctx: LabContext, timeoutMs = 60_000): Promise<{ root: string; intermediate: string }> {
  const { pebble } = acmeLayout(ctx.config, ctx.paths);
  const release = ctx.releases.defer(`${pebble.container} running`, () => bringBack(ctx, pebble.container, 'stopped'));
  await (await docker()).getContainer(pebble.container).restart({ t: 5 });
  await registerLabNames(ctx);
  await pollUntil(async () => ((await directoryServed(await requirePebble(ctx))) ? true : undefined), {
    timeoutMs, intervalMs: 200, what: `Pebble's directory after the restart`, ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  await release();
  return pebbleRoots(ctx);
}
