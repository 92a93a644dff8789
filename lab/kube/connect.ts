import type * as k8s from '@kubernetes/client-node';
import type { LabContext } from '../context.ts';
import { errorText, LabError } from '../errors.ts';
import { LAB_LABEL } from '../host/docker.ts';
import { writeSecretFile } from '../host/files.ts';
import { pollUntil } from '../host/wait.ts';
import { applyObjects, deleteObjects, dryRunRefusal, getPath, kubeConfigFromString, replaceStatus, waitFor, waitGone, type KubeObject, type WaitSpec } from './api.ts';
import { controlPlaneAddress, readKubeconfig } from './kind.ts';
import { kubeClusterLayout, type KubeClusterLayout } from './layout.ts';
import { applyInUserCluster, madeObject, userGatewayAddress, userKubeConfig, userNodes } from './user-cluster.ts';
import { forgetMade, readUserRecord } from './user-record.ts';

/** How long a released namespace may take to go (Releases gives each undo 60 s). */
const NAMESPACE_GONE_MS = 55_000;

/** The running Kubernetes cluster (the lab's kind cluster or the user's) as the lab, a scenario or an add-on works with it. */
export interface KubeCluster {
  layout: KubeClusterLayout;
  kubeconfig: k8s.KubeConfig;
  /** The admin kubeconfig as a file (mode 0600), for helm and kubectl; on a user's cluster, the user's file. */
  kubeconfigFile: string;
  /**
   * The control-plane node's address on the lab network (on a user's cluster, its node attached to the lab
   * network); Traefik's NodePorts (layout.nodePorts) and its external IP answer there.
   */
  nodeAddress: string;
  /**
   * Server-side apply (creates or updates), field manager `certlab`. On a user's cluster every object is
   * labelled with the lab, recorded before it is made, and one the lab did not make is refused.
   */
  apply(objects: KubeObject[]): Promise<void>;
  /** GET an API path: an object (`/api/v1/namespaces/x/secrets/y`) or a collection. */
  get<T = KubeObject>(path: string): Promise<T>;
  /** PUT the status subresource of the object at `path` (its resourceVersion guards against a concurrent change). */
  replaceStatus<T = KubeObject>(path: string, obj: KubeObject): Promise<T>;
  /**
   * Watches a collection (LIST, then WATCH) until its objects satisfy `ready`; resolves with the time it
   * took. A timeout names `what` and each object's state; stops with the lab's signal.
   */
  waitUntil<T extends KubeObject = KubeObject>(spec: Omit<WaitSpec<T>, 'signal'>): Promise<number>;
  /** Polls until the API server would accept `obj` (a dry run, admission webhooks included); stops with the lab's signal. */
  waitAccepted(obj: KubeObject, what: string, timeoutMs: number): Promise<void>;
  /** Watches until the object `name` of the collection at `path` is gone (deleted and finalized). */
  waitGone(spec: { path: string; name: string; timeoutMs: number; what?: string }): Promise<number>;
  /** Deletes the objects (absent ones are fine) without waiting for them to go. */
  delete(objects: KubeObject[]): Promise<void>;
  /** Creates a namespace, deleted (and awaited gone) on every path through ctx.releases. Returns its name. */
  useNamespace(name: string): Promise<string>;
}

/**
 * A handle on a kind cluster this process reaches with `kubeconfig`. Its waits stop with ctx.signal and
 * with `stop` when given. Registers nothing itself; connectKubeCluster is the one for scenarios.
 */
export function kubeClusterHandle(ctx: LabContext, layout: KubeClusterLayout, kubeconfig: k8s.KubeConfig, nodeAddress: string, stop?: AbortSignal): KubeCluster {
  const signal = stop && ctx.signal ? AbortSignal.any([ctx.signal, stop]) : stop ?? ctx.signal;
  const user = layout.madeBy === 'user';
  const kubeCluster: KubeCluster = {
    layout, kubeconfig, kubeconfigFile: layout.kubeconfigFile, nodeAddress,
    apply: (objects) => (user ? applyInUserCluster(kubeconfig, layout, ctx.config.name, objects) : applyObjects(kubeconfig, objects)),
    get: (path) => getPath(kubeconfig, path),
    replaceStatus: (path, obj) => replaceStatus(kubeconfig, path, obj),
    waitUntil: (spec) => waitFor(kubeconfig, { ...spec, signal }),
    async waitAccepted(obj, what, timeoutMs) {
      await pollUntil(async () => {
        const refusal = await dryRunRefusal(kubeconfig, obj);
        if (refusal) throw new Error(refusal);
        return true;
      }, { what, timeoutMs, intervalMs: 500, signal });
    },
    waitGone: ({ what, ...spec }) => waitGone(kubeconfig, { ...spec, what: what ?? `${spec.name} gone from ${spec.path}`, signal }),
    async delete(objects) {
      await deleteObjects(kubeconfig, objects);
      // Gone from a user's cluster: no longer for `down` to remove.
      if (user) await forgetMade(layout, objects.filter((o) => o.apiVersion && o.kind && o.metadata?.name).map(madeObject));
    },
    async useNamespace(name) {
      const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'app.kubernetes.io/part-of': 'certlab', [LAB_LABEL]: ctx.config.name } } };
      // Registered first, so a failure half-way still removes it; undone even after Ctrl-C (no signal).
      ctx.releases.defer(`delete namespace ${name} of the Kubernetes cluster`, async () => {
        await kubeCluster.delete([namespace]);
        await waitGone(kubeconfig, { path: '/api/v1/namespaces', name, what: `namespace ${name} gone`, timeoutMs: NAMESPACE_GONE_MS });
      });
      await kubeCluster.apply([namespace]);
      return name;
    },
  };
  return kubeCluster;
}

