import type { Component } from '../component.ts';
import { errorText } from '../errors.ts';
import { LAB_LABEL } from '../host/docker.ts';
import { openKubeCluster, type KubeObject } from '../kube/index.ts';
import { ECHO_IMAGE_KEY, EXTERNAL_DNS_IMAGE_KEY, startPlatform } from './bring-up.ts';
import { healPlatform } from './heal.ts';
import { platformLayout } from './layout.ts';
import { platformState, platformStatus } from './status.ts';

/** Cluster-scoped kinds and namespaces the platform's fixtures make, found again by the lab label. */
const LABELLED = [
  { path: '/apis/cert-manager.io/v1/clusterissuers', apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer' },
  { path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
  { path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
  { path: '/api/v1/namespaces', apiVersion: 'v1', kind: 'Namespace' },
];

/** The reference platform: ClusterIssuers on Vault and Pebble, the public and private Gateways, External-DNS. */
export const platformComponent: Component = {
  name: 'platform',
  description: 'ClusterIssuers on Vault and Pebble, public and private Gateways, External-DNS to BIND',
  images: () => [ECHO_IMAGE_KEY, EXTERNAL_DNS_IMAGE_KEY],
  hostPorts: () => [],
  after: ['dns', 'acme', 'vault', 'kube-cluster'],
  // Its vault-private ClusterIssuer, the AppRole Secret and the healing are wired to the lab's own Vault.
  unsupported: (config) => (config.vault.address ? 'does not run on your own Vault yet (vault.address is set)' : undefined),
  async isRunning(ctx) {
    // Whole only when every issuer, its Certificates and Gateways are; anything less is brought up again (idempotent).
    return (await platformState(ctx)).whole;
  },
  async start(ctx) {
    await startPlatform(ctx);
  },
  heal: healPlatform,
  healsWhenDegraded: true,
  status: platformStatus,
  async stop(ctx) {
    const kubeCluster = await openKubeCluster(ctx).catch(() => undefined);
    if (!kubeCluster) return;
    const selector = `labelSelector=${encodeURIComponent(`${LAB_LABEL}=${ctx.config.name}`)}`;
    const layout = platformLayout(ctx.config);
    const secrets = { path: `/api/v1/namespaces/${kubeCluster.layout.namespaces.certManager}/secrets`, apiVersion: 'v1', kind: 'Secret' };
    for (const { path, apiVersion, kind } of [...LABELLED, secrets]) {
      const { items } = await kubeCluster.get<{ items: KubeObject[] }>(`${path}?${selector}`).catch((err: unknown) => {
        throw new Error(`listing ${path} of the platform of lab ${ctx.config.name}: ${errorText(err)}`);
      });
      // A list's items carry no apiVersion and kind of their own.
      await kubeCluster.delete(items.map((o) => ({ ...o, apiVersion, kind })));
    }
    ctx.progress(`removed the platform (namespaces ${layout.namespace}, ${layout.externalDnsNamespace}, the ClusterIssuers)`);
  },
};
