import type { StatusRow } from '../../component.ts';
import type { LabContext } from '../../context.ts';
import { errorText } from '../../errors.ts';
import type { VaultTopology } from '../topology.ts';
import { vaultLbEndpoint } from './connect.ts';
import { startLbContainer } from './containers.ts';
import { vaultLbLayout } from './layout.ts';
import { lbBackends, waitForLbActive } from './runtime.ts';

// The load balancer's part of the vault component: started once the nodes are voters, ready when it sees
// the active node up (and only it), one row in `certlab status`.

const READY_TIMEOUT_MS = 30_000;

export async function startVaultLb(ctx: LabContext, topology: VaultTopology, caChain: string): Promise<void> {
  const layout = vaultLbLayout(ctx.config, ctx.paths);
  ctx.progress(`load balancer ${layout.name}`);
  await ctx.steps.time('vault', 'load balancer sees the active node', async () => {
    await startLbContainer(ctx, topology, layout, caChain);
    await waitForLbActive(ctx, layout, READY_TIMEOUT_MS);
  });
}

/** After a repair: the load balancer has found the active node again. */
export async function healVaultLb(ctx: LabContext, timeoutMs: number): Promise<void> {
  await waitForLbActive(ctx, vaultLbLayout(ctx.config, ctx.paths), timeoutMs);
}

/** Which nodes the load balancer sends to (up) and why the others are out, from its runtime API. */
export async function vaultLbStatus(ctx: LabContext): Promise<StatusRow> {
  const layout = vaultLbLayout(ctx.config, ctx.paths);
  const row = { component: layout.component, role: 'load balancer' };
  const endpoint = await vaultLbEndpoint(ctx).catch(() => undefined);
  if (!endpoint) return { ...row, address: '-', health: 'down', detail: 'not running' };
  const address = `${endpoint.url.replace('https://', '')} (${layout.name})`;
  const backends = await lbBackends(layout).catch((err: unknown) => new Error(errorText(err)));
  if (backends instanceof Error) return { ...row, address, health: 'degraded', detail: backends.message };
  const up = backends.filter((b) => b.up);
  const out = backends.filter((b) => !b.up).map((b) => `${b.node} ${b.status.toLowerCase()} (${b.check || 'not checked yet'})`);
  return {
    ...row, address, health: up.length === 1 ? 'ok' : 'degraded',
    detail: `up: ${up.map((b) => `${b.node} (${b.check})`).join(', ') || 'none'}${out.length ? `; out: ${out.join(', ')}` : ''}`,
  };
}