/**
 * The lab's running kind cluster, for a component's bring-up or status: its API answers and its
 * kubeconfig is written to layout.kubeconfigFile. Its waits stop with ctx.signal (and `stop`). A lab
 * without a running kind cluster is a clear error.
 */
export async function openKubeCluster(ctx: LabContext, stop?: AbortSignal): Promise<KubeCluster> {
  const layout = kubeClusterLayout(ctx.config, ctx.paths);
  if (layout.madeBy === 'user') return openUserKubeCluster(ctx, layout, stop);
  const nodeAddress = await controlPlaneAddress(layout);
  if (!nodeAddress) throw new LabError(`the kind cluster ${layout.name} of lab ${ctx.config.name} is not running`, 'run `certlab up kube-cluster`');
  let kubeconfig: k8s.KubeConfig;
  try {
    const text = await readKubeconfig(layout);
    if (!text) throw new Error(`no kubeconfig at ${layout.kubeconfigFile} and kind is not built`);
    kubeconfig = kubeConfigFromString(text);
    await getPath(kubeconfig, '/readyz');
    await writeSecretFile(layout.kubeconfigFile, text);
  } catch (err) {
    throw new LabError(`the API of the kind cluster ${layout.name} does not answer (${errorText(err)})`, 'run `certlab up kube-cluster`, which replaces a broken kind cluster');
  }
  return kubeClusterHandle(ctx, layout, kubeconfig, nodeAddress, stop);
}

/**
 * The user's cluster as the lab set it up: reachable, its nodes on the lab network, cert-manager's
 * namespace the one found at bring-up (a reused cert-manager's own).
 */
async function openUserKubeCluster(ctx: LabContext, layout: KubeClusterLayout, stop?: AbortSignal): Promise<KubeCluster> {
  const record = await readUserRecord(layout);
  if (!record?.ready) throw new LabError(`lab ${ctx.config.name} is not set up in the cluster of kubeCluster.kubeconfig (context ${layout.name})`, 'run `certlab up kube-cluster`');
  let kubeconfig: k8s.KubeConfig;
  let nodeAddress: string | undefined;
  try {
    kubeconfig = await userKubeConfig(layout);
    await getPath(kubeconfig, '/readyz');
    nodeAddress = await userGatewayAddress(layout, await userNodes(kubeconfig, layout));
  } catch (err) {
    if (err instanceof LabError) throw err;
    throw new LabError(`the API of the cluster of kubeCluster.kubeconfig (context ${layout.name}) does not answer (${errorText(err)})`, 'start that cluster, or fix kubeCluster in certlab.config.json');
  }
  if (!nodeAddress) throw new LabError(`no node of the cluster of kubeCluster.kubeconfig (context ${layout.name}) is on the lab network ${layout.network}`, 'run `certlab up kube-cluster`, which attaches them');
  const found = record.certManager ? { ...layout, namespaces: { ...layout.namespaces, certManager: record.certManager.namespace } } : layout;
  return kubeClusterHandle(ctx, found, kubeconfig, nodeAddress, stop);
}

/**
 * The lab's running kind cluster for a scenario (openKubeCluster), whose watches stop when the run
 * releases what it started (ctx.releases).
 */
export async function connectKubeCluster(ctx: LabContext): Promise<KubeCluster> {
  const stop = new AbortController();
  const kubeCluster = await openKubeCluster(ctx, stop.signal);
  ctx.releases.defer(`stop watching the kind cluster ${kubeCluster.layout.name}`, () => stop.abort(new Error(`the handle on the kind cluster ${kubeCluster.layout.name} was released`)));
  return kubeCluster;
}
