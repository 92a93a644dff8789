// Bringing the kind cluster up, as a list of named steps, each timed into timings.json (group `kube-cluster`):
//   kind and helm -> kind create (or reuse) -> kind load images | node network ready
//   -> coredns forwards lab zones | gateway api crds established -> traefik ready | cert-manager ready
// ("|": side by side). Every wait watches the API (Deployments available, CRDs Established, GatewayClass
// Accepted) and stops with ctx.signal.
import type { LabContext } from '../context.ts';
import { configuredImage } from '../images/catalog.ts';
import { labDns } from '../dns/index.ts';
import { errorText } from '../errors.ts';
import { writeSecretFile } from '../host/files.ts';
import { installCertManager } from './addons/cert-manager.ts';
import { installTraefik } from './addons/traefik.ts';
import { getPath, kubeConfigFromString } from './api.ts';
import { ensureKubernetesTools } from './artifacts.ts';
import { forwardLabZones } from './coredns-forward.ts';
import { kubeClusterHandle, type KubeCluster } from './connect.ts';
import { installGatewayApiCrds } from './gateway-api.ts';
import { assertKubeImagesPresent, controlPlaneAddress, createKindCluster, deleteKindCluster, kindKubeconfig, kindNodes, kubeWorkloadImages, loadKubeImages } from './kind.ts';
import { kubeClusterLayout, type KubeClusterLayout } from './layout.ts';
import { setUpNodeNetwork } from './node-network.ts';

/** The timings group: the component's name. */
const GROUP = 'kube-cluster';
/** Limit of each wait. */
const WAIT_MS = 180_000;

export interface KubeClusterOptions {
  /** cert-manager release to install (default config.versions.certManager). Another version's images must be
   *  present locally (e.g. `docker pull quay.io/jetstack/cert-manager-controller:v1.21.2`, same for webhook,
   *  cainjector, acmesolver); its chart is assembled from the Go module. */
  certManagerVersion?: string;
  /** kind config to use instead of fixtures/kube/kind-config.yaml. */
  kindConfigFile?: string;
}

/** The kubeconfig of a kind cluster that runs and answers; a broken one (a node down, the API silent) is deleted. */
async function reusableKubeconfig(ctx: LabContext, layout: KubeClusterLayout, kind: string): Promise<string | undefined> {
  const nodes = await kindNodes(layout.name, layout.network);
  if (nodes.length === 0) return undefined;
  if (nodes.every((n) => n.running) && nodes.some((n) => n.ip)) {
    try {
      const text = await kindKubeconfig(kind, layout.name);
      await getPath(kubeConfigFromString(text), '/readyz');
      ctx.progress(`reusing kind cluster ${layout.name}`);
      return text;
    } catch (err) {
      ctx.progress(`kind cluster ${layout.name} exists but its API does not answer (${errorText(err)}); recreating it`);
    }
  }
  await ctx.steps.time(GROUP, 'delete broken kind cluster', () => deleteKindCluster(layout.name, kind));
  return undefined;
}

/**
 * Creates the lab's kind cluster if missing (reusing a healthy one, replacing a broken one), installs the
 * Gateway API CRDs, Traefik and cert-manager, and waits until all serve. Needs the dns component.
 */
export async function startKubeCluster(ctx: LabContext, opts: KubeClusterOptions = {}): Promise<KubeCluster> {
  const { steps } = ctx;
  const layout = kubeClusterLayout(ctx.config, ctx.paths);
  const certManagerVersion = opts.certManagerVersion ?? ctx.config.versions.certManager;
  await assertKubeImagesPresent(ctx.config, certManagerVersion);
  // The dns component runs on the lab network, so that network exists.
  const { corednsIp } = await labDns(ctx);

  ctx.progress('kind and helm');
  const tools = await steps.time(GROUP, 'kind and helm', () => ensureKubernetesTools(ctx.progress, ctx.signal));

  let kubeconfigText = await reusableKubeconfig(ctx, layout, tools.kind);
  if (!kubeconfigText) {
    ctx.progress(`kind create cluster ${layout.name}`);
    kubeconfigText = await steps.time(GROUP, 'kind create', () => createKindCluster(ctx, layout, tools.kind, opts.kindConfigFile));
  }
  await writeSecretFile(layout.kubeconfigFile, kubeconfigText);
  const nodeAddress = await controlPlaneAddress(layout);
  if (!nodeAddress) throw new Error(`the kind cluster ${layout.name} has no running control-plane node on network ${layout.network}`);
  const kubeCluster = kubeClusterHandle(ctx, layout, kubeConfigFromString(kubeconfigText), nodeAddress);

  // The workload images go in while the node network comes up; CoreDNS is reconfigured beside the rest.
  ctx.progress('kind load images, node network');
  const loading = steps.time(GROUP, 'kind load images', () => loadKubeImages(ctx, layout, tools.kind, kubeWorkloadImages(ctx.config, certManagerVersion)));
  loading.catch(() => undefined);
  await steps.time(GROUP, 'node network ready', () => setUpNodeNetwork(kubeCluster, WAIT_MS));
  const forwarding = steps.time(GROUP, 'coredns forwards lab zones', () => forwardLabZones(kubeCluster, ctx.config.name, corednsIp, WAIT_MS));
  forwarding.catch(() => undefined);
  ctx.progress('Gateway API CRDs');
  await steps.time(GROUP, 'gateway api crds established', () => installGatewayApiCrds(kubeCluster, WAIT_MS));
  await loading;

  ctx.progress('Traefik, cert-manager');
  await Promise.all([
    steps.time(GROUP, 'traefik ready', () => installTraefik(kubeCluster, WAIT_MS, configuredImage(ctx.config, 'traefik').ref)),
    steps.time(GROUP, 'cert-manager ready', () => installCertManager(ctx, kubeCluster, {
      helm: tools.helm, timeoutMs: WAIT_MS, labDns: corednsIp, version: certManagerVersion,
    })),
    forwarding,
  ]);
  ctx.progress(`kind cluster ${layout.name} ready; kubeconfig ${layout.kubeconfigFile}; Traefik HTTPS at ${nodeAddress}:${layout.nodePorts.https}`);
  return kubeCluster;
}
