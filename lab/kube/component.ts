import type { Component } from '../component.ts';
import { KUBE_WORKLOAD_IMAGES } from '../images/kubernetes.ts';
import { startKubeCluster } from './bring-up.ts';
import { deleteKindCluster, kindNodes } from './kind.ts';
import { kubeClusterLayout } from './layout.ts';
import { healKubeCluster } from './heal.ts';
import { kubeClusterStatus } from './status.ts';

/** kind with cert-manager (Gateway API on) and Traefik, on the lab network, resolving the lab's zones. */
export const kubeClusterComponent: Component = {
  name: 'kube-cluster',
  description: 'kind cluster with cert-manager, Gateway API and Traefik',
  // The node image carries the control plane; what it is built from is supplied only if it is built.
  images: () => ['kind-node', ...KUBE_WORKLOAD_IMAGES],
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
