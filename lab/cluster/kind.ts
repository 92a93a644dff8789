// The kind cluster itself: create (kind CLI through zx), kubeconfig, node CNI configuration, delete, and
// finding clusters the lab made (node containers carry io.x-k8s.kind.cluster=<name>).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { $ } from 'zx';
import { docker } from '../host/docker.ts';
import { KUBERNETES_VERSION } from '../images/kubernetes.ts';
import { REPO_ROOT } from './artifacts.ts';
import { parseYamlDocuments } from './kube.ts';
import * as k8s from '@kubernetes/client-node';

export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
export const CLUSTER_PREFIX = 'certlab-';
export const NODE_IMAGE = `kindest/node:${KUBERNETES_VERSION}`;
export const KIND_CONFIG_FILE = join(REPO_ROOT, 'kind-config.yaml');

export function clusterName(labName: string): string {
  return `${CLUSTER_PREFIX}${labName}`;
}

export interface KindNode { name: string; id: string; role: string; running: boolean; ip?: string }

/** The node containers of a cluster, from Docker (works without the kind binary). */
export async function clusterNodes(name: string, network?: string): Promise<KindNode[]> {
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

/** Every kind cluster the lab made (all labs, or one lab), by the node containers' label. */
export async function findLabClusters(labName?: string): Promise<string[]> {
  const d = await docker();
  const list = await d.listContainers({ all: true, filters: { label: [KIND_CLUSTER_LABEL] } });
  const names = new Set<string>();
  for (const c of list) {
    const n = c.Labels?.[KIND_CLUSTER_LABEL];
    if (!n) continue;
    if (labName ? n === clusterName(labName) : n.startsWith(CLUSTER_PREFIX)) names.add(n);
  }
  return [...names].sort();
}

/** The effective kind config: the user's kind-config.yaml with what the lab needs enforced. */
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

export interface CreateOptions {
  kind: string;
  name: string;
  network: string;
  stateDir: string;
  image?: string;
  /** Default: kind-config.yaml at the repository root. */
  configFile?: string;
  log: (line: string) => void;
}

/** `kind create cluster` on the lab network; returns the kubeconfig text (also written to stateDir). */
export async function createKindCluster(o: CreateOptions): Promise<string> {
  await mkdir(o.stateDir, { recursive: true });
  const { text, warnings } = await renderKindConfig(o.configFile);
  warnings.forEach((w) => o.log(`warning: ${w}`));
  const cfgFile = join(o.stateDir, 'kind-config.effective.yaml');
  await writeFile(cfgFile, text);
  const kubeconfig = join(o.stateDir, 'kubeconfig');
  const p = $({
    quiet: true,
    nothrow: true,
    env: { ...process.env, KIND_EXPERIMENTAL_DOCKER_NETWORK: o.network },
  })`${o.kind} create cluster --name ${o.name} --image ${o.image ?? NODE_IMAGE} --config ${cfgFile} --kubeconfig ${kubeconfig} --wait 0s`;
  for await (const line of p.stderr) {
    for (const l of String(line).split('\n')) if (l.trim()) o.log(`kind: ${l.trim()}`);
  }
  const r = await p;
  if (r.exitCode !== 0) throw new Error(`kind create cluster --name ${o.name} failed (exit ${r.exitCode}): ${(r.stderr + r.stdout).trim().split('\n').slice(-8).join(' | ')}`);
  return await readFile(kubeconfig, 'utf8');
}

export async function kindKubeconfig(kind: string, name: string): Promise<string> {
  const r = await $({ quiet: true, nothrow: true })`${kind} get kubeconfig --name ${name}`;
  if (r.exitCode !== 0) throw new Error(`kind get kubeconfig --name ${name}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Deletes a cluster: `kind delete cluster` when kind is at hand, else removes its node containers. */
export async function deleteKindCluster(name: string, kind?: string): Promise<void> {
  if (kind && existsSync(kind)) {
    const r = await $({ quiet: true, nothrow: true })`${kind} delete cluster --name ${name} --kubeconfig /dev/null`;
    if (r.exitCode === 0 && (await clusterNodes(name)).length === 0) return;
  }
  const d = await docker();
  for (const n of await clusterNodes(name)) {
    await d.getContainer(n.id).remove({ force: true, v: true }).catch(() => {});
  }
}

/**
 * The node CNI configuration kindnetd would write: ptp + host-local (the node's podCIDR) + portmap, with
 * masquerade for traffic leaving the pod network; plus routes to the other nodes' pod ranges.
 */
export async function configureNodeNetworking(name: string, network: string, nodes: Array<{ name: string; podCIDR: string; internalIP?: string }>): Promise<void> {
  const d = await docker();
  const containers = await clusterNodes(name, network);
  for (const node of nodes) {
    const c = containers.find((x) => x.name === node.name);
    if (!c) throw new Error(`no node container ${node.name} in cluster ${name}`);
    const conflist = {
      cniVersion: '0.4.0',
      name: 'certlab',
      plugins: [
        {
          type: 'ptp',
          ipMasq: true,
          mtu: 1500,
          ipam: { type: 'host-local', dataDir: '/run/cni-ipam-state', routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: node.podCIDR }]] },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    };
    const routes = nodes
      .filter((o) => o.name !== node.name && o.internalIP)
      .map((o) => `ip route replace ${o.podCIDR} via ${o.internalIP}`)
      .join(' && ');
    const b64 = Buffer.from(JSON.stringify(conflist, null, 2)).toString('base64');
    const script = `set -e; mkdir -p /etc/cni/net.d; echo ${b64} | base64 -d > /etc/cni/net.d/.10-certlab.conflist; mv /etc/cni/net.d/.10-certlab.conflist /etc/cni/net.d/10-certlab.conflist${routes ? `; ${routes}` : ''}`;
    await execIn(d, c.id, ['sh', '-c', script]);
  }
}

export async function execIn(d: Awaited<ReturnType<typeof docker>>, id: string, cmd: string[]): Promise<string> {
  const exec = await d.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  const out = demux(Buffer.concat(chunks));
  if (info.ExitCode !== 0) throw new Error(`${cmd.join(' ')} in ${id.slice(0, 12)} exited ${info.ExitCode}: ${out.trim()}`);
  return out;
}

/** Docker's multiplexed stream (8-byte frame headers) to text. */
function demux(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString('utf8');
    i += 8 + len;
  }
  return out || buf.toString('utf8');
}
