import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabContext } from '../context.ts';
import { labContainers, publishedPort } from '../host/docker.ts';
import { LabError } from '../errors.ts';
import { writeSecretFile } from '../host/files.ts';
import { HttpsClient } from '../host/https.ts';
import { pollUntil } from '../host/wait.ts';
import { ensureLabPki, loadLabPki, writeServerTls, type LabPki } from '../pki/lab-pki.ts';
import { ensureAdminToken } from './admin.ts';
import { health, initWithRecoveryKeys, vaultClient, type HealthState, type VaultClient } from './api.ts';
import { auditDir } from './audit.ts';
import { configureVaultPki } from './configure.ts';
import { autopilotState, configureAutopilot } from './raft.ts';
import { renderNodeConfig } from './render.ts';
import { startSealNode } from './seal-node.ts';
import { loadSecret, saveSecret } from './secrets.ts';
import { startServerContainer } from './server-container.ts';
import { vaultTlsNames, vaultTopology, type VaultServer, type VaultTopology } from './topology.ts';

/** Handles to a running cluster for scenarios and tests: endpoints, the lab CA, admin client. */
export interface VaultCluster {
  topology: VaultTopology;
  pki: LabPki;
  ca: string;
  http: HttpsClient;
  endpoints: Map<string, string>;
  sealEndpoint: string;
  /**
   * The token admin() uses: the lab's admin token, policy `certlab-admin` only (lab/vault/admin.ts). The
   * init root token is revoked; a restore target, before the restore, holds its own init root token.
   */
  adminToken: string;
  admin(endpoint?: string): VaultClient;
}

export function tlsDir(ctx: LabContext): string {
  return join(ctx.paths.mounts, 'vault-tls');
}

async function writeNodeConfigs(ctx: LabContext, topology: VaultTopology, transitToken: string): Promise<string> {
  const configDir = join(ctx.paths.mounts, 'vault-nodes');
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  for (const node of topology.nodes) {
    // The config holds the transit token, so it is a secret file like the others.
    await writeSecretFile(join(configDir, `${node.name}.hcl`), await renderNodeConfig(topology, node, ctx.config.vault.performanceMultiplier, transitToken));
  }
  return configDir;
}

export async function startVaultNode(ctx: LabContext, topology: VaultTopology, node: VaultServer): Promise<string> {
  const { hostPort } = await startServerContainer(ctx, topology.flavor, node, {
    tlsDir: tlsDir(ctx), configDir: join(ctx.paths.mounts, 'vault-nodes'), configFile: `${node.name}.hcl`, auditDir: auditDir(ctx.paths, node),
  });
  return `https://127.0.0.1:${hostPort}`;
}

async function waitForState(ctx: LabContext, http: HttpsClient, endpoint: string, states: HealthState[], what: string, timeoutMs = 60_000): Promise<HealthState> {
  return pollUntil(async () => {
    const h = await health(http, endpoint);
    return states.includes(h.state) ? h.state : undefined;
  }, { timeoutMs, what, signal: ctx.signal });
}

export interface RaftClusterOptions {
  /**
   * The lab's own cluster: save the recovery keys, make (or renew) the admin token and revoke the init
   * root token. Not for a restore target, whose init is replaced by the snapshot's: it keeps its init root
   * token for the forced restore, and that token is gone with the restore.
   */
  saveInit: boolean;
  /** Sees what init returned, before the root token is revoked (tests check that it is). */
  onInit?: (init: { rootToken: string; recoveryKeys: string[] }) => void;
}

/**
 * The seal node and the Raft cluster from nothing (or found running): TLS from the lab intermediate,
 * auto-unseal through transit, init with recovery keys on the first node, the others joining by
 * retry_join, autopilot configured, every node a voter.
 */
export async function startRaftCluster(ctx: LabContext, opts: RaftClusterOptions = { saveInit: true }): Promise<VaultCluster> {
  const topology = vaultTopology(ctx.config);
  const { steps } = ctx;
  const pki = await steps.time('vault', 'offline root and intermediate', () => ensureLabPki(ctx.paths, 'certlab'));
  const tls = await steps.time('vault', 'server certificate', () => writeServerTls(pki, tlsDir(ctx), 'vault', topology.leaderTlsServername, vaultTlsNames(topology, ctx.config.domains.private)));
  const ca = await readFile(tls.caChain, 'utf8');
  const http = new HttpsClient(ca);

  ctx.progress('seal node');
  const seal = await steps.time('vault', 'seal node ready', () => startSealNode(ctx, topology, tlsDir(ctx), http, ca));
  await writeNodeConfigs(ctx, topology, seal.secrets.transitToken);

  ctx.progress(`${topology.nodes.length} nodes`);
  const endpoints = new Map<string, string>();
  await steps.time('vault', `${topology.nodes.length} node containers started`, () => Promise.all(topology.nodes.map(async (n) => endpoints.set(n.name, await startVaultNode(ctx, topology, n)))));
  const first = endpoints.get(topology.nodes[0]!.name)!;

  let secrets = await loadSecret(ctx.paths, 'init');
  let initRootToken: string | undefined;
  const state = await waitForState(ctx, http, first, ['uninitialized', 'sealed', 'active', 'standby'], `${topology.nodes[0]!.name} to answer`);
  if (state === 'uninitialized') {
    ctx.progress('init with recovery keys');
    secrets = await steps.time('vault', 'init (recovery keys)', async () => {
      const s = await initWithRecoveryKeys(vaultClient(first, ca), 5, 3);
      opts.onInit?.(s);
      // Saved with the root token until the admin token exists, so an interrupted bring-up can go on.
      if (opts.saveInit) await saveSecret(ctx.paths, 'init', s);
      return s;
    });
    initRootToken = secrets.rootToken;
  }
  if (!secrets) throw new LabError(`the cluster's volumes are initialised but ${ctx.paths.secrets}/vault-init.json is missing`, 'run `certlab down` to start over');

  ctx.progress('leader elected');
  await steps.time('vault', 'leader elected', () => waitForState(ctx, http, first, ['active', 'standby'], 'the first node to unseal and find a leader'));
  const handles = { topology, pki, ca, http, endpoints, sealEndpoint: seal.endpoint };
  let adminToken: string;
  if (opts.saveInit) {
    adminToken = await steps.time('vault', 'admin token (init root token revoked)', () => ensureAdminToken(ctx, handles));
  } else if (initRootToken) {
    adminToken = initRootToken;
  } else {
    throw new LabError('a restore target must be a fresh cluster, but its volumes are already initialised', 'run `certlab down` to start over');
  }
  const cluster: VaultCluster = { ...handles, adminToken, admin: (endpoint = first) => vaultClient(endpoint, ca, adminToken) };
  const active = await activeEndpoint(cluster);
  await configureAutopilot(cluster.admin(active), ctx.config.vault.minQuorum);

  ctx.progress(`${topology.nodes.length} voters`);
  await steps.time('vault', `${topology.nodes.length} voters`, () => waitForVoters(ctx, cluster, topology.nodes.length));
  return cluster;
}

