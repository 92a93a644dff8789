// The cluster's CoreDNS forwards the lab's zones to the lab's CoreDNS, so pods resolve the lab's names
// (Vault, Pebble, the public zone's BIND) as the lab's containers do. The lab's server blocks sit between
// markers that name the lab, so on a user's cluster they are taken out again and nothing else is touched.
import { createHash } from 'node:crypto';
import { deploymentAvailable, explainDeployment, type KubeObject } from './api.ts';
import type { KubeCluster } from './connect.ts';
import { mergePatch } from './writes.ts';

const COREFILE_PATH = '/api/v1/namespaces/kube-system/configmaps/coredns';
const DEPLOYMENT_PATH = '/apis/apps/v1/namespaces/kube-system/deployments/coredns';
/** The annotation that rolls CoreDNS when its Corefile changed (no waiting on the reload plugin's timer). */
const ROLL_ANNOTATION = 'certlab.io/corefile';
/** What an earlier lab wrote: its blocks ran from this line to the end of the Corefile. */
const LEGACY_MARKER = '\n# certlab lab zones\n';

const markers = (lab: string) => ({ begin: `# certlab.lab=${lab} zones begin`, end: `# certlab.lab=${lab} zones end` });

/** The Corefile without the lab's blocks (nor an earlier lab's trailing ones). */
export function withoutLabZones(corefile: string, lab: string): string {
  const { begin, end } = markers(lab);
  const base = corefile.split(LEGACY_MARKER)[0]!;
  const from = base.indexOf(begin);
  const to = base.indexOf(end);
  if (!(from >= 0 && to > from)) return `${base.trimEnd()}\n`;
  const after = base.slice(to + end.length).trim();
  return `${base.slice(0, from).trimEnd()}\n${after ? `${after}\n` : ''}`;
}

/** The Corefile with one server block per lab zone forwarding to `server`, between the lab's markers. */
export function withLabZones(corefile: string, lab: string, zones: string[], server: string): string {
  const { begin, end } = markers(lab);
  const blocks = zones.map((z) => `${z}:53 {\n    errors\n    forward . ${server}\n}`).join('\n');
  return `${withoutLabZones(corefile, lab).trimEnd()}\n${begin}\n${blocks}\n${end}\n`;
}

/**
 * Writes the Corefile (when it changed), rolls CoreDNS (with the annotation, or by taking it away when
 * `annotate` is false) and waits until it is available again.
 */
async function setCorefile(kubeCluster: KubeCluster, next: (corefile: string) => string, annotate: boolean, timeoutMs: number): Promise<void> {
  const cm = await kubeCluster.get<KubeObject>(COREFILE_PATH);
  const corefile: string = cm.data?.Corefile ?? '';
  const wanted = next(corefile);
  if (wanted !== corefile) {
    // Merge patches: the ConfigMap and the Deployment are the cluster's own, the lab only changes these fields.
    await mergePatch(kubeCluster.kubeconfig, COREFILE_PATH, { data: { Corefile: wanted } });
    const digest = annotate ? createHash('sha256').update(wanted).digest('hex').slice(0, 8) : null;
    await mergePatch(kubeCluster.kubeconfig, DEPLOYMENT_PATH, { spec: { template: { metadata: { annotations: { [ROLL_ANNOTATION]: digest } } } } });
  }
  await kubeCluster.waitUntil({
    path: '/apis/apps/v1/namespaces/kube-system/deployments', names: ['coredns'], ready: deploymentAvailable,
    explain: explainDeployment, what: 'the cluster\'s CoreDNS Deployment available', timeoutMs,
  });
}

/**
 * Adds a server block per lab zone to the cluster's CoreDNS Corefile, forwarding to `server`, then
 * restarts CoreDNS and waits for it. The blocks have no cache: the lab's CoreDNS is on the same machine,
 * and a name External-DNS just published (or a Vault node's new address) must resolve at once, not after a
 * cached NXDOMAIN expires (CoreDNS's cache plugin keeps one up to 30 s by default).
 */
export async function forwardLabZones(kubeCluster: KubeCluster, lab: string, server: string, timeoutMs: number): Promise<void> {
  await setCorefile(kubeCluster, (c) => withLabZones(c, lab, kubeCluster.layout.labZones, server), true, timeoutMs);
}

/** Takes the lab's server blocks out of the cluster's Corefile again (a user's cluster, at `down`). */
export async function unforwardLabZones(kubeCluster: KubeCluster, lab: string, timeoutMs: number): Promise<void> {
  await setCorefile(kubeCluster, (c) => withoutLabZones(c, lab), false, timeoutMs);
}
