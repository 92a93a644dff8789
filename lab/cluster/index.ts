// The lab's Kubernetes cluster: kind on the lab's Docker network, from locally built images, with the
// Gateway API CRDs, Traefik (GatewayClass `traefik`) and cert-manager (Gateway API support) installed, each
// awaited by watching the API (Deployments available, CRDs Established, GatewayClass Accepted).
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { $ } from 'zx';
import { LabError } from '../errors.ts';
import { docker, imageExists, LAB_LABEL } from '../host/docker.ts';
import { imageByKey } from '../images/catalog.ts';
import { CLUSTER_WORKLOAD_IMAGES, KUBERNETES_TOOLS } from '../images/kubernetes.ts';
import { installCertManager, waitCertManagerReady, CERT_MANAGER_NAMESPACE, CERT_MANAGER_DEPLOYMENTS } from '../certmanager/index.ts';
import { installTraefik, waitTraefikReady, GATEWAY_CLASS, TRAEFIK_NAMESPACE, gatewayClassAccepted, TRAEFIK_HTTPS_NODEPORT } from '../gateway/traefik.ts';
import { CACHE_DIR, ensureKubernetesTools, gatewayApiCrds } from './artifacts.ts';
import { clusterName, clusterNodes, configureNodeNetworking, createKindCluster, deleteKindCluster, findLabClusters, kindKubeconfig, NODE_IMAGE } from './kind.ts';
import { applyObjects, condition, crdEstablished, deploymentAvailable, explainDeployment, getPath, kubeConfigFromString, waitFor, type KubeObject } from './kube.ts';

export { ensureKubernetesTools } from './artifacts.ts';
export { clusterName, findLabClusters } from './kind.ts';
export { certManagerValues } from '../certmanager/index.ts';

export interface StartClusterOptions {
  labName: string;
  network: string;
  labZones: string[];
  labDnsServer?: string;
  stateDir: string;
  log?: (line: string) => void;
  /** Per-wait limit (default 180 s). */
  timeoutMs?: number;
  /** cert-manager release to install (default the locally built v1.11.5). Another version's images must be
   *  present locally (e.g. `docker pull quay.io/jetstack/cert-manager-controller:v1.21.2`, same for webhook,
   *  cainjector, acmesolver); its chart is assembled from the Go module. */
  certManagerVersion?: string;
  /** kind config to use instead of the repository's kind-config.yaml. */
  kindConfigFile?: string;
}

export interface ClusterHandle {
  name: string;
  kubeconfigFile: string;
  kubeconfig: k8s.KubeConfig;
  /** Node container address on the lab network (Traefik's NodePorts answer there). */
  nodeAddress: string;
  httpsNodePort: number;
}

export interface ComponentStatus { component: string; address: string; health: 'ok' | 'degraded' | 'down'; detail: string }

