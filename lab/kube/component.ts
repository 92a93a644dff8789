import type { Component } from '../component.ts';
import { KUBERNETES_IMAGES } from '../images/kubernetes.ts';
import { startKubeCluster } from './bring-up.ts';
import { deleteKindCluster, kindNodes } from './kind.ts';
import { kubeClusterLayout } from './layout.ts';
import { healKubeCluster } from './heal.ts';
import { kubeClusterStatus } from './status.ts';

/** kind with cert-manager (Gateway API on) and Traefik, on the lab network, resolving the lab's zones. */
export const kubeClusterComponent: Component = {
  name: 'cluster',
  description: 'kind cluster with cert-manager, Gateway API and Traefik',
  images: () => KUBERNETES_IMAGES.map((i) => i.key),
  hostPorts: () => [],
  after: ['dns'],
  async isRunning(ctx) {
    const nodes = await kindNodes(kubeClusterLayout(ctx.config, ctx.paths).name);
    return nodes.length > 0 && nodes.every((n) => n.running);
  },
  async start(ctx) {
    await startKubeCluster(ctx);
  },
  heal: healKubeCluster,
  status: kubeClusterStatus,
  stop: (ctx) => deleteKindCluster(kubeClusterLayout(ctx.config, ctx.paths).name),
};
