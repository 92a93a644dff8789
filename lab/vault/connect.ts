import type { LabContext } from '../context.ts';
import { LabError } from '../errors.ts';
import { activeEndpoint, connectVaultCluster, type VaultCluster } from './cluster.ts';
import type { VaultServer } from './topology.ts';

/** The one Vault address through the load balancer, for scenarios that send as a production client does. */
export { vaultLbEndpoint as lbEndpoint, type VaultLbEndpoint } from './lb/index.ts';

/**
 * A handle on the running Vault cluster for a scenario: its connections are closed on every path
 * (ctx.releases). A lab without a running cluster is a clear error.
 */
export async function useVaultCluster(ctx: LabContext): Promise<VaultCluster> {
  const vaultCluster = await connectVaultCluster(ctx);
  if (!vaultCluster) throw new LabError(`the Vault cluster of lab ${ctx.config.name} is not running`, 'run `certlab up vault`');
  ctx.releases.defer('close the Vault connections', () => vaultCluster.http.close());
  return vaultCluster;
}

/** The server behind an endpoint of the handle. */
export function serverAt(vaultCluster: VaultCluster, endpoint: string): VaultServer {
  const name = [...vaultCluster.endpoints].find(([, e]) => e === endpoint)?.[0];
  const server = vaultCluster.topology.nodes.find((n) => n.name === name);
  if (!server) throw new Error(`no node of the Vault cluster serves ${endpoint}`);
  return server;
}

/** The node that answers as active now (polled until one does). */
export async function activeServer(vaultCluster: VaultCluster, timeoutMs?: number): Promise<VaultServer> {
  return serverAt(vaultCluster, await activeEndpoint(vaultCluster, timeoutMs));
}

/** Names the node behind an endpoint, for reports (the endpoint itself when unknown). */
export function nodeNamer(vaultCluster: VaultCluster): (endpoint: string) => string {
  return (endpoint) => [...vaultCluster.endpoints].find(([, e]) => e === endpoint)?.[0] ?? endpoint;
}
