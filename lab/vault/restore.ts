import type { LabContext } from '../context.ts';
import { docker } from '../host/docker.ts';
import { pollUntil } from '../host/wait.ts';
import { vaultClient } from './api.ts';
import { activeEndpoint, startRaftCluster, waitForVoters, type VaultCluster } from './cluster.ts';
import { loadSecret } from './secrets.ts';
import { restoreSnapshot } from './snapshot.ts';
import { vaultTopology } from './topology.ts';

/** The disaster: every Raft node and its volume gone. The seal node (the KMS) is not part of it. */
export async function destroyRaftNodes(ctx: LabContext): Promise<void> {
  const d = await docker();
  const { nodes } = vaultTopology(ctx.config);
  await Promise.all(nodes.map(async (n) => {
    await d.getContainer(n.container).remove({ force: true, v: true }).catch(() => undefined);
    await d.getVolume(n.volume).remove({ force: true }).catch(() => undefined);
  }));
}

/**
 * The article's restore procedure: a fresh cluster (new volumes, its own init), then a forced restore of
 * the snapshot on its leader. The snapshot's keyring is sealed by the same transit key, so the cluster
 * unseals with it; afterwards the old cluster's root token and AppRoles are the valid ones again.
 */
export async function restoreIntoFreshCluster(ctx: LabContext, snapshot: Buffer): Promise<VaultCluster> {
  const fresh = await ctx.steps.time('restore', 'fresh 5-node cluster', () => startRaftCluster(ctx, { saveInit: false }));
  await ctx.steps.time('restore', 'forced restore', async () => restoreSnapshot(fresh.http, await activeEndpoint(fresh), fresh.rootToken, snapshot));
  const old = await loadSecret(ctx.paths, 'cluster');
  if (!old) throw new Error('the restored cluster\'s root token is not in the state directory');
  const restored: VaultCluster = { ...fresh, rootToken: old.rootToken, admin: (endpoint) => vaultClient(endpoint ?? [...fresh.endpoints.values()][0]!, fresh.ca, old.rootToken) };
  await ctx.steps.time('restore', 'restored data served', () => pollUntil(async () => {
    await restored.admin(await activeEndpoint(restored, 2_000)).tokenLookupSelf();
    return true;
  }, { timeoutMs: 120_000, what: 'the restored cluster to accept its old root token', intervalMs: 250 }));
  await ctx.steps.time('restore', 'five voters after restore', () => waitForVoters(ctx, restored, restored.topology.nodes.length, 120_000));
  return restored;
}
