// What the lab made in a Kubernetes cluster it did not make (kubeCluster in the configuration), written to
// a 0600 file in the state directory BEFORE each thing is made, so `certlab down` removes exactly that,
// also after a crash half-way: objects (namespaces, cluster-scoped objects, CRDs), the nodes' attachments
// to the lab network, images loaded into the nodes, and the lab's server blocks in the cluster's CoreDNS.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { writeSecretFile } from '../host/files.ts';
import type { KubeClusterLayout } from './layout.ts';

/**
 * An object the lab created (not one it found): what `down` deletes, if it still carries the lab's label.
 * `by` names the controller that makes it for one of the lab's objects, unlabelled (a reused cert-manager's
 * ACME account Secret of the lab's ClusterIssuer): deleted only if it was created after `since`.
 */
export interface MadeObject { type: 'object'; apiVersion: string; kind: string; name: string; namespace?: string; by?: string; since?: string }
/** A node container of the user's cluster connected to the lab network. */
export interface MadeAttachment { type: 'network-attachment'; container: string; network: string }
/** An image the node lacked and the lab loaded into it. */
export interface MadeImage { type: 'image'; container: string; ref: string }
/** The lab's server blocks in the cluster's CoreDNS Corefile (between the lab's markers). */
export interface MadeDnsForward { type: 'coredns-forward' }
export type Made = MadeObject | MadeAttachment | MadeImage | MadeDnsForward;

/** cert-manager as the lab found it: installed by the lab, or the user's, reused as it is. */
export interface CertManagerFound { reused: boolean; namespace: string; version: string }

export interface UserClusterRecord {
  kubeconfig: string;
  context: string;
  /** Newest last; `down` undoes them newest first. */
  made: Made[];
  certManager?: CertManagerFound;
  /** Set when the bring-up finished: the component is up. */
  ready: boolean;
}

export async function readUserRecord(layout: KubeClusterLayout): Promise<UserClusterRecord | undefined> {
  if (!existsSync(layout.recordFile)) return undefined;
  return JSON.parse(await readFile(layout.recordFile, 'utf8')) as UserClusterRecord;
}

/** One writer at a time per file: steps that run side by side (Traefik beside cert-manager) both record. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Reads the record (a fresh one for the configured cluster when there is none), lets `change` edit it and
 * writes it back (mode 0600). Changes to one file are applied one after another.
 */
export function updateUserRecord(layout: KubeClusterLayout, change: (record: UserClusterRecord) => void): Promise<UserClusterRecord> {
  const user = layout.userCluster;
  if (!user) throw new Error('updateUserRecord: the lab made this cluster; there is nothing to record');
  const next = (queues.get(layout.recordFile) ?? Promise.resolve()).catch(() => undefined).then(async () => {
    const record = (await readUserRecord(layout)) ?? { kubeconfig: user.kubeconfig, context: user.context, made: [], ready: false };
    change(record);
    await writeSecretFile(layout.recordFile, JSON.stringify(record, null, 2));
    return record;
  });
  queues.set(layout.recordFile, next);
  return next;
}

const sameMade = (a: Made, b: Made): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Records `made` (once) before it is made. */
export async function recordMade(layout: KubeClusterLayout, made: Made): Promise<void> {
  await updateUserRecord(layout, (r) => { if (!r.made.some((m) => sameMade(m, made))) r.made.push(made); });
}

/** Takes undone entries off the record. */
export async function forgetMade(layout: KubeClusterLayout, undone: Made[]): Promise<void> {
  await updateUserRecord(layout, (r) => { r.made = r.made.filter((m) => !undone.some((u) => sameMade(u, m))); });
}

export async function removeUserRecord(layout: KubeClusterLayout): Promise<void> {
  await rm(layout.recordFile, { force: true });
}
