// The node network kindnetd would set up (kindnetd cannot be built here, see NOTES.md): on each node the
// CNI configuration ptp + host-local on the node's podCIDR + portmap, with masquerade, and routes to the
// other nodes' pod ranges, with the reference CNI plugins the node image carries.
import { execCapture } from '../host/exec.ts';
import { condition, type KubeObject } from './api.ts';
import type { KubeCluster } from './connect.ts';
import { kindNodes } from './kind.ts';

interface NodeRoute { name: string; podCIDR: string; internalIP?: string }

const NODES = '/api/v1/nodes';

/** Waits for every node's podCIDR, writes the CNI configuration and routes on each, then waits until the nodes are Ready. */
export async function setUpNodeNetwork(kubeCluster: KubeCluster, timeoutMs: number): Promise<void> {
  await kubeCluster.waitUntil({
    path: NODES, what: 'every node to get a podCIDR', timeoutMs,
    ready: (n) => !!n.spec?.podCIDR, explain: () => 'no podCIDR yet',
  });
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(NODES);
  await configureNodeCni(kubeCluster, items.map((n) => ({
    name: n.metadata!.name!, podCIDR: n.spec.podCIDR,
    internalIP: (n.status?.addresses as Array<{ type: string; address: string }> | undefined)?.find((a) => a.type === 'InternalIP')?.address,
  })));
  await kubeCluster.waitUntil({
    path: NODES, what: 'every node Ready', timeoutMs,
    ready: (n) => condition(n, 'Ready')?.status === 'True', explain: (n) => condition(n, 'Ready')?.message ?? 'not Ready',
  });
}

async function configureNodeCni(kubeCluster: KubeCluster, nodes: NodeRoute[]): Promise<void> {
  const containers = await kindNodes(kubeCluster.layout.name, kubeCluster.layout.network);
  for (const node of nodes) {
    const c = containers.find((x) => x.name === node.name);
    if (!c) throw new Error(`no node container ${node.name} in kind cluster ${kubeCluster.layout.name}`);
    const conflist = {
      cniVersion: '0.4.0',
      name: 'certlab',
      plugins: [
        {
          type: 'ptp',
          ipMasq: true,
          mtu: 1500,
          ipam: { type: 'host-local', dataDir: '/run/cni-ipam-state', routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: node.podCIDR }]] },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    };
    const routes = nodes
      .filter((o) => o.name !== node.name && o.internalIP)
      .map((o) => `ip route replace ${o.podCIDR} via ${o.internalIP}`)
      .join(' && ');
    const b64 = Buffer.from(JSON.stringify(conflist, null, 2)).toString('base64');
    const script = `set -e; mkdir -p /etc/cni/net.d; echo ${b64} | base64 -d > /etc/cni/net.d/.10-certlab.conflist; mv /etc/cni/net.d/.10-certlab.conflist /etc/cni/net.d/10-certlab.conflist${routes ? `; ${routes}` : ''}`;
    const r = await execCapture(c.id, ['sh', '-c', script]);
    if (r.exitCode !== 0) throw new Error(`writing the CNI configuration on node ${node.name} exited ${r.exitCode}: ${(r.stderr || r.stdout).trim()}`);
  }
}
