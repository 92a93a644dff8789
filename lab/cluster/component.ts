import type { Component } from '../component.ts';
import { labDns } from '../dns/index.ts';
import { KUBERNETES_IMAGES } from '../images/kubernetes.ts';
import { clusterNodes, clusterName } from './kind.ts';
import { clusterStatus, deleteCluster, startCluster } from './index.ts';

/** kind with cert-manager (Gateway API on) and Traefik, on the lab network, resolving the lab's zones. */
export const clusterComponent: Component = {
  name: 'cluster',
  description: 'kind cluster with cert-manager, Gateway API and Traefik',
  images: () => KUBERNETES_IMAGES.map((i) => i.key),
  after: ['dns'],
  hostPorts: () => [],
  async isRunning(ctx) {
    const nodes = await clusterNodes(clusterName(ctx.config.name));
    return nodes.length > 0 && nodes.every((n) => n.running);
  },
  async start(ctx) {
    const dns = await labDns(ctx);
    await startCluster({
      labName: ctx.config.name, network: ctx.config.network.name, stateDir: ctx.paths.root,
      labZones: [ctx.config.domains.private, ctx.config.domains.public], labDnsServer: dns.corednsIp,
      log: ctx.progress,
    });
  },
  async status(ctx) {
    return (await clusterStatus(ctx.config.name)).map((r) => ({ ...r, role: r.component === 'kind nodes' ? 'kubernetes' : 'in cluster' }));
  },
  stop: (ctx) => deleteCluster(ctx.config.name),
};
