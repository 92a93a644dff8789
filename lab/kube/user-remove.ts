// Removing from a user's cluster exactly what the lab made there, as its record lists it (also after a
// crash: each thing was recorded before it was made). Objects go first, newest first, each only if it
// still carries the lab's label; the lab's namespaces are awaited gone; then the lab's CoreDNS blocks, the
// images the lab loaded, and last the nodes' attachments to the lab network (so the network can go).
import type { LabContext } from '../context.ts';
import { errorText, LabError } from '../errors.ts';
import { docker, LAB_LABEL } from '../host/docker.ts';
import { deleteObjects, getPath, readObject, type KubeObject } from './api.ts';
import { kubeClusterHandle } from './connect.ts';
import { unforwardLabZones } from './coredns-forward.ts';
import { kubeClusterLayout, type KubeClusterLayout } from './layout.ts';
import { removeNodeImage, userKubeConfig } from './user-cluster.ts';
import { forgetMade, readUserRecord, removeUserRecord, type Made, type MadeObject } from './user-record.ts';

/** Namespaces take their objects with them; a loaded machine needs a while. */
const NAMESPACE_GONE_MS = 180_000;
const COREDNS_MS = 120_000;

export interface RemovedFromUserCluster { objects: number; attachments: number; images: number; corednsForward: boolean }

async function containerExists(name: string): Promise<boolean> {
  return (await docker()).getContainer(name).inspect().then(() => true, () => false);
}

/**
 * Undoes what the record lists after its first `keep` entries (all by default, then the record goes too).
 * Returns what was removed, or undefined when the lab made nothing in a user's cluster. A cluster whose
 * API does not answer while its nodes still exist is an error (the record stays for the next `down`); one
 * whose nodes are all gone took everything with it.
 */
export async function removeFromUserKubeCluster(ctx: LabContext, keep = 0): Promise<RemovedFromUserCluster | undefined> {
  const configured = kubeClusterLayout(ctx.config, ctx.paths);
  const record = await readUserRecord(configured);
  if (!record) return undefined;
  // The cluster the record was made in, whatever the configuration says now.
  const layout: KubeClusterLayout = { ...configured, madeBy: 'user', name: record.context, userCluster: { kubeconfig: record.kubeconfig, context: record.context } };
  const undo = record.made.slice(keep).reverse();
  if (undo.length === 0 && keep > 0) return { objects: 0, attachments: 0, images: 0, corednsForward: false };
  const of = <T extends Made['type']>(type: T) => undo.filter((m): m is Extract<Made, { type: T }> => m.type === type);
  const containers = [...new Set([...of('network-attachment'), ...of('image')].map((m) => m.container))];
  const present = await Promise.all(containers.map(containerExists));
  let reachable = true;
  const kubeconfig = await userKubeConfig(layout).catch(() => undefined);
  try {
    if (!kubeconfig) throw new Error(`cannot read ${record.kubeconfig}`);
    await getPath(kubeconfig, '/readyz');
  } catch (err) {
    reachable = false;
    if (present.some(Boolean) || containers.length === 0) {
      throw new LabError(`cannot reach the cluster of ${record.kubeconfig} (context ${record.context}) to remove what lab ${ctx.config.name} made there (${errorText(err)})`,
        `start it and run \`certlab down\` again; the record of what to remove stays in ${layout.recordFile}`);
    }
    ctx.progress(`the cluster of ${record.kubeconfig} is gone with its nodes: nothing left there to remove`);
  }

  const objects = of('object');
  if (reachable && kubeconfig) {
    const handle = kubeClusterHandle(ctx, layout, kubeconfig, '');
    const asObject = (m: MadeObject): KubeObject => ({ apiVersion: m.apiVersion, kind: m.kind, metadata: { name: m.name, ...(m.namespace ? { namespace: m.namespace } : {}) } });
    for (const m of objects) {
      const now = await readObject(kubeconfig, asObject(m));
      // Never an object someone else made under that name: the lab's carry its label; what a controller
      // made for the lab's objects was created after the lab recorded it.
      const ours = m.by ? !!now && new Date(now.metadata?.creationTimestamp ?? 0).getTime() >= Math.floor(Date.parse(m.since ?? '') / 1000) * 1000
        : now?.metadata?.labels?.[LAB_LABEL] === ctx.config.name;
      if (ours) await deleteObjects(kubeconfig, [asObject(m)]);
    }
    for (const m of objects.filter((o) => o.kind === 'Namespace')) {
      await handle.waitGone({ path: '/api/v1/namespaces', name: m.name, timeoutMs: NAMESPACE_GONE_MS, what: `namespace ${m.name} of lab ${ctx.config.name} gone` });
    }
    if (of('coredns-forward').length) await unforwardLabZones(handle, ctx.config.name, COREDNS_MS);
  }
  for (const m of of('image')) await removeNodeImage(m.container, m.ref);
  const d = await docker();
  for (const m of of('network-attachment')) {
    await d.getNetwork(m.network).disconnect({ Container: m.container, Force: true }).catch((err: unknown) => {
      // Already gone (the container, the network, or the attachment) is what was wanted.
      if (!/not found|is not connected|No such/i.test(errorText(err))) throw err;
    });
  }
  if (keep === 0) await removeUserRecord(layout);
  else await forgetMade(layout, undo);
  return { objects: objects.length, attachments: of('network-attachment').length, images: of('image').length, corednsForward: of('coredns-forward').length > 0 };
}
