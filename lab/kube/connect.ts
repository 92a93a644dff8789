import type * as k8s from '@kubernetes/client-node';
import type { LabContext } from '../context.ts';
import { errorText, LabError } from '../errors.ts';
import { writeSecretFile } from '../host/files.ts';
import { applyObjects, deleteObjects, getPath, kubeConfigFromString, replaceStatus, waitFor, waitGone, type KubeObject, type WaitSpec } from './api.ts';
import { controlPlaneAddress, readKubeconfig } from './kind.ts';
import { kubeClusterLayout, type KubeClusterLayout } from './layout.ts';

/** How long a released namespace may take to go (Releases gives each undo 60 s). */
const NAMESPACE_GONE_MS = 55_000;

/** The running kind cluster as the lab, a scenario or an add-on works with it. */
export interface KubeCluster {
  layout: KubeClusterLayout;
  kubeconfig: k8s.KubeConfig;
  /** The admin kubeconfig as a file (mode 0600), for helm and kubectl. */
  kubeconfigFile: string;
  /** The control-plane node's address on the lab network; Traefik's NodePorts (layout.nodePorts) answer there. */
  nodeAddress: string;
  /** Server-side apply (creates or updates), field manager `certlab`. */
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
  const kubeCluster: KubeCluster = {
    layout, kubeconfig, kubeconfigFile: layout.kubeconfigFile, nodeAddress,
    apply: (objects) => applyObjects(kubeconfig, objects),
    get: (path) => getPath(kubeconfig, path),
    replaceStatus: (path, obj) => replaceStatus(kubeconfig, path, obj),
    waitUntil: (spec) => waitFor(kubeconfig, { ...spec, signal }),
    waitGone: ({ what, ...spec }) => waitGone(kubeconfig, { ...spec, what: what ?? `${spec.name} gone from ${spec.path}`, signal }),
    delete: (objects) => deleteObjects(kubeconfig, objects),
    async useNamespace(name) {
      const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'app.kubernetes.io/part-of': 'certlab' } } };
      // Registered first, so a failure half-way still removes it; undone even after Ctrl-C (no signal).
      ctx.releases.defer(`delete namespace ${name} of the kind cluster`, async () => {
        await deleteObjects(kubeconfig, [namespace]);
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
 * The lab's running kind cluster for a scenario (openKubeCluster), whose watches stop when the run
 * releases what it started (ctx.releases).
 */
export async function connectKubeCluster(ctx: LabContext): Promise<KubeCluster> {
  const stop = new AbortController();
  const kubeCluster = await openKubeCluster(ctx, stop.signal);
  ctx.releases.defer(`stop watching the kind cluster ${kubeCluster.layout.name}`, () => stop.abort(new Error(`the handle on the kind cluster ${kubeCluster.layout.name} was released`)));
  return kubeCluster;
}
