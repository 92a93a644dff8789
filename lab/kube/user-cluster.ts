// A Kubernetes cluster the lab did not make (kubeCluster in the configuration): reached with the user's
// kubeconfig and context, its API and version checked, its nodes found as containers on this machine
// (kind's, by the node's providerID kind://docker/<cluster>/<node>) and attached to the lab network so
// pods reach Vault, Pebble and the lab's DNS, and the workload images loaded into them. Everything the
// lab creates goes through applyInUserCluster: labelled certlab.lab=<lab>, recorded before it is made,
// and refused when an object of that name is there already and is not the lab's.
import * as k8s from '@kubernetes/client-node';
import type { LabContext } from '../context.ts';
import { LabError, errorText } from '../errors.ts';
import { runCommand } from '../host/command.ts';
import { docker, LAB_LABEL } from '../host/docker.ts';
import { execCapture } from '../host/exec.ts';
import { applyObjects, getPath, readObject, withLabels, type KubeObject } from './api.ts';
import { KIND_CLUSTER_LABEL } from './kind.ts';
import type { KubeClusterLayout } from './layout.ts';
import { readUserRecord, recordMade, type MadeObject } from './user-record.ts';

/** The oldest Kubernetes the lab's add-ons run on (the Gateway API v1.3 CRDs need 1.26). */
export const MIN_USER_KUBERNETES_MINOR = 26;

/** The user's kubeconfig at the configured context. */
export async function userKubeConfig(layout: KubeClusterLayout): Promise<k8s.KubeConfig> {
  const user = layout.userCluster!;
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(user.kubeconfig);
  kc.setCurrentContext(user.context);
  return kc;
}

/** The API answers and runs a Kubernetes the add-ons support; returns its version (e.g. v1.34.4). */
export async function checkUserCluster(kc: k8s.KubeConfig, layout: KubeClusterLayout): Promise<string> {
  const where = `the cluster of kubeCluster.kubeconfig (${layout.userCluster!.kubeconfig}, context ${layout.name})`;
  let version: { gitVersion?: string; minor?: string };
  try {
    version = await getPath(kc, '/version');
  } catch (err) {
    throw new LabError(`the API of ${where} does not answer (${errorText(err)})`, 'start that cluster, or fix kubeCluster in certlab.config.json');
  }
  const minor = Number.parseInt(version.minor ?? '', 10);
  if (!(minor >= MIN_USER_KUBERNETES_MINOR)) {
    throw new LabError(`${where} runs Kubernetes ${version.gitVersion}; the lab's add-ons need 1.${MIN_USER_KUBERNETES_MINOR} or later`, 'upgrade that cluster, or remove kubeCluster to let the lab make its own kind cluster');
  }
  return version.gitVersion ?? `1.${minor}`;
}

/** A node of the user's cluster and the container on this machine that is that node. */
export interface UserNode { node: string; controlPlane: boolean; container: string; kindCluster: string }

/**
 * The cluster's nodes as kind node containers on this machine. The lab's Vault, Pebble and DNS are
 * containers on the lab network, which only containers on this engine can join: nodes elsewhere are
 * refused in one line saying what the lab would need.
 */
