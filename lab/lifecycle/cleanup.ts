import { rm } from 'node:fs/promises';
import type { LabContext } from '../context.ts';
import { errorText, LabError } from '../errors.ts';
import { docker, labContainers, removeLabResources } from '../host/docker.ts';
import { deleteLabKubeClusters, findLabKubeClusters, kubeClusterLayout, readUserRecord, removeFromUserKubeCluster } from '../kube/index.ts';
import { removeFromUserVault, userVaultInUse } from '../vault/user-vault/index.ts';

/**
 * What existed before a bring-up, so a failed or interrupted one removes only what it made; in a user's
 * cluster, how many entries the record of what the lab made there had.
 */
export interface Snapshot { containers: Set<string>; labExisted: boolean; kubeClusterExisted: boolean; madeInUserCluster: number }

export async function snapshotLab(ctx: LabContext): Promise<Snapshot> {
  const containers = await labContainers(ctx.config.name);
  const kubeClusters = await findLabKubeClusters(ctx.config.name);
  const made = (await readUserRecord(kubeClusterLayout(ctx.config, ctx.paths)))?.made.length ?? 0;
  // A lab on the user's Vault may have no container at all, only its mounts there.
  const labExisted = containers.length > 0 || kubeClusters.length > 0 || made > 0 || (await userVaultInUse(ctx));
  return { containers: new Set(containers.map((c) => c.Id)), labExisted, kubeClusterExisted: kubeClusters.length > 0, madeInUserCluster: made };
}

/**
 * Undoes a bring-up that did not finish. A lab that did not exist before is removed whole (containers,
 * network, volumes and the state that belonged to them); otherwise only the containers this run made.
 */
export async function undoBringUp(ctx: LabContext, before: Snapshot): Promise<void> {
  // kind's node containers (and a user's cluster's nodes) sit on the lab network, so they go first.
  await removeFromUserKubeCluster(ctx, before.madeInUserCluster);
  if (!before.kubeClusterExisted) await deleteLabKubeClusters(ctx.config.name);
  if (!before.labExisted) {
    const notRemoved = await removeFromUserVault(ctx).then(() => undefined, (err: unknown) => (err instanceof LabError ? err.line : errorText(err)));
    await removeLabResources(ctx.config.name);
    // Its record stays with the state, so a later `certlab down` can still remove what it made there.
    if (notRemoved) process.stderr.write(`certlab: what this bring-up made in your Vault stays for \`certlab down\`: ${notRemoved}\n`);
    else await removeRuntimeState(ctx);
    return;
  }
  const d = await docker();
  for (const c of await labContainers(ctx.config.name)) {
    if (!before.containers.has(c.Id)) await d.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** Secrets and rendered configs belong to the volumes and containers; the offline PKI and snapshots stay. */
export async function removeRuntimeState(ctx: LabContext): Promise<void> {
  await rm(ctx.paths.secrets, { recursive: true, force: true });
  await rm(ctx.paths.mounts, { recursive: true, force: true });
}
