// Talking to the kind cluster's API with @kubernetes/client-node: server-side apply of manifests, and
// waiting for conditions by LIST + WATCH (never by sleeping).
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';

export type KubeObject = k8s.KubernetesObject & { spec?: any; status?: any; data?: any; [k: string]: any };

export function kubeConfigFromString(text: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(text);
  return kc;
}

export function parseYamlDocuments(text: string): KubeObject[] {
  return k8s.loadAllYaml(text).filter((d): d is KubeObject => !!d && typeof d === 'object' && 'kind' in d);
}

/** Server-side apply (creates or updates), field manager `certlab`, conflicts forced. */
export async function applyObjects(kc: k8s.KubeConfig, objects: KubeObject[]): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const obj of objects) {
    const body = { ...obj };
    delete (body as any).status;
    try {
      await api.patch(body, undefined, undefined, 'certlab', true, k8s.PatchStrategy.ServerSideApply);
    } catch (err) {
      throw new Error(`apply ${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}: ${errorBody(err)}`);
    }
  }
}

/**
 * Why the API server would refuse `obj` now, admission webhooks included (a server-side apply with
 * dryRun=All: nothing is stored), or undefined when it accepts it.
 */
export async function dryRunRefusal(kc: k8s.KubeConfig, obj: KubeObject): Promise<string | undefined> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  try {
    await api.patch({ ...obj }, undefined, 'All', 'certlab', true, k8s.PatchStrategy.ServerSideApply);
    return undefined;
  } catch (err) {
    return errorBody(err);
  }
}

/** The object as it is now, or undefined when there is none. */
export async function readObject(kc: k8s.KubeConfig, obj: KubeObject): Promise<KubeObject | undefined> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const header = { apiVersion: obj.apiVersion!, kind: obj.kind!, metadata: { name: obj.metadata!.name!, ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}) } };
  try {
    return await api.read(header) as KubeObject;
  } catch (err) {
    if ((err as any)?.code === 404) return undefined;
    throw new Error(`read ${obj.kind} ${obj.metadata?.name}: ${errorBody(err)}`);
  }
}

/** The objects with `labels` added to their own (the lab's label: `down` and `kubectl -l` find them). */
export function withLabels(objects: KubeObject[], labels: Record<string, string>): KubeObject[] {
  return objects.map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata?.labels, ...labels } } }));
}

export async function deleteObjects(kc: k8s.KubeConfig, objects: KubeObject[]): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const obj of objects) {
    try {
      await api.delete(obj);
    } catch (err) {
      if ((err as any)?.code !== 404) throw err;
    }
  }
}

export function errorBody(err: unknown): string {
  const e = err as any;
  if (e?.body) {
    try {
      const b = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
      if (b?.message) return `${e.code ?? ''} ${b.message}`.trim();
    } catch {
      /* fall through */
    }
  }
  return e?.message ?? String(err);
}

export interface WaitSpec<T = KubeObject> {
  /** Collection path, e.g. /apis/apps/v1/namespaces/cert-manager/deployments */
  path: string;
  /** Only these names (all listed must satisfy `ready`); when absent, `ready` gets every object. */
  names?: string[];
  /**
   * Called for every object of interest each time the set changes, never only up to the first that is not
   * ready: a caller that records the moment each object turns ready (watchCertificatesReady) sees it then.
   */
  ready: (obj: T) => boolean;
  /** What is awaited, for messages. */
  what: string;
  timeoutMs: number;
  /** Short reason the object is not ready yet, for the timeout message. */
  explain?: (obj: T) => string;
  /** Optional extra condition over the whole set (e.g. "at least one"). */
  all?: (objs: T[]) => boolean;
  signal?: AbortSignal | undefined;
}

/**
 * Resolves once the watched objects satisfy `ready`: LISTs the collection (current state and resourceVersion),
 * then WATCHes from there, re-listing if the watch ends. Rejects after timeoutMs with the objects' last state.
 */
