// Putting the ClusterIssuers back in step with the lab: the issuers fixture applied again with what the
// lab holds now (the cert-manager AppRole's secret ID, the lab's chain, Pebble's directory), as after a
// restore or a reconfiguration of Vault; and an ACME issuer made to register again with its server, as
// after Pebble restarted and forgot every account.
import type { LabContext } from '../context.ts';
import type { KubeCluster } from '../kube/connect.ts';
import { mergePatch } from '../kube/writes.ts';
import { platformInputs } from './bring-up.ts';
import { platformLayout } from './layout.ts';
import { platformVars, renderPlatformFixture } from './manifests.ts';

/** Applies the issuers fixture (Secrets and ClusterIssuers) again from the lab's current state. */
export async function resyncIssuers(ctx: LabContext, kubeCluster: KubeCluster): Promise<void> {
  const layout = platformLayout(ctx.config);
  const objects = await renderPlatformFixture('issuers', platformVars(layout, kubeCluster.layout, await platformInputs(ctx)), ctx.config.name);
  await kubeCluster.apply(objects);
}

/** The ACME account the ClusterIssuer registered (status.acme.uri), if any. */
export async function acmeAccountUri(kubeCluster: KubeCluster, issuer: string): Promise<string | undefined> {
  const o = await kubeCluster.get(`/apis/cert-manager.io/v1/clusterissuers/${issuer}`);
  return o.status?.acme?.uri;
}

/**
 * Makes an ACME ClusterIssuer register a new account: its account key Secret deleted, so cert-manager
 * generates a new key, clears the cached account URI (pkg/issuer/acme/setup.go) and registers; waits until
 * the issuer is Ready with an account other than `previous`. Returns the new account URI.
 */
export async function reregisterAcmeAccount(kubeCluster: KubeCluster, issuer: string, previous: string | undefined, timeoutMs: number): Promise<string> {
  const o = await kubeCluster.get(`/apis/cert-manager.io/v1/clusterissuers/${issuer}`);
  const secret = o.spec?.acme?.privateKeySecretRef?.name as string;
  await kubeCluster.delete([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: secret, namespace: kubeCluster.layout.namespaces.certManager } }]);
  await kubeCluster.waitUntil({
    path: '/apis/cert-manager.io/v1/clusterissuers', names: [issuer], what: `ClusterIssuer ${issuer} Ready with a new ACME account`, timeoutMs,
    ready: (i) => !!i.status?.acme?.uri && i.status.acme.uri !== previous
      && (i.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'),
    explain: (i) => `account ${i.status?.acme?.uri ?? 'none'}`,
  });
  return (await acmeAccountUri(kubeCluster, issuer))!;
}

/**
 * An update to the ClusterIssuer (an annotation with the time) so cert-manager syncs it now and checks its
 * server again, instead of when its rate limiter next retries.
 */
export async function nudgeIssuer(kubeCluster: KubeCluster, issuer: string): Promise<void> {
  // A merge patch: an apply of the annotation alone would drop the fields the lab's apply owns.
  await mergePatch(kubeCluster.kubeconfig, `/apis/cert-manager.io/v1/clusterissuers/${issuer}`, { metadata: { annotations: { 'certlab.io/synced-at': new Date().toISOString() } } });
}
