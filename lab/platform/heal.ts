// The platform back to whole after a scenario failed or was cut short: the issuers put back in step with
// the lab (the fixture applied again with the current AppRole secret ID, each issuer synced now), then the
// waits of the bring-up: issuers Ready, the platform's Certificates Ready, every listener serving. A
// listener that still serves a certificate its issuer's trust anchor no longer verifies (say, under a
// Pebble root gone with a restart) gets its Certificate renewed.
import type { LabContext } from '../context.ts';
import { errorText } from '../errors.ts';
import type { KubeObject } from '../kube/api.ts';
import { openKubeCluster } from '../kube/connect.ts';
import { waitCertificatesReady, waitIssuersReady, waitListenersServe } from './bring-up.ts';
import { platformHandle } from './connect.ts';
import { certificatesPath, restartIssuance } from './forced-renewal.ts';
import { nudgeIssuer, resyncIssuers } from './issuer-sync.ts';
import { revisions, waitRenewed } from './scenario-certificates.ts';

const FIRST_LOOK_MS = 30_000;

export async function healPlatform(ctx: LabContext, timeoutMs: number): Promise<void> {
  const kubeCluster = await openKubeCluster(ctx);
  const platform = platformHandle(ctx, kubeCluster);
  const { layout } = platform;
  await resyncIssuers(ctx, kubeCluster);
  for (const issuer of Object.values(layout.issuers)) await nudgeIssuer(kubeCluster, issuer);
  await waitIssuersReady(kubeCluster, layout, timeoutMs);
  const listeners = await platform.listeners();
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(certificatesPath(layout.namespace));
  // Each listener's Certificate: the one writing its Secret (gateway-shim's share its name, the private one does not).
  const certificateOf = (secret: string) => items.find((c) => c.spec?.secretName === secret)?.metadata?.name ?? secret;
  await waitCertificatesReady(kubeCluster, layout.namespace, [...new Set(listeners.map((l) => certificateOf(l.secret)))], timeoutMs);
  const failing: string[] = [];
  await Promise.all(listeners.map((l) => waitListenersServe(ctx, platform, [l], FIRST_LOOK_MS).catch((err: unknown) => {
    ctx.progress(`platform: ${l.gateway}/${l.listener} does not serve (${errorText(err)}); renewing its Certificate`);
    failing.push(certificateOf(l.secret));
  })));
  if (failing.length === 0) return;
  const before = await revisions(kubeCluster, layout.namespace, failing);
  await restartIssuance(kubeCluster, layout.namespace, failing);
  await waitRenewed(kubeCluster, layout.namespace, before, timeoutMs);
  await waitListenersServe(ctx, platform, listeners, timeoutMs);
}