export async function waitFor<T extends KubeObject = KubeObject>(kc: k8s.KubeConfig, spec: WaitSpec<T>): Promise<number> {
  const t0 = Date.now();
  const seen = new Map<string, T>();
  const done = (): boolean => {
    const objs = [...seen.values()];
    // map, then every: every() would stop at the first object not ready and leave the rest unasked.
    if (spec.names) return spec.names.map((n) => { const o = seen.get(n); return !!o && spec.ready(o); }).every(Boolean);
    if (spec.all) return spec.all(objs);
    return objs.length > 0 && objs.map(spec.ready).every(Boolean);
  };
  const state = (): string => {
    const names = spec.names ?? [...seen.keys()];
    if (names.length === 0) return 'none exist yet';
    return names.map((n) => {
      const o = seen.get(n);
      if (!o) return `${n}: absent`;
      return `${n}: ${spec.ready(o) ? 'ready' : spec.explain?.(o) ?? 'not ready'}`;
    }).join('; ');
  };
  const watch = new k8s.Watch(kc);
  return await new Promise<number>((resolve, reject) => {
    let finished = false;
    let controller: AbortController | undefined;
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      controller?.abort();
      if (err) reject(err);
      else resolve(Date.now() - t0);
    };
    const timer = setTimeout(() => finish(new Error(`timed out after ${Math.round(spec.timeoutMs / 1000)}s waiting for ${spec.what} (${state()})`)), spec.timeoutMs);
    // Stopped (Ctrl-C, a time limit, a released handle): say why, as pollUntil does.
    const onAbort = () => finish(spec.signal?.reason instanceof Error ? spec.signal.reason : new Error(`aborted waiting for ${spec.what}`));
    if (spec.signal?.aborted) return onAbort();
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    const round = async (): Promise<void> => {
      if (finished) return;
      let rv: string | undefined;
      try {
        const list = await listPath(kc, spec.path);
        seen.clear();
        for (const item of list.items as T[]) seen.set(item.metadata?.name ?? '', item);
        rv = list.metadata?.resourceVersion;
      } catch (err) {
        // The API (or a CRD's API) may not be served yet: try again shortly.
        if (!finished) setTimeout(() => void round(), 500);
        return;
      }
      if (done()) return finish();
      try {
        controller = await watch.watch(
          spec.path,
          { resourceVersion: rv, allowWatchBookmarks: true },
          (phase, obj: T) => {
            const name = obj?.metadata?.name;
            if (!name || phase === 'BOOKMARK') return;
            if (phase === 'DELETED') seen.delete(name);
            else seen.set(name, obj);
            if (done()) finish();
          },
          () => { if (!finished) setTimeout(() => void round(), 200); },
        );
        // Finished (timed out, aborted) while the watch was being opened: close it now.
        if (finished) controller.abort();
      } catch {
        if (!finished) setTimeout(() => void round(), 500);
      }
    };
    void round();
  });
}

/** Resolves once the object `name` of the collection at `path` is gone (deleted and finalized). */
export function waitGone(kc: k8s.KubeConfig, spec: { path: string; name: string; what: string; timeoutMs: number; signal?: AbortSignal | undefined }): Promise<number> {
  return waitFor(kc, {
    path: `${spec.path}?fieldSelector=${encodeURIComponent(`metadata.name=${spec.name}`)}`,
    ready: () => false, all: (objs) => objs.length === 0,
    explain: (o) => (o.metadata?.deletionTimestamp ? 'terminating' : 'present'),
    what: spec.what, timeoutMs: spec.timeoutMs, ...(spec.signal ? { signal: spec.signal } : {}),
  });
}

async function request(kc: k8s.KubeConfig, method: 'GET' | 'PUT', path: string, body?: unknown): Promise<any> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no current API server');
  const url = new URL(server.replace(/\/$/, '') + path);
  const opts: https.RequestOptions = { method, headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) } };
  await kc.applyToHTTPSOptions(opts);
  return await new Promise((resolve, reject) => {
    const req = https.request(url, { ...opts, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 300) reject(Object.assign(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`), { code: res.statusCode }));
        else {
          try { resolve(JSON.parse(text)); } catch { resolve(text as any); /* /readyz and friends answer text */ }
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

function listPath(kc: k8s.KubeConfig, path: string): Promise<{ items: unknown[]; metadata?: { resourceVersion?: string } }> {
  return request(kc, 'GET', path);
}

/**
 * Replaces the status subresource of the object at `path` (as `kubectl`'s UpdateStatus does); the
 * object's resourceVersion makes a concurrent change a 409 rather than a lost update.
 */
export async function replaceStatus<T = KubeObject>(kc: k8s.KubeConfig, path: string, obj: KubeObject): Promise<T> {
  return request(kc, 'PUT', `${path}/status`, obj);
}

/** GET any API path (JSON). */
export async function getPath<T = any>(kc: k8s.KubeConfig, path: string): Promise<T> {
  return (await listPath(kc, path)) as unknown as T;
}

export function condition(obj: KubeObject, type: string): { status?: string; reason?: string; message?: string; lastTransitionTime?: string } | undefined {
  return (obj.status?.conditions as any[] | undefined)?.find((c) => c.type === type);
}

export const deploymentAvailable = (d: KubeObject): boolean =>
  condition(d, 'Available')?.status === 'True' &&
  (d.status?.updatedReplicas ?? 0) >= (d.spec?.replicas ?? 1) &&
  (d.status?.availableReplicas ?? 0) >= (d.spec?.replicas ?? 1) &&
  (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);

export const explainDeployment = (d: KubeObject): string =>
  `${d.status?.availableReplicas ?? 0}/${d.spec?.replicas ?? 1} available${condition(d, 'Progressing')?.message ? ` (${condition(d, 'Progressing')?.message})` : ''}`;

export const crdEstablished = (c: KubeObject): boolean => condition(c, 'Established')?.status === 'True';
