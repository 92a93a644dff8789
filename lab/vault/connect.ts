import type { LabContext } from '../context.ts';
import { LabError } from '../errors.ts';
import type { HttpsClient } from '../host/https.ts';
import { loadLabPki, type LabPki } from '../pki/lab-pki.ts';
import type { VaultClient } from './api.ts';
import { loginAs } from './approle.ts';
import { activeEndpoint, connectVaultCluster, type VaultCluster } from './cluster.ts';
import { LAB_VAULT_PKI, pkiLayout, type PkiLayout } from './pki-layout.ts';
import type { VaultServer } from './topology.ts';
import { connectUserVault } from './user-vault/index.ts';

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

/**
 * A handle on the lab's private PKI in whichever Vault holds it, for scenarios that only issue, revoke and
 * rotate: the lab's own Raft cluster (`vaultCluster` set: its nodes and audit logs are the lab's) or the
 * user's (vault.address). Connections are closed on every path.
 */
export interface VaultPki {
  vaultCluster?: VaultCluster;
  layout: PkiLayout;
  /** The offline root and the intermediate, on this host. */
  pki: LabPki;
  http: HttpsClient;
  /** The active node of the lab's cluster, or the user's address. */
  endpoint: string;
  /** The lab's admin token there, or the user's credentials. */
  admin: VaultClient;
  /** A fresh token for one of the lab's AppRoles, as cert-manager gets one. */
  login(appRole: string): ReturnType<typeof loginAs>;
}

export async function useVaultPki(ctx: LabContext): Promise<VaultPki> {
  if (!ctx.config.vault.address) {
    const vaultCluster = await useVaultCluster(ctx);
    const endpoint = await activeEndpoint(vaultCluster);
    return {
      vaultCluster, layout: LAB_VAULT_PKI, pki: vaultCluster.pki, http: vaultCluster.http, endpoint, admin: vaultCluster.admin(endpoint),
      login: (appRole) => loginAs(ctx.paths, endpoint, vaultCluster.ca, appRole),
    };
  }
  const vault = await connectUserVault(ctx);
  ctx.releases.defer('close the connections to your Vault', () => vault.close());
  const layout = pkiLayout(ctx.config);
  return {
    layout, pki: await loadLabPki(ctx.paths), http: vault.http, endpoint: vault.address, admin: vault.admin,
    login: (appRole) => loginAs(ctx.paths, vault.address, vault.ca, appRole, layout.approleMount),
  };
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