const step = async <T>(log: (l: string) => void, what: string, fn: () => Promise<T>): Promise<T> => {
  const t0 = Date.now();
  const out = await fn();
  log(`${what} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  return out;
};

/** Workload images loaded into the cluster, with cert-manager's at `certManagerVersion` when given. */
export function workloadImages(certManagerVersion?: string): string[] {
  return CLUSTER_WORKLOAD_IMAGES.map((k) => {
    const ref = imageByKey(k).ref;
    return certManagerVersion && k.startsWith('cert-manager-') ? ref.replace(/:[^:]+$/, `:${certManagerVersion}`) : ref;
  });
}

/** Images the cluster needs: the node image (which carries the control plane) and the workload images. */
export async function missingClusterImages(certManagerVersion?: string): Promise<string[]> {
  const refs = [imageByKey('kind-node').ref, ...workloadImages(certManagerVersion)];
  const missing: string[] = [];
  for (const r of refs) if (!(await imageExists(r))) missing.push(r);
  return missing;
}

/** Kind and helm paths if already built (no building), for status/cleanup paths. */
function existingTool(key: 'kind' | 'helm'): string | undefined {
  const t = KUBERNETES_TOOLS.find((x) => x.key === key);
  if (!t) return undefined;
  const bin = join(process.env.CERTLAB_TOOLS_DIR ?? join(CACHE_DIR, 'bin'), `${t.key}-${t.version}`, t.key);
  return existsSync(bin) ? bin : undefined;
}

async function ensureLabNetwork(labName: string, network: string, log: (l: string) => void): Promise<void> {
  const d = await docker();
  const nets = await d.listNetworks({ filters: { name: [network] } });
  if (nets.some((n) => n.Name === network)) return;
  log(`creating Docker network ${network}`);
  await d.createNetwork({ Name: network, Driver: 'bridge', CheckDuplicate: true, Labels: { [LAB_LABEL]: labName, 'certlab.component': 'network' } });
}

/** Creates the cluster if missing (reusing a healthy one), installs everything and waits until ready. */
export async function startCluster(opts: StartClusterOptions): Promise<ClusterHandle> {
  const log = opts.log ?? (() => {});
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const name = clusterName(opts.labName);
  const stateDir = join(opts.stateDir, 'cluster');
  await mkdir(stateDir, { recursive: true });
  const kubeconfigFile = join(stateDir, 'kubeconfig');

  const missing = await missingClusterImages(opts.certManagerVersion);
  if (missing.length) {
    throw new LabError(`cluster images missing: ${missing.join(', ')}`, 'build them with `certlab images build --group kubernetes` (or pull them where a registry is reachable)');
  }
  const tools = await step(log, 'kind and helm ready', () => ensureKubernetesTools(log));
  await ensureLabNetwork(opts.labName, opts.network, log);

  // Reuse a healthy cluster; replace a broken one.
  let kubeconfigText: string | undefined;
  const nodes = await clusterNodes(name, opts.network);
  if (nodes.length > 0) {
    const healthy = nodes.every((n) => n.running) && nodes.some((n) => n.ip);
    if (healthy) {
      try {
        kubeconfigText = await kindKubeconfig(tools.kind, name);
        const kc = kubeConfigFromString(kubeconfigText);
        await getPath(kc, '/readyz');
        log(`reusing cluster ${name}`);
      } catch (err) {
        log(`cluster ${name} exists but its API does not answer (${(err as Error).message}); recreating it`);
        kubeconfigText = undefined;
      }
    }
    if (!kubeconfigText) await step(log, `deleted broken cluster ${name}`, () => deleteKindCluster(name, tools.kind));
  }
  const created = !kubeconfigText;
  if (!kubeconfigText) {
    kubeconfigText = await step(log, `kind create cluster ${name}`, () =>
      createKindCluster({ kind: tools.kind, name, network: opts.network, stateDir, image: NODE_IMAGE, log, ...(opts.kindConfigFile ? { configFile: opts.kindConfigFile } : {}) }));
  }
  await writeFile(kubeconfigFile, kubeconfigText, { mode: 0o600 });
  const kc = kubeConfigFromString(kubeconfigText);

  // Workload images go in while the node network comes up.
  const loading = step(log, 'kind load docker-image (cert-manager, Traefik)', () => loadImages(tools.kind, name, workloadImages(opts.certManagerVersion)));
  loading.catch(() => {});

  await step(log, 'node CNI configured, nodes Ready', async () => {
    const nodeObjs: KubeObject[] = [];
    await waitFor(kc, {
      path: '/api/v1/nodes', what: 'nodes with a podCIDR', timeoutMs,
      ready: (n) => !!n.spec?.podCIDR, explain: () => 'no podCIDR yet',
      all: (objs) => { if (objs.length && objs.every((n) => !!n.spec?.podCIDR)) { nodeObjs.splice(0, nodeObjs.length, ...objs); return true; } return false; },
    });
    await configureNodeNetworking(name, opts.network, nodeObjs.map((n) => ({
      name: n.metadata!.name!, podCIDR: n.spec.podCIDR,
      internalIP: (n.status?.addresses as any[] | undefined)?.find((a) => a.type === 'InternalIP')?.address,
    })));
    await waitFor(kc, {
      path: '/api/v1/nodes', what: 'nodes Ready', timeoutMs,
      ready: (n) => condition(n, 'Ready')?.status === 'True', explain: (n) => condition(n, 'Ready')?.message ?? 'not Ready',
    });
  });

  const dns = step(log, 'cluster DNS forwards the lab zones', () => configureClusterDns(kc, opts.labZones, opts.labDnsServer, timeoutMs));
  dns.catch(() => {});

  const crds = await gatewayApiCrds();
  await step(log, `Gateway API CRDs Established (${crds.length})`, async () => {
    await applyObjects(kc, crds);
    await waitFor(kc, {
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', names: crds.map((c) => c.metadata!.name!),
      ready: crdEstablished, what: 'Gateway API CRDs Established', timeoutMs,
    });
  });
  await loading;
  await Promise.all([
    step(log, 'Traefik ready, GatewayClass traefik Accepted', async () => {
      await installTraefik(kc);
      await waitTraefikReady(kc, timeoutMs);
    }),
    step(log, 'cert-manager ready (Gateway API support)', async () => {
      await installCertManager({ helm: tools.helm, kubeconfigFile, stateDir, ...(opts.certManagerVersion ? { version: opts.certManagerVersion } : {}) });
      await waitCertManagerReady(kc, timeoutMs);
    }),
    dns,
  ]);
  const nodeAddress = (await clusterNodes(name, opts.network)).find((n) => n.role === 'control-plane')?.ip ?? '';
  log(`cluster ${name} ${created ? 'created' : 'reused'}; kubeconfig ${kubeconfigFile}; Traefik HTTPS at ${nodeAddress}:${TRAEFIK_HTTPS_NODEPORT}`);
  return { name, kubeconfigFile, kubeconfig: kc, nodeAddress, httpsNodePort: TRAEFIK_HTTPS_NODEPORT };
}

async function loadImages(kind: string, name: string, refs: string[]): Promise<void> {
  const r = await $({ quiet: true, nothrow: true })`${kind} load docker-image ${refs} --name ${name}`;
  if (r.exitCode !== 0) throw new Error(`kind load docker-image: ${(r.stderr || r.stdout).trim().split('\n').slice(-4).join(' | ')}`);
}

/**
 * Adds a server block per lab zone to the cluster CoreDNS Corefile, forwarding to the lab's DNS server, then
 * restarts CoreDNS and waits for it (no waiting on the reload plugin's timer).
 */
export async function configureClusterDns(kc: k8s.KubeConfig, zones: string[], server: string | undefined, timeoutMs: number): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const cm = await core.readNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system' });
  const corefile = cm.data?.Corefile ?? '';
  const base = corefile.split('\n# certlab lab zones\n')[0]!.trimEnd();
  const blocks = server && zones.length
    ? zones.map((z) => `${z}:53 {\n    errors\n    cache 30\n    forward . ${server}\n}`).join('\n')
    : '';
  const next = blocks ? `${base}\n# certlab lab zones\n${blocks}\n` : `${base}\n`;
  if (next !== corefile) {
    await applyObjects(kc, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { ...cm.data, Corefile: next } }]);
    await applyObjects(kc, [{
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system' },
      spec: { template: { metadata: { annotations: { 'certlab.io/corefile': hash(next) } } } },
    }]);
  }
  await waitFor(kc, {
    path: '/apis/apps/v1/namespaces/kube-system/deployments', names: ['coredns'], ready: deploymentAvailable,
    explain: explainDeployment, what: 'CoreDNS available', timeoutMs,
  });
}