/** The Raft cluster, then the PKI and AppRoles: what `certlab up vault` brings up. */
export async function startVaultCluster(ctx: LabContext, opts: Pick<RaftClusterOptions, 'onInit'> = {}): Promise<VaultCluster> {
  const cluster = await startRaftCluster(ctx, { saveInit: true, ...opts });
  ctx.progress('PKI and AppRoles');
  await ctx.steps.time('vault', 'PKI and AppRoles configured', () => configureVaultPki(ctx, cluster));
  return cluster;
}

/** The endpoint of the node that answers as active, polled until one does. */
export async function activeEndpoint(cluster: Pick<VaultCluster, 'http' | 'endpoints' | 'topology'>, timeoutMs = 60_000): Promise<string> {
  return pollUntil(async () => {
    const states = await Promise.all([...cluster.endpoints.values()].map(async (e) => [e, (await health(cluster.http, e, 1_000)).state] as const));
    const active = states.find(([, s]) => s === 'active')?.[0];
    if (!active) await refreshEndpoints(cluster);
    return active;
  }, { timeoutMs, what: 'an active Vault node', intervalMs: 100 });
}

/**
 * A node restarted with engine-picked ports (ports.vaultBase = 0) comes back on a new host port; the
 * endpoints are read again from the containers so a restarted node is not lost to the lab.
 */
export async function refreshEndpoints(cluster: Pick<VaultCluster, 'endpoints' | 'topology'>): Promise<void> {
  for (const n of cluster.topology.nodes) {
    const port = await publishedPort(n.container, 8200);
    if (port) cluster.endpoints.set(n.name, `https://127.0.0.1:${port}`);
  }
}

export async function waitForVoters(ctx: LabContext, cluster: VaultCluster, count: number, timeoutMs = 90_000): Promise<void> {
  await pollUntil(async () => {
    const state = await autopilotState(cluster.admin(await activeEndpoint(cluster, 5_000)));
    const healthyVoters = state.servers.filter((s) => (s.status === 'voter' || s.status === 'leader') && s.healthy).length;
    if (healthyVoters >= count && state.healthy) return state;
    // Thrown rather than returned so the timeout error says what the cluster looked like last.
    throw new Error(`${healthyVoters} healthy voters, autopilot ${state.healthy ? 'healthy' : 'unhealthy'}: ${state.servers.map((s) => `${s.name} ${s.status}${s.healthy ? '' : ' (unhealthy)'}`).join(', ')}`);
  }, { timeoutMs, what: `${count} healthy Raft voters`, intervalMs: 250, signal: ctx.signal });
}

/**
 * A running cluster's handles, found from its containers and stored secrets (for a later CLI call).
 * Reads only: the PKI is loaded, never made or re-issued (that is `certlab up`'s job).
 */
export async function connectVaultCluster(ctx: LabContext): Promise<VaultCluster | undefined> {
  const topology = vaultTopology(ctx.config);
  // A lab brought up before the admin token existed still has its init root token, until its next `up`.
  const token = (await loadSecret(ctx.paths, 'admin'))?.token ?? (await loadSecret(ctx.paths, 'init'))?.rootToken;
  if (!token) return undefined;
  const ca = await readFile(join(tlsDir(ctx), 'ca-chain.pem'), 'utf8').catch(() => undefined);
  if (!ca) return undefined;
  const endpoints = new Map<string, string>();
  await refreshEndpoints({ endpoints, topology });
  const sealPort = await publishedPort(topology.seal.container, 8200);
  if (endpoints.size === 0 || !sealPort) return undefined;
  const pki = await loadLabPki(ctx.paths);
  const http = new HttpsClient(ca);
  return {
    topology, pki, ca, http, endpoints, sealEndpoint: `https://127.0.0.1:${sealPort}`, adminToken: token,
    admin: (endpoint = [...endpoints.values()][0]!) => vaultClient(endpoint, ca, token),
  };
}

export async function vaultContainersExist(ctx: LabContext): Promise<boolean> {
  const topology = vaultTopology(ctx.config);
  const running = await labContainers(ctx.config.name);
  const names = new Set(running.filter((c) => c.State === 'running').flatMap((c) => c.Names.map((n) => n.replace(/^\//, ''))));
  return [topology.seal, ...topology.nodes].every((s) => names.has(s.container));
}

