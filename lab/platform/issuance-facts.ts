// What cert-manager says about an issuance, as evidence for a report: each CertificateRequest's Ready
// condition, the Certificate's conditions and failure bookkeeping (status.failedIssuanceAttempts,
// lastFailureTime, the trigger controller's 1 h exponential backoff), the objects' events and the
// controller's own log lines.
import { X509Certificate } from 'node:crypto';
import type { KubeObject } from '../kube/api.ts';
import type { KubeCluster } from '../kube/connect.ts';
import { pollUntil } from '../host/wait.ts';
import { certificatesPath } from './forced-renewal.ts';

export const CERTIFICATE_NAME_ANNOTATION = 'cert-manager.io/certificate-name';
export const REVISION_ANNOTATION = 'cert-manager.io/certificate-revision';

export const certificateRequestsPath = (namespace: string) => `/apis/cert-manager.io/v1/namespaces/${namespace}/certificaterequests`;

export interface RequestFact {
  name: string;
  certificate: string;
  revision: number;
  /** Ready's status and reason: True/Issued, False/Pending, False/Failed… */
  status: string;
  reason: string;
  message: string;
  createdAt: number;
  /** When Ready last changed (seconds resolution, as the API keeps it). */
  readyAt?: number;
  failureTime?: string;
}

type Condition = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string };