function hash(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(16);
}

/** Component health for `certlab status`. */
export async function clusterStatus(labName: string): Promise<ComponentStatus[]> {
  const name = clusterName(labName);
  const nodes = await clusterNodes(name);
  if (nodes.length === 0) return [{ component: 'kubernetes', address: name, health: 'down', detail: 'no kind cluster' }];
  const out: ComponentStatus[] = [];
  const running = nodes.filter((n) => n.running).length;
  out.push({
    component: 'kind nodes', address: nodes.map((n) => n.ip ?? n.name).join(','),
    health: running === nodes.length ? 'ok' : running ? 'degraded' : 'down', detail: `${running}/${nodes.length} node containers running`,
  });
  const kind = existingTool('kind');
  if (!kind || running === 0) return out;
  let kc: k8s.KubeConfig;
  try {
    kc = kubeConfigFromString(await kindKubeconfig(kind, name));
    await getPath(kc, '/readyz');
    out.push({ component: 'kube-apiserver', address: kc.getCurrentCluster()?.server ?? '', health: 'ok', detail: 'readyz ok' });
  } catch (err) {
    out.push({ component: 'kube-apiserver', address: name, health: 'down', detail: (err as Error).message });
    return out;
  }
  const deps = async (ns: string, names: string[], component: string, address: string) => {
    try {
      const list = await getPath<{ items: KubeObject[] }>(kc, `/apis/apps/v1/namespaces/${ns}/deployments`);
      const found = names.map((n) => list.items.find((d) => d.metadata?.name === n));
      const ok = found.filter((d) => d && deploymentAvailable(d)).length;
      out.push({
        component, address, health: ok === names.length ? 'ok' : ok ? 'degraded' : 'down',
        detail: found.map((d, i) => `${names[i]}: ${d ? explainDeployment(d) : 'absent'}`).join('; '),
      });
    } catch (err) {
      out.push({ component, address, health: 'down', detail: (err as Error).message });
    }
  };
  const node = nodes.find((n) => n.role === 'control-plane');
  await deps(CERT_MANAGER_NAMESPACE, CERT_MANAGER_DEPLOYMENTS, 'cert-manager', `${CERT_MANAGER_NAMESPACE} namespace`);
  await deps(TRAEFIK_NAMESPACE, ['traefik'], 'traefik', `${node?.ip ?? '?'}:${TRAEFIK_HTTPS_NODEPORT}`);
  try {
    const gc = await getPath<KubeObject>(kc, `/apis/gateway.networking.k8s.io/v1/gatewayclasses/${GATEWAY_CLASS}`);
    out.push({ component: 'gatewayclass', address: GATEWAY_CLASS, health: gatewayClassAccepted(gc) ? 'ok' : 'degraded', detail: condition(gc, 'Accepted')?.message ?? 'not Accepted' });
  } catch (err) {
    out.push({ component: 'gatewayclass', address: GATEWAY_CLASS, health: 'down', detail: (err as Error).message });
  }
  return out;
}

/** Deletes the lab's cluster (no error when there is none). */
export async function deleteCluster(labName: string): Promise<void> {
  await deleteKindCluster(clusterName(labName), existingTool('kind'));
}

/**
 * For `certlab down` after a crash: finds every kind cluster this lab made (or every certlab-* cluster when
 * no lab is named) by the node containers' io.x-k8s.kind.cluster label, and deletes them. Returns their names.
 */
export async function deleteLabClusters(labName?: string): Promise<string[]> {
  const names = await findLabClusters(labName);
  for (const n of names) await deleteKindCluster(n, existingTool('kind'));
  return names;
}
