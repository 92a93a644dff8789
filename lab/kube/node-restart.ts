// The kind cluster restarted as a whole (each node container restarted: the control plane and every pod
// with it), and the Gateway controller restarted alone. After a node restart the lab puts back what it set
// up on the node itself: the CNI configuration is on the node's filesystem and survives, the routes to
// the other nodes' pod ranges may not, so setUpNodeNetwork writes both again (idempotent).
import type { LabContext } from '../context.ts';
import { docker } from '../host/docker.ts';
import { pollUntil } from '../host/wait.ts';
import type { KubeObject } from './api.ts';
import { getPath } from './api.ts';
import { connectKubeCluster, type KubeCluster } from './connect.ts';
import { kindNodes } from './kind.ts';
import { setUpNodeNetwork } from './node-network.ts';

export interface NodeRestart {
  /** Each node's address on the lab network before and after (External-DNS publishes the control plane's). */
  addresses: Array<{ node: string; before?: string; after?: string }>;
  /** A handle on the restarted cluster (the old one's watches are of the old API server). */
  kubeCluster: KubeCluster;
}

/**
 * Restarts every node container of the lab's kind cluster, then waits until its API answers, re-applies
 * the node network and waits until every node is Ready. Whatever happens, the nodes are started again on
 * every path (ctx.releases).
 */
export async function restartKindNodes(ctx: LabContext, kubeCluster: KubeCluster, timeoutMs: number): Promise<NodeRestart> {
  const d = await docker();
  const before = await kindNodes(kubeCluster.layout.name, kubeCluster.layout.network);
  ctx.releases.defer(`kind nodes of ${kubeCluster.layout.name} running`, async () => {
    for (const n of await kindNodes(kubeCluster.layout.name)) if (!n.running) await d.getContainer(n.id).start();
  });
  await Promise.all(before.map((n) => d.getContainer(n.id).restart({ t: 10 })));
  const restarted = await pollUntil(async () => {
    await getPath(kubeCluster.kubeconfig, '/readyz');
    return connectKubeCluster(ctx);
  }, { timeoutMs, intervalMs: 500, what: `the API server of ${kubeCluster.layout.name} to answer /readyz after the restart`, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  await setUpNodeNetwork(restarted, timeoutMs);
  const after = await kindNodes(kubeCluster.layout.name, kubeCluster.layout.network);
  return {
    addresses: before.map((n) => ({ node: n.name, ...(n.ip ? { before: n.ip } : {}), ...(after.find((a) => a.name === n.name)?.ip ? { after: after.find((a) => a.name === n.name)!.ip! } : {}) })),
    kubeCluster: restarted,
  };
}

const podsPath = (namespace: string) => `/api/v1/namespaces/${namespace}/pods`;

/**
 * Deletes the Gateway controller's pods (Traefik) and waits until a new pod of its Deployment is Ready.
 * Returns the names of the old and the new pods.
 */
export async function restartGatewayController(kubeCluster: KubeCluster, timeoutMs: number): Promise<{ old: string[]; fresh: string[] }> {
  const namespace = kubeCluster.layout.namespaces.traefik;
  const selector = `labelSelector=${encodeURIComponent('app.kubernetes.io/name=traefik')}`;
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(`${podsPath(namespace)}?${selector}`);
  const old = items.map((p) => p.metadata!.name!);
  await kubeCluster.delete(items.map((p) => ({ ...p, apiVersion: 'v1', kind: 'Pod' })));
  const ready = (p: KubeObject) => !old.includes(p.metadata?.name ?? '') && !p.metadata?.deletionTimestamp
    && (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
  await kubeCluster.waitUntil({
    path: `${podsPath(namespace)}?${selector}`, what: `a new Traefik pod Ready in ${namespace}`, timeoutMs,
    ready, all: (pods) => pods.some(ready), explain: (p) => (old.includes(p.metadata?.name ?? '') ? 'old pod' : p.status?.phase ?? 'pending'),
  });
  const now = await kubeCluster.get<{ items: KubeObject[] }>(`${podsPath(namespace)}?${selector}`);
  return { old, fresh: now.items.filter(ready).map((p) => p.metadata!.name!) };
}
