// The Gateway API standard-channel CRDs (sigs.k8s.io/gateway-api config/crd/standard, from the Go module
// proxy), which Traefik serves and cert-manager's gateway-shim reads.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crdEstablished, parseYamlDocuments, type KubeObject } from './api.ts';
import { artifactPath } from './artifacts.ts';
import type { KubeCluster } from './connect.ts';

export async function gatewayApiCrds(): Promise<KubeObject[]> {
  const dir = await artifactPath('gateway-api-crds');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const objs: KubeObject[] = [];
  for (const f of files) objs.push(...parseYamlDocuments(await readFile(join(dir, f), 'utf8')));
  return objs.filter((o) => o.kind === 'CustomResourceDefinition');
}

/**
 * Applies the CRDs and waits until the API server has Established every one. In a user's cluster, a CRD
 * already there is the user's (or the lab's from an earlier `up`) and is left as it is: only the absent
 * ones are installed, and only those are removed at `down`.
 */
export async function installGatewayApiCrds(kubeCluster: KubeCluster, timeoutMs: number): Promise<void> {
  const crds = await gatewayApiCrds();
  let wanted = crds;
  if (kubeCluster.layout.madeBy === 'user') {
    const { items } = await kubeCluster.get<{ items: KubeObject[] }>('/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
    const present = new Set(items.map((c) => c.metadata?.name));
    wanted = crds.filter((c) => !present.has(c.metadata?.name));
  }
  if (wanted.length) await kubeCluster.apply(wanted);
  await kubeCluster.waitUntil({
    path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', names: crds.map((c) => c.metadata!.name!),
    ready: crdEstablished, what: `the ${crds.length} Gateway API CRDs Established`, timeoutMs,
  });
}