export async function userNodes(kc: k8s.KubeConfig, layout: KubeClusterLayout): Promise<UserNode[]> {
  const { items } = await getPath<{ items: KubeObject[] }>(kc, '/api/v1/nodes');
  const d = await docker();
  const out: UserNode[] = [];
  for (const n of items) {
    const node = n.metadata!.name!;
    // kind sets providerID kind://docker/<cluster>/<node>; the container is named after the node.
    const container = await d.getContainer(node).inspect().catch(() => undefined);
    const kindCluster = container?.Config.Labels?.[KIND_CLUSTER_LABEL];
    if (!container || !kindCluster) {
      throw new LabError(
        `node ${node} of the cluster of kubeCluster.kubeconfig (context ${layout.name}) is not a kind node container on this machine (providerID ${n.spec?.providerID ?? 'none'})`,
        'use a kind cluster on this machine\'s Docker: the lab attaches its nodes to the lab network and loads images into them; a remote cluster would need routes to the lab network and a registry, which the lab does not set up',
      );
    }
    out.push({ node, container: container.Name.replace(/^\//, ''), kindCluster, controlPlane: 'node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {}) });
  }
  if (out.length === 0) throw new LabError(`the cluster of kubeCluster.kubeconfig (context ${layout.name}) has no nodes`, 'use a cluster with at least one node');
  return out;
}

/** Connects each node container to the lab network (recorded first), as the lab's own kind nodes are. */
export async function attachUserNodes(layout: KubeClusterLayout, nodes: UserNode[]): Promise<void> {
  const d = await docker();
  for (const n of nodes) {
    const info = await d.getContainer(n.container).inspect();
    if (info.NetworkSettings.Networks[layout.network]) continue;
    await recordMade(layout, { type: 'network-attachment', container: n.container, network: layout.network });
    await d.getNetwork(layout.network).connect({ Container: n.container });
  }
}

/**
 * Where the Gateways answer: the control-plane node's (else the first node's) address on the lab network,
 * taken by the Traefik Service as an external IP, as on the lab's own kind cluster.
 */
export async function userGatewayAddress(layout: KubeClusterLayout, nodes: UserNode[]): Promise<string | undefined> {
  const node = nodes.find((n) => n.controlPlane) ?? nodes[0]!;
  const info = await (await docker()).getContainer(node.container).inspect().catch(() => undefined);
  return info?.NetworkSettings.Networks[layout.network]?.IPAddress || undefined;
}

/** containerd's name of an image reference (docker.io/library/ added where Docker leaves it out). */
export function containerdImageName(ref: string): string {
  const first = ref.split('/')[0]!;
  const hasRegistry = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return ref;
  return ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}

async function nodeImages(container: string): Promise<string[]> {
  const r = await execCapture(container, ['ctr', '-n', 'k8s.io', 'images', 'ls', '-q']);
  if (r.exitCode !== 0) throw new Error(`listing the images of node ${container} exited ${r.exitCode}: ${r.stderr.trim()}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

/**
 * Loads into every node the images it lacks (no registry is reachable here), each recorded first so
 * `down` takes out only what the lab brought. Images the node had stay as they are.
 */
export async function loadUserNodeImages(ctx: LabContext, layout: KubeClusterLayout, kind: string, nodes: UserNode[], refs: string[]): Promise<void> {
  for (const n of nodes) {
    const present = new Set(await nodeImages(n.container));
    const missing = refs.filter((r) => !present.has(containerdImageName(r)));
    if (missing.length === 0) continue;
    for (const ref of missing) await recordMade(layout, { type: 'image', container: n.container, ref: containerdImageName(ref) });
    await runCommand([kind, 'load', 'docker-image', ...missing, '--name', n.kindCluster, '--nodes', n.node], { signal: ctx.signal, tailLines: 4, what: `kind load docker-image into ${n.node}` });
  }
}

/**
 * Removes an image the lab loaded into a node (the node may be gone: nothing to do then), with the
 * entries containerd made for it on import (kind's `import-<date>@<digest>`, the CRI's `sha256:<id>`,
 * both pointing at the same digest), unless another name of the node still points there.
 */
export async function removeNodeImage(container: string, ref: string): Promise<void> {
  const listed = await execCapture(container, ['ctr', '-n', 'k8s.io', 'images', 'ls']).catch(() => undefined);
  if (!listed || listed.exitCode !== 0) return;
  const rows = listed.stdout.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((c) => c.length >= 3).map(([name, , digest]) => ({ name: name!, digest: digest! }));
  const digest = rows.find((r) => r.name === ref)?.digest;
  if (!digest) return;
  const alias = (name: string) => name.startsWith('import-') || name.startsWith('sha256:');
  const same = rows.filter((r) => r.digest === digest && r.name !== ref);
  const remove = [ref, ...(same.some((r) => !alias(r.name)) ? [] : same.map((r) => r.name))];
  const r = await execCapture(container, ['ctr', '-n', 'k8s.io', 'images', 'rm', ...remove]);
  if (r.exitCode !== 0 && !/not found/i.test(r.stderr)) throw new Error(`removing image ${ref} from ${container}: ${r.stderr.trim()}`);
}

/** The object as the record names it. */
export function madeObject(o: KubeObject): MadeObject {
  return { type: 'object', apiVersion: o.apiVersion!, kind: o.kind!, name: o.metadata!.name!, ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}) };
}

/**
 * Server-side apply into the user's cluster, every object labelled with the lab. An object outside the
 * namespaces the lab made (a namespace, a cluster-scoped object, a Secret in a reused cert-manager's
 * namespace) is looked up first: one of that name that is not the lab's is refused, never taken over;
 * one that is absent is recorded before it is made.
 */
export async function applyInUserCluster(kc: k8s.KubeConfig, layout: KubeClusterLayout, lab: string, objects: KubeObject[]): Promise<void> {
  const record = await readUserRecord(layout);
  const ownNamespaces = new Set(record?.made.filter((m) => m.type === 'object' && m.kind === 'Namespace').map((m) => (m as MadeObject).name));
  for (const obj of withLabels(objects, { [LAB_LABEL]: lab })) {
    const namespace = obj.metadata?.namespace;
    if (!namespace || !ownNamespaces.has(namespace)) {
      const existing = await readObject(kc, obj);
      const owner = existing?.metadata?.labels?.[LAB_LABEL];
      if (existing && owner !== lab) {
        throw new LabError(
          `${obj.kind} ${namespace ? `${namespace}/` : ''}${obj.metadata!.name} already exists in the cluster of kubeCluster.kubeconfig (context ${layout.name}) and is ${owner ? `lab ${owner}'s` : 'not the lab\'s'}`,
          'the lab never takes over what it did not make: remove or rename it, or use another cluster',
        );
      }
      await recordMade(layout, madeObject(obj));
      if (obj.kind === 'Namespace') ownNamespaces.add(obj.metadata!.name!);
    }
    await recordAcmeAccount(kc, layout, obj, ownNamespaces);
    await applyObjects(kc, [obj]);
  }
}

/**
 * An ACME ClusterIssuer makes cert-manager create its account key Secret, unlabelled, in the cluster
 * resource namespace: a reused cert-manager's own namespace, which `down` does not delete. Recorded (when
 * absent) as made by cert-manager for the lab, so `down` takes it out too.
 */
async function recordAcmeAccount(kc: k8s.KubeConfig, layout: KubeClusterLayout, obj: KubeObject, ownNamespaces: Set<string>): Promise<void> {
  const name = obj.kind === 'ClusterIssuer' ? obj.spec?.acme?.privateKeySecretRef?.name : undefined;
  const namespace = layout.namespaces.certManager;
  if (!name || ownNamespaces.has(namespace)) return;
  const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace } };
  if (await readObject(kc, secret)) return;
  await recordMade(layout, { ...madeObject(secret), by: 'cert-manager', since: new Date().toISOString() });
}
