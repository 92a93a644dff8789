// What of a running kind cluster the configuration (or a newer certlab) would make otherwise. `up` skips a
// component that runs, so without this a changed cert-manager release, its flags or Traefik's image would
// silently stay as they were until `down`; with it, `up` applies them in place, and refuses in one line
// what only a new cluster can change (the node image: the Kubernetes version).
import { readFile } from 'node:fs/promises';
import type { ComponentDrift } from '../component.ts';
import type { LabContext } from '../context.ts';
import { labDns } from '../dns/index.ts';
import { docker } from '../host/docker.ts';
import { configuredImage } from '../images/catalog.ts';
import { CERT_MANAGER_DEPLOYMENTS, certManagerValues } from './addons/cert-manager.ts';
import { TRAEFIK_DEPLOYMENTS } from './addons/traefik.ts';
import type { KubeObject } from './api.ts';
import { openKubeCluster } from './connect.ts';
import { kindNodes } from './kind.ts';
import { kubeClusterLayout, TRAEFIK_NAMESPACE } from './layout.ts';

/** One side of the comparison: what the configuration asks for, or what runs. Undefined: not known. */
export interface KubeClusterSettings {
  nodeImage?: string;
  certManagerImage?: string;
  /** The cert-manager chart values, as the lab writes them (JSON). */
  certManagerValues?: string;
  traefikImage?: string;
}

/** Compares what runs with what is wanted; a setting unknown on either side is not counted. Pure. */
export function compareKubeCluster(wanted: KubeClusterSettings, running: KubeClusterSettings): ComponentDrift {
  const differs = (k: keyof KubeClusterSettings) => wanted[k] !== undefined && running[k] !== undefined && wanted[k] !== running[k];
  const drift: ComponentDrift = { reapply: [], recreate: [] };
  if (differs('nodeImage')) drift.recreate.push(`its nodes run ${running.nodeImage}, the configuration asks for ${wanted.nodeImage}`);
  if (differs('certManagerImage')) drift.reapply.push(`cert-manager ${imageTag(running.certManagerImage!)} -> ${imageTag(wanted.certManagerImage!)}`);
  else if (differs('certManagerValues')) drift.reapply.push('cert-manager settings');
  if (differs('traefikImage')) drift.reapply.push(`Traefik ${imageTag(running.traefikImage!)} -> ${imageTag(wanted.traefikImage!)}`);
  return drift;
}

function imageTag(ref: string): string {
  return ref.slice(ref.lastIndexOf(':') + 1);
}

/** The image of a Deployment's first container, if the Deployment exists. */
async function deploymentImage(get: (path: string) => Promise<KubeObject>, namespace: string, name: string): Promise<string | undefined> {
  const d = await get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`).catch(() => undefined);
  return d?.spec?.template?.spec?.containers?.[0]?.image;
}

/**
 * The drift of the lab's running kind cluster (none for a user's cluster: what the lab reused there is the
 * user's, and what it installed is recorded and replaced by `down` and `up`).
 */
export async function kubeClusterDrift(ctx: LabContext): Promise<ComponentDrift> {
  const layout = kubeClusterLayout(ctx.config, ctx.paths);
  if (layout.madeBy === 'user') return { reapply: [], recreate: [] };
  const controlPlane = (await kindNodes(layout.name, layout.network)).find((n) => n.role === 'control-plane');
  // An API that does not answer is not drift: what runs is then unknown, and `up` leaves it to heal.
  const kubeCluster = await openKubeCluster(ctx).catch(() => undefined);
  const get = (path: string) => (kubeCluster ? kubeCluster.get<KubeObject>(path) : Promise.reject(new Error('no API')));
  const [nodeImage, certManagerImage, valuesFile, traefikImage, corednsIp] = await Promise.all([
    controlPlane ? docker().then((d) => d.getContainer(controlPlane.id).inspect()).then((c) => c.Config.Image) : undefined,
    deploymentImage(get, layout.namespaces.certManager, CERT_MANAGER_DEPLOYMENTS[0]!),
    readFile(layout.certManagerValuesFile, 'utf8').catch(() => undefined),
    deploymentImage(get, TRAEFIK_NAMESPACE, TRAEFIK_DEPLOYMENTS[0]!),
    // The values hold the lab CoreDNS's address: known only while the dns component runs.
    labDns(ctx).then((d) => d.corednsIp, () => undefined),
  ]);
  const wanted: KubeClusterSettings = {
    nodeImage: configuredImage(ctx.config, 'kind-node').ref,
    certManagerImage: configuredImage(ctx.config, 'cert-manager-controller').ref,
    certManagerValues: corednsIp ? JSON.stringify(certManagerValues(ctx.config.versions.certManager, corednsIp), null, 2) : undefined,
    traefikImage: configuredImage(ctx.config, 'traefik').ref,
  };
  return compareKubeCluster(wanted, { nodeImage, certManagerImage, certManagerValues: valuesFile, traefikImage });
}