export function requestFact(cr: KubeObject): RequestFact {
  const ready = (cr.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');
  const a = cr.metadata?.annotations ?? {};
  return {
    name: cr.metadata?.name ?? '', certificate: a[CERTIFICATE_NAME_ANNOTATION] ?? '', revision: Number(a[REVISION_ANNOTATION] ?? 0),
    status: ready?.status ?? 'Unknown', reason: ready?.reason ?? 'none yet', message: (ready?.message ?? '').replace(/\s+/g, ' '),
    createdAt: Date.parse(String(cr.metadata?.creationTimestamp ?? '')),
    ...(ready?.lastTransitionTime ? { readyAt: Date.parse(ready.lastTransitionTime) } : {}),
    ...(cr.status?.failureTime ? { failureTime: cr.status.failureTime } : {}),
  };
}

/** Every CertificateRequest in the namespace (of the named Certificates only, when given), oldest first. */
export async function certificateRequests(kubeCluster: KubeCluster, namespace: string, certificates?: string[]): Promise<RequestFact[]> {
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(certificateRequestsPath(namespace));
  return items.map(requestFact).filter((f) => !certificates || certificates.includes(f.certificate)).sort((a, b) => a.createdAt - b.createdAt);
}

export const failedRequests = (facts: RequestFact[]): RequestFact[] => facts.filter((f) => f.status === 'False' && f.reason === 'Failed');

/** One line per request: `name (cert #rev): Ready=False Failed: message`. */
export function describeRequest(f: RequestFact): string {
  return `${f.name} (${f.certificate} #${f.revision}): Ready=${f.status} ${f.reason}${f.message ? `: ${f.message}` : ''}`;
}

/** Conditions, failure count and times of a Certificate as its status says them, one line. */
export function describeCertificateStatus(c: KubeObject): string {
  const s = c.status ?? {};
  const conditions = ((s.conditions ?? []) as Condition[]).map((x) => `${x.type}=${x.status}${x.reason ? ` (${x.reason})` : ''}${x.message ? `: ${x.message}` : ''}`);
  return [
    ...conditions,
    `failedIssuanceAttempts ${s.failedIssuanceAttempts ?? 'unset'}`,
    `lastFailureTime ${s.lastFailureTime ?? 'unset'}`,
    s.renewalTime ? `renewalTime ${s.renewalTime}` : undefined,
    s.notAfter ? `notAfter ${s.notAfter}` : undefined,
  ].filter(Boolean).join('; ');
}

/**
 * When the trigger controller will next try a Certificate whose issuance failed, by its rule
 * (pkg/controller/certificates/trigger, shouldBackoffReissuingOnFailure): lastFailureTime plus 1 h ×
 * 2^(failedIssuanceAttempts − 1), at most 32 h, at least 1 h. Undefined without a failure.
 */
export function nextAttemptAfterBackoff(c: KubeObject): string | undefined {
  const last = c.status?.lastFailureTime as string | undefined;
  if (!last) return undefined;
  const attempts = Number(c.status?.failedIssuanceAttempts ?? 0);
  const hours = attempts > 5 ? 32 : Math.max(1, 2 ** Math.max(0, attempts - 1));
  return new Date(Date.parse(last) + hours * 3_600_000).toISOString().replace(/\.000Z$/, 'Z');
}

export async function certificateStatus(kubeCluster: KubeCluster, namespace: string, name: string): Promise<KubeObject> {
  return kubeCluster.get<KubeObject>(`${certificatesPath(namespace)}/${name}`);
}

/** The events of one object, oldest first: `Type Reason: message`. */
export async function eventsOf(kubeCluster: KubeCluster, namespace: string, name: string, kind?: string): Promise<string[]> {
  const selector = [`involvedObject.name=${name}`, ...(kind ? [`involvedObject.kind=${kind}`] : [])].join(',');
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(`/api/v1/namespaces/${namespace}/events?fieldSelector=${encodeURIComponent(selector)}`);
  return items
    .sort((a, b) => Date.parse(a.lastTimestamp ?? a.eventTime ?? '') - Date.parse(b.lastTimestamp ?? b.eventTime ?? ''))
    .map((e) => `${e.type} ${e.reason}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ''}: ${String(e.message ?? '').replace(/\s+/g, ' ')}`);
}

/**
 * The ACME order URL each of cert-manager's Orders from `issuer` in the namespace recorded (status.url):
 * the orders cert-manager kept track of. One it made but could not record is in none of them.
 */
export async function acmeOrderUrls(kubeCluster: KubeCluster, namespace: string, issuer: string): Promise<string[]> {
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(`/apis/acme.cert-manager.io/v1/namespaces/${namespace}/orders`);
  return items.filter((o) => o.spec?.issuerRef?.name === issuer).map((o) => String(o.status?.url ?? ''));
}

/** The cert-manager controller's log lines since `sinceSeconds` that match `pattern` (the newest `max`). */
export async function certManagerLog(kubeCluster: KubeCluster, pattern: RegExp, sinceSeconds: number, max = 10): Promise<string[]> {
  const namespace = kubeCluster.layout.namespaces.certManager;
  const selector = encodeURIComponent('app.kubernetes.io/component=controller');
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(`/api/v1/namespaces/${namespace}/pods?labelSelector=${selector}`);
  const lines: string[] = [];
  for (const pod of items) {
    const text = await kubeCluster.get<string>(`/api/v1/namespaces/${namespace}/pods/${pod.metadata!.name}/log?sinceSeconds=${Math.max(1, Math.ceil(sinceSeconds))}`).catch(() => '');
    lines.push(...String(text).split('\n').filter((l) => pattern.test(l)));
  }
  return lines.slice(-max).map((l) => l.trim());
}

/**
 * Watches the CertificateRequests until the one for `certificate` at `revision` is decided: Ready=True
 * (issued) or Ready=False with reason Failed or Denied. Returns its fact.
 */
export async function waitRequestDecided(kubeCluster: KubeCluster, namespace: string, certificate: string, revision: number, timeoutMs: number): Promise<RequestFact> {
  const mine = (f: RequestFact) => f.certificate === certificate && f.revision === revision;
  const decided = (f: RequestFact) => f.status === 'True' || ['Failed', 'Denied'].includes(f.reason);
  await kubeCluster.waitUntil({
    path: certificateRequestsPath(namespace), what: `the CertificateRequest of ${certificate} revision ${revision} issued or failed`, timeoutMs,
    ready: (cr) => decided(requestFact(cr)), all: (crs) => crs.map(requestFact).some((f) => mine(f) && decided(f)),
    explain: (cr) => describeRequest(requestFact(cr)),
  });
  return (await certificateRequests(kubeCluster, namespace, [certificate])).find(mine)!;
}

export interface RequestCount { at: number; count: number }

/**
 * The namespace's CertificateRequests counted every `intervalMs` until `until` (epoch ms), the first count
 * at once: how many cert-manager made over a window, and how fast (a renewal storm shows here, cert-manager
 * #7741, before anything else does).
 */
export async function countRequestsUntil(kubeCluster: KubeCluster, namespace: string, until: number, intervalMs: number, signal?: AbortSignal): Promise<RequestCount[]> {
  const counts: RequestCount[] = [];
  await pollUntil(async () => {
    const { items } = await kubeCluster.get<{ items: KubeObject[] }>(certificateRequestsPath(namespace));
    counts.push({ at: Date.now(), count: items.length });
    return Date.now() >= until ? true : undefined;
  }, { timeoutMs: Math.max(0, until - Date.now()) + 30_000, intervalMs, what: `CertificateRequests in ${namespace} counted until ${new Date(until).toISOString()}`, ...(signal ? { signal } : {}) });
  return counts;
}

/**
 * The CertificateRequests made since `since` that were issued a certificate already expired when the
 * request was made (its not-after before the request's creation): what an issuer with an expired CA that
 * truncates leaves hands out (cert-manager #7741). Returns them and how many were issued at all.
 */
export async function issuedAlreadyExpired(kubeCluster: KubeCluster, namespace: string, since: number): Promise<{ issued: number; expired: Array<{ name: string; createdAt: number; notAfter: number }> }> {
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(certificateRequestsPath(namespace));
  const issued = items.map((cr) => ({ cr, fact: requestFact(cr) })).filter(({ cr, fact }) => fact.createdAt >= since && fact.status === 'True' && cr.status?.certificate);
  const expired = issued.map(({ cr, fact }) => ({ name: fact.name, createdAt: fact.createdAt, notAfter: Date.parse(new X509Certificate(Buffer.from(cr.status.certificate, 'base64')).validTo) }))
    .filter((c) => c.notAfter < c.createdAt).sort((a, b) => a.createdAt - b.createdAt);
  return { issued: issued.length, expired };
}
