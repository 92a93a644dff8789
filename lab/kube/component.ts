import type { Component } from '../component.ts';
import { KUBE_WORKLOAD_IMAGES } from '../images/kubernetes.ts';
import { startKubeCluster } from './bring-up.ts';
import { openKubeCluster } from './connect.ts';
import { deleteKindCluster, kindNodes } from './kind.ts';
import { kubeClusterLayout } from './layout.ts';
import { kubeClusterDrift } from './drift.ts';
import { healKubeCluster } from './heal.ts';
import { kubeClusterStatus } from './status.ts';
import { startUserKubeCluster } from './user-bring-up.ts';
import { removeFromUserKubeCluster } from './user-remove.ts';

/**
 * kind with cert-manager (Gateway API on) and Traefik, on the lab network, resolving the lab's zones; or,
 * with kubeCluster in the configuration, the same set up in the user's own cluster, whose nodes join the
 * lab network.
 */
export const kubeClusterComponent: Component = {
  name: 'kube-cluster',
  description: 'Kubernetes (kind, or kubeCluster.kubeconfig) with cert-manager, Gateway API and Traefik',
  // The node image carries the control plane; what it is built from is supplied only if it is built.
  images: (config) => (config.kubeCluster ? [...KUBE_WORKLOAD_IMAGES] : ['kind-node', ...KUBE_WORKLOAD_IMAGES]),
  hostPorts: () => [],
  after: ['dns'],
  async isRunning(ctx) {
    const layout = kubeClusterLayout(ctx.config, ctx.paths);
    if (layout.madeBy === 'user') return openKubeCluster(ctx).then(() => true, () => false);
    const nodes = await kindNodes(layout.name);
    return nodes.length > 0 && nodes.every((n) => n.running);
  },
  // startKubeCluster reuses a running kind cluster and re-applies Traefik and cert-manager (helm upgrade).
  drift: kubeClusterDrift,
  async start(ctx) {
    if (ctx.config.kubeCluster) await startUserKubeCluster(ctx);
    else await startKubeCluster(ctx);
  },
  heal: healKubeCluster,
  status: kubeClusterStatus,
  async stop(ctx) {
    if (ctx.config.kubeCluster) await removeFromUserKubeCluster(ctx);
    else await deleteKindCluster(kubeClusterLayout(ctx.config, ctx.paths).name);
  },
};
