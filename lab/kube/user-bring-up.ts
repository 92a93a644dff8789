// Setting the lab up in a Kubernetes cluster it did not make (kubeCluster in the configuration), as named
// steps timed into timings.json (group `kube-cluster`):
//   kind and helm | user cluster answers -> nodes on the lab network -> images loaded into the nodes
//   -> coredns forwards lab zones | gateway api crds established -> traefik ready | cert-manager ready
// No kind cluster is made. cert-manager already there at a supported version is reused as it is (never
// replaced or reconfigured); otherwise the lab installs its own in its namespace. Everything made is
// labelled certlab.lab=<lab> and recorded first (user-record.ts), so `down` removes exactly that.
import type { LabContext } from '../context.ts';
import { labDns } from '../dns/index.ts';
import { configuredImage } from '../images/catalog.ts';
import { assertReusable, findInstalledCertManager, installCertManager, waitCertManagerReady } from './addons/cert-manager.ts';
import { installTraefik } from './addons/traefik.ts';
import { ensureKubernetesTools } from './artifacts.ts';
import { forwardLabZones } from './coredns-forward.ts';
import { kubeClusterHandle, type KubeCluster } from './connect.ts';
import { installGatewayApiCrds } from './gateway-api.ts';
import { assertKubeImagesPresent, kubeWorkloadImages } from './kind.ts';
import { kubeClusterLayout } from './layout.ts';
import { attachUserNodes, checkUserCluster, loadUserNodeImages, userGatewayAddress, userKubeConfig, userNodes } from './user-cluster.ts';
import { recordMade, updateUserRecord, type CertManagerFound } from './user-record.ts';

const GROUP = 'kube-cluster';
const WAIT_MS = 180_000;

export async function startUserKubeCluster(ctx: LabContext): Promise<KubeCluster> {
  const { steps } = ctx;
  const lab = ctx.config.name;
  const configured = kubeClusterLayout(ctx.config, ctx.paths);
  const { corednsIp } = await labDns(ctx);
  const [tools, kubeconfig] = await Promise.all([
    steps.time(GROUP, 'kind and helm', () => ensureKubernetesTools(ctx.progress, ctx.signal)),
    userKubeConfig(configured),
  ]);
  ctx.progress(`the cluster of kubeCluster.kubeconfig (context ${configured.name})`);
  const kubeVersion = await steps.time(GROUP, 'user cluster answers', () => checkUserCluster(kubeconfig, configured));
  const nodes = await userNodes(kubeconfig, configured);
  // The record exists from here on: whatever follows is written into it before it is made.
  await updateUserRecord(configured, (r) => { r.ready = false; });
  await steps.time(GROUP, 'nodes on the lab network', () => attachUserNodes(configured, nodes));
  const nodeAddress = await userGatewayAddress(configured, nodes);
  if (!nodeAddress) throw new Error(`node ${nodes[0]!.node} has no address on the lab network ${configured.network} after it was attached`);

  // A cert-manager the user runs decides the namespace the ClusterIssuers' Secrets go to.
  const probe = kubeClusterHandle(ctx, configured, kubeconfig, nodeAddress);
  const found = await findInstalledCertManager(probe, lab);
  if (found) assertReusable(found);
  const certManager: CertManagerFound = found
    ? { reused: true, namespace: found.clusterResourceNamespace, version: found.version }
    : { reused: false, namespace: configured.namespaces.certManager, version: ctx.config.versions.certManager };
  const layout = { ...configured, namespaces: { ...configured.namespaces, certManager: certManager.namespace } };
  const kubeCluster = kubeClusterHandle(ctx, layout, kubeconfig, nodeAddress);
  await updateUserRecord(layout, (r) => { r.certManager = certManager; });
  ctx.progress(found ? `reusing cert-manager ${found.version} in namespace ${found.namespace} as it is` : `installing cert-manager ${certManager.version} in namespace ${certManager.namespace}`);

  const images = kubeWorkloadImages(ctx.config, certManager.version).filter((ref) => !(found && /\/cert-manager-/.test(ref)));
  if (!found) await assertKubeImagesPresent(ctx.config, certManager.version);
  await steps.time(GROUP, 'images loaded into the nodes', () => loadUserNodeImages(ctx, layout, tools.kind, nodes, images));

  await recordMade(layout, { type: 'coredns-forward' });
  const forwarding = steps.time(GROUP, 'coredns forwards lab zones', () => forwardLabZones(kubeCluster, lab, corednsIp, WAIT_MS));
  forwarding.catch(() => undefined);
  ctx.progress('Gateway API CRDs');
  await steps.time(GROUP, 'gateway api crds established', () => installGatewayApiCrds(kubeCluster, WAIT_MS));
  ctx.progress('Traefik, cert-manager');
  await Promise.all([
    steps.time(GROUP, 'traefik ready', () => installTraefik(kubeCluster, WAIT_MS, configuredImage(ctx.config, 'traefik').ref)),
    found
      ? steps.time(GROUP, 'cert-manager ready (reused)', () => waitCertManagerReadyIn(kubeCluster, found.namespace))
      : steps.time(GROUP, 'cert-manager ready', () => installCertManager(ctx, kubeCluster, { helm: tools.helm, timeoutMs: WAIT_MS, labDns: corednsIp, version: certManager.version, kubeVersion })),
    forwarding,
  ]);
  await updateUserRecord(layout, (r) => { r.ready = true; });
  ctx.progress(`lab ${lab} set up in the cluster of kubeCluster.kubeconfig (context ${layout.name}); Gateways at ${nodeAddress}`);
  return kubeCluster;
}

/** A reused cert-manager runs in its own namespace (which may differ from where its issuers' Secrets go). */
function waitCertManagerReadyIn(kubeCluster: KubeCluster, namespace: string): Promise<void> {
  return waitCertManagerReady({ ...kubeCluster, layout: { ...kubeCluster.layout, namespaces: { ...kubeCluster.layout.namespaces, certManager: namespace } } }, WAIT_MS);
}
