// The intermediate-expiry drill's ClusterIssuer (fixtures/platform/drill-issuer.yaml): Vault, the lab's
// AppRole Secret and caBundle as the platform's Vault issuer, signing on the drill's own mount.
import type { LabContext } from '../context.ts';
import type { KubeCluster } from '../kube/connect.ts';
import { platformInputs, waitIssuersReady } from './bring-up.ts';
import { platformLayout } from './layout.ts';
import { platformVars, renderPlatformFixture } from './manifests.ts';

/** Applies the drill ClusterIssuer on `signPath`, deleted on every path (ctx.releases), and waits until it is Ready. Returns its name. */
export async function useDrillClusterIssuer(ctx: LabContext, kubeCluster: KubeCluster, signPath: string, timeoutMs: number): Promise<string> {
  const layout = platformLayout(ctx.config);
  const vars = { ...platformVars(layout, kubeCluster.layout, await platformInputs(ctx)), drillSignPath: signPath };
  const objects = await renderPlatformFixture('drill-issuer', vars, ctx.config.name);
  ctx.releases.defer(`delete ClusterIssuer ${layout.drillIssuer}`, () => kubeCluster.delete(objects));
  await kubeCluster.apply(objects);
  await waitIssuersReady(kubeCluster, layout, timeoutMs, [layout.drillIssuer]);
  return layout.drillIssuer;
}
