import type { LabContext } from '../context.ts';
import { docker } from '../host/docker.ts';
import { pollUntil } from '../host/wait.ts';
import { health, vaultClient } from './api.ts';
import { activeEndpoint, refreshEndpoints, startRaftCluster, waitForVoters, type VaultCluster } from './cluster.ts';
import { loadSecret } from './secrets.ts';
import { restoreSnapshot } from './snapshot.ts';
import { vaultTopology, type VaultServer } from './topology.ts';

/** Times one named piece of work (a scenario's step, or a setup step). */
export type StepTimer = <T>(name: string, work: () => Promise<T>) => Promise<T>;

/** The disaster: every Raft node and its volume gone. The seal node (the KMS) is not part of it. */
export async function destroyRaftNodes(ctx: LabContext): Promise<void> {
  await Promise.all(vaultTopology(ctx.config).nodes.map(removeServer));
}

/** A server's container and its data volume, gone whatever state they were in. */
export async function removeServer(server: VaultServer): Promise<void> {
  const d = await docker();
  await d.getContainer(server.container).remove({ force: true, v: true }).catch(() => undefined);
  await d.getVolume(server.volume).remove({ force: true }).catch(() => undefined);
}

/**
 * The article's restore procedure: a fresh cluster (new volumes, its own init), then a forced restore of
 * the snapshot on its leader with the fresh cluster's init root token (which the restore replaces with
 * the snapshot's token store, so it is gone afterwards). The snapshot's keyring is sealed by the same
 * transit key, so the cluster unseals with it; afterwards the lab's admin token and AppRoles are the valid
 * ones again.
 */
export async function restoreIntoFreshCluster(ctx: LabContext, snapshot: Buffer, step: StepTimer = (name, work) => ctx.steps.time('restore', name, work)): Promise<VaultCluster> {
  const fresh = await step(`fresh ${ctx.config.vault.nodes}-node cluster`, () => startRaftCluster(ctx, { saveInit: false }));
  await step('forced restore', async () => restoreSnapshot(fresh.http, await activeEndpoint(fresh), fresh.adminToken, snapshot));
  const old = await loadSecret(ctx.paths, 'admin');
  if (!old) throw new Error('the restored cluster\'s admin token is not in the state directory');
  const restored: VaultCluster = { ...fresh, adminToken: old.token, admin: (endpoint) => vaultClient(endpoint ?? [...fresh.endpoints.values()][0]!, fresh.ca, old.token) };
  await step('restored data served', () => pollUntil(async () => {
    await refreshEndpoints(restored);
    const states = await Promise.all([...restored.endpoints].map(async ([name, e]) => [name, e, (await health(restored.http, e, 1_000)).state] as const));
    const active = states.find(([, , s]) => s === 'active');
    if (!active) throw new Error(`no active node: ${states.map(([n, , s]) => `${n} ${s}`).join(', ')}`);
    await restored.admin(active[1]).tokenLookupSelf();
    return true;
  }, { timeoutMs: 120_000, what: 'the restored cluster to accept the lab\'s admin token', intervalMs: 250 }));
  await step(`${restored.topology.nodes.length} voters after restore`, () => waitForVoters(ctx, restored, restored.topology.nodes.length, 120_000));
  return restored;
}
