// The kind cluster through the kind CLI and Docker: its effective config, create, kubeconfig, image
// loads, delete, and finding the kind clusters the lab made (node containers carry
// io.x-k8s.kind.cluster=<name>).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { LabContext } from '../context.ts';
import { LabError } from '../errors.ts';
import { FIXTURES_DIR } from '../fixtures.ts';
import { runCommand } from '../host/command.ts';
import { docker, imageExists } from '../host/docker.ts';
import type { LabConfig } from '../config/schema.ts';
import { configuredImage } from '../images/catalog.ts';
import { KUBE_WORKLOAD_IMAGES } from '../images/kubernetes.ts';
import { parseYamlDocuments } from './api.ts';
import { existingTool } from './artifacts.ts';
import { KUBE_CLUSTER_PREFIX, kubeClusterName, type KubeClusterLayout } from './layout.ts';

export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
/** The user's kind config, with the lab's other fixtures. */
export const KIND_CONFIG_FILE = join(FIXTURES_DIR, 'kube', 'kind-config.yaml');

export interface KindNode { name: string; id: string; role: string; running: boolean; ip?: string }

/** The node containers of a kind cluster, from Docker (works without the kind binary). */
export async function kindNodes(name: string, network?: string): Promise<KindNode[]> {
  const d = await docker();
  const list = await d.listContainers({ all: true, filters: { label: [`${KIND_CLUSTER_LABEL}=${name}`] } });
  return list.map((c) => {
    const nets = c.NetworkSettings?.Networks ?? {};
    const net = (network && nets[network]) || Object.values(nets)[0];
    return {
      name: (c.Names?.[0] ?? '').replace(/^\//, ''),
      id: c.Id,
      role: c.Labels?.['io.x-k8s.kind.role'] ?? 'unknown',
      running: c.State === 'running',
      ip: net?.IPAddress || undefined,
    };
  });
}

/** The control-plane node's address on the lab network (Traefik's NodePorts answer there), if it runs. */
export async function controlPlaneAddress(layout: KubeClusterLayout): Promise<string | undefined> {
  return (await kindNodes(layout.name, layout.network)).find((n) => n.role === 'control-plane' && n.running)?.ip;
}

/** Every kind cluster the lab made (of all labs, or of one lab), by the node containers' label. */
export async function findLabKubeClusters(labName?: string): Promise<string[]> {
  const d = await docker();
  const list = await d.listContainers({ all: true, filters: { label: [KIND_CLUSTER_LABEL] } });
  const names = new Set<string>();
  for (const c of list) {
    const n = c.Labels?.[KIND_CLUSTER_LABEL];
    if (!n) continue;
    if (labName ? n === kubeClusterName(labName) : n.startsWith(KUBE_CLUSTER_PREFIX)) names.add(n);
  }
  return [...names].sort();
}

/** The effective kind config: fixtures/kube/kind-config.yaml with what the lab needs enforced. */
export async function renderKindConfig(file = KIND_CONFIG_FILE): Promise<{ text: string; warnings: string[] }> {
  const warnings: string[] = [];
  const docs = existsSync(file) ? parseYamlDocuments(await readFile(file, 'utf8')) : [];
  const cfg: any = docs[0] ?? { kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' };
  cfg.networking ??= {};
  if (cfg.networking.disableDefaultCNI === false) {
    warnings.push('kind-config.yaml sets networking.disableDefaultCNI: false, but kindnetd cannot be built here; the lab sets it to true and configures the CNI plugins itself');
  }
  cfg.networking.disableDefaultCNI = true;
  cfg.networking.podSubnet ??= '10.244.0.0/16';
  delete cfg.name;
  if (!hostHasCapability(CAP_SYS_RESOURCE)) {
    // Pod sandboxes ask for oom_score_adj -998; lowering it needs CAP_SYS_RESOURCE, which this host's
    // bounding set lacks, and runc then fails with "can't get final child's PID from pipe: EOF". Clamping
    // to containerd's own score (what kind does for rootless nodes) avoids that.
    const patch = '[plugins."io.containerd.grpc.v1.cri"]\n  restrict_oom_score_adj = true\n';
    cfg.containerdConfigPatches = [...(cfg.containerdConfigPatches ?? []), patch];
    warnings.push('host lacks CAP_SYS_RESOURCE: containerd restrict_oom_score_adj = true on the nodes');
  }
  return { text: k8s.dumpYaml(cfg), warnings };
}

const CAP_SYS_RESOURCE = 24;

/** Whether this host's capability bounding set has a capability (privileged containers get no more). */
export function hostHasCapability(bit: number): boolean {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (!m) return true;
    return ((BigInt(`0x${m[1]}`) >> BigInt(bit)) & 1n) === 1n;
  } catch {
    return true;
  }
}

/**
 * `kind create cluster` on the lab network from `configFile` (default fixtures/kube/kind-config.yaml) with what the lab
 * enforces; returns the kubeconfig text (also at layout.kubeconfigFile). kind's own lines go to progress.
 */
export async function createKindCluster(ctx: LabContext, layout: KubeClusterLayout, kind: string, configFile?: string): Promise<string> {
  await mkdir(layout.stateDir, { recursive: true });
  const { text, warnings } = await renderKindConfig(configFile);
  warnings.forEach((w) => ctx.progress(`warning: ${w}`));
  await writeFile(layout.kindConfigFile, text);
  await runCommand(
    [kind, 'create', 'cluster', '--name', layout.name, '--image', configuredImage(ctx.config, 'kind-node').ref, '--config', layout.kindConfigFile, '--kubeconfig', layout.kubeconfigFile, '--wait', '0s'],
    { env: { KIND_EXPERIMENTAL_DOCKER_NETWORK: layout.network }, signal: ctx.signal, onStderrLine: (l) => ctx.progress(`kind: ${l}`), tailLines: 8, what: `kind create cluster --name ${layout.name}` },
  );
  return await readFile(layout.kubeconfigFile, 'utf8');
}

export async function kindKubeconfig(kind: string, name: string): Promise<string> {
  return runCommand([kind, 'get', 'kubeconfig', '--name', name], { what: `kind get kubeconfig --name ${name}` });
}

/** The running kind cluster's kubeconfig: from kind when it is built, else the one the bring-up wrote. */
export async function readKubeconfig(layout: KubeClusterLayout): Promise<string | undefined> {
  const kind = existingTool('kind');
  if (kind) return kindKubeconfig(kind, layout.name);
  return readFile(layout.kubeconfigFile, 'utf8').catch(() => undefined);
}

/** Deletes a kind cluster: `kind delete cluster` when kind is at hand, else removes its node containers. */
export async function deleteKindCluster(name: string, kind = existingTool('kind')): Promise<void> {
  if (kind) {
    const deleted = await runCommand([kind, 'delete', 'cluster', '--name', name, '--kubeconfig', '/dev/null']).then(() => true, () => false);
    if (deleted && (await kindNodes(name)).length === 0) return;
  }
  const d = await docker();
  for (const n of await kindNodes(name)) {
    await d.getContainer(n.id).remove({ force: true, v: true }).catch(() => undefined);
  }
}

/**
 * For `certlab down`, also after a crash: finds every kind cluster this lab made (or every certlab-* one
 * when no lab is named) by the node containers' label, and deletes them. Returns their names.
 */
export async function deleteLabKubeClusters(labName?: string): Promise<string[]> {
  const names = await findLabKubeClusters(labName);
  for (const n of names) await deleteKindCluster(n);
  return names;
}

/** Images loaded into the kind cluster at the configured versions, with cert-manager's at `certManagerVersion` when given. */
export function kubeWorkloadImages(config: LabConfig, certManagerVersion?: string): string[] {
  return KUBE_WORKLOAD_IMAGES.map((k) => {
    const ref = configuredImage(config, k).ref;
    return certManagerVersion && k.startsWith('cert-manager-') ? ref.replace(/:[^:]+$/, `:${certManagerVersion}`) : ref;
  });
}

/** Images the kind cluster needs and the engine lacks: the node image (it carries the control plane) and the workload images. */
export async function missingKubeImages(config: LabConfig, certManagerVersion?: string): Promise<string[]> {
  const refs = [configuredImage(config, 'kind-node').ref, ...kubeWorkloadImages(config, certManagerVersion)];
  const missing: string[] = [];
  for (const r of refs) if (!(await imageExists(r))) missing.push(r);
  return missing;
}

export async function assertKubeImagesPresent(config: LabConfig, certManagerVersion?: string): Promise<void> {
  const missing = await missingKubeImages(config, certManagerVersion);
  if (missing.length) {
    throw new LabError(`kind cluster images missing: ${missing.join(', ')}`, 'build them with `certlab images build --group kubernetes` (or pull them where a registry is reachable)');
  }
}

/** `kind load docker-image` of the workload images into every node. */
export async function loadKubeImages(ctx: LabContext, layout: KubeClusterLayout, kind: string, refs: string[]): Promise<void> {
  await runCommand([kind, 'load', 'docker-image', ...refs, '--name', layout.name], { signal: ctx.signal, tailLines: 4, what: 'kind load docker-image' });
}
