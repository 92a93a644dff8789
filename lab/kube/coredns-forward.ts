// The kind cluster's CoreDNS forwards the lab's zones to the lab's CoreDNS, so pods resolve the lab's
// names (Vault, Pebble, the public zone's BIND) as the lab's containers do.
import { createHash } from 'node:crypto';
import { deploymentAvailable, explainDeployment, type KubeObject } from './api.ts';
import type { KubeCluster } from './connect.ts';

const MARKER = '\n# certlab lab zones\n';

/**
 * Adds a server block per lab zone to the kind cluster's CoreDNS Corefile, forwarding to `server` (none
 * without one), then restarts CoreDNS and waits for it (no waiting on the reload plugin's timer). The
 * blocks have no cache: the lab's CoreDNS is on the same machine, and a name External-DNS just published
 * (or a Vault node's new address) must resolve at once, not after a cached NXDOMAIN expires (CoreDNS's
 * cache plugin keeps one up to 30 s by default).
 */
export async function forwardLabZones(kubeCluster: KubeCluster, server: string | undefined, timeoutMs: number): Promise<void> {
  const zones = kubeCluster.layout.labZones;
  const cm = await kubeCluster.get<KubeObject>('/api/v1/namespaces/kube-system/configmaps/coredns');
  const corefile: string = cm.data?.Corefile ?? '';
  const base = corefile.split(MARKER)[0]!.trimEnd();
  const blocks = server && zones.length
    ? zones.map((z) => `${z}:53 {\n    errors\n    forward . ${server}\n}`).join('\n')
    : '';
  const next = blocks ? `${base}${MARKER}${blocks}\n` : `${base}\n`;
  if (next !== corefile) {
    await kubeCluster.apply([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { ...cm.data, Corefile: next } }]);
    await kubeCluster.apply([{
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system' },
      spec: { template: { metadata: { annotations: { 'certlab.io/corefile': createHash('sha256').update(next).digest('hex').slice(0, 8) } } } },
    }]);
  }
  await kubeCluster.waitUntil({
    path: '/apis/apps/v1/namespaces/kube-system/deployments', names: ['coredns'], ready: deploymentAvailable,
    explain: explainDeployment, what: 'the kind cluster\'s CoreDNS Deployment available', timeoutMs,
  });
}
