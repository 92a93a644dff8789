// Certificates a scenario makes for itself (in a namespace of its own) and the way it tells that one was
// issued or renewed: the Certificate's status.revision, which cert-manager raises by one at each issuance.
import { X509Certificate } from 'node:crypto';
import type { LabContext } from '../context.ts';
import { pollUntil } from '../host/wait.ts';
import { condition, type KubeObject } from '../kube/api.ts';
import type { KubeCluster } from '../kube/connect.ts';
import { waitCertificatesReady } from './bring-up.ts';
import { certificatesPath, restartIssuance } from './forced-renewal.ts';
import { normalizeSerial } from '../pki/crl.ts';
import type { x509 } from '../pki/crypto.ts';
import { parseCertificates, verifyChain } from '../pki/verify.ts';

export interface CertificateSpec { name: string; namespace: string; issuer: string; dnsNames: string[] }

/** A Certificate from a ClusterIssuer, its Secret named after it, with an ECDSA key rotated at each renewal. */
export function certificateManifest(c: CertificateSpec): KubeObject {
  return {
    apiVersion: 'cert-manager.io/v1', kind: 'Certificate',
    metadata: { name: c.name, namespace: c.namespace, labels: { 'app.kubernetes.io/part-of': 'certlab' } },
    spec: {
      secretName: `${c.name}-tls`, dnsNames: c.dnsNames,
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      issuerRef: { name: c.issuer, kind: 'ClusterIssuer', group: 'cert-manager.io' },
    },
  };
}

/** `count` Certificates `<prefix>-1`… from `issuer`, each for `<name>.<zone>`. */
export function certificateSet(prefix: string, count: number, namespace: string, issuer: string, zone: string): KubeObject[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `${prefix}-${i + 1}`;
    return certificateManifest({ name, namespace, issuer, dnsNames: [`${name}.${zone}`] });
  });
}

export const namesOf = (objects: KubeObject[]): string[] => objects.map((o) => o.metadata!.name!);

/** Each named Certificate's status.revision now (0 before its first issuance). */
export async function revisions(kubeCluster: KubeCluster, namespace: string, names: string[]): Promise<Map<string, number>> {
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(certificatesPath(namespace));
  return new Map(names.map((n) => [n, items.find((c) => c.metadata?.name === n)?.status?.revision ?? 0]));
}

/** Renewed: a revision above the one given, Ready, and no issuance in progress. */
export function renewedSince(before: Map<string, number>): (c: KubeObject) => boolean {
  return (c) => (c.status?.revision ?? 0) > (before.get(c.metadata?.name ?? '') ?? 0)
    && condition(c, 'Ready')?.status === 'True' && condition(c, 'Issuing')?.status !== 'True';
}

export function explainIssuance(c: KubeObject): string {
  const parts = ['Ready', 'Issuing'].map((t) => { const x = condition(c, t); return x ? `${t}=${x.status}${x.reason ? ` (${x.reason})` : ''}` : undefined; }).filter(Boolean);
  return [`revision ${c.status?.revision ?? 0}`, ...parts, c.status?.failedIssuanceAttempts ? `failedIssuanceAttempts ${c.status.failedIssuanceAttempts}` : undefined].filter(Boolean).join(', ');
}

/** Watches until every Certificate in `before` has been renewed past its revision there; resolves with the time taken. */
export function waitRenewed(kubeCluster: KubeCluster, namespace: string, before: Map<string, number>, timeoutMs: number, what = `Certificates ${[...before.keys()].join(', ')} renewed`): Promise<number> {
  return kubeCluster.waitUntil({ path: certificatesPath(namespace), names: [...before.keys()], ready: renewedSince(before), explain: explainIssuance, what, timeoutMs });
}

/** certificateSet applied and watched until every one is Ready; returns their names. */
export async function issueCertificateSet(kubeCluster: KubeCluster, prefix: string, count: number, namespace: string, issuer: string, zone: string, timeoutMs: number): Promise<string[]> {
  const certs = certificateSet(prefix, count, namespace, issuer, zone);
  await kubeCluster.apply(certs);
  await waitCertificatesReady(kubeCluster, namespace, namesOf(certs), timeoutMs);
  return namesOf(certs);
}

/** The serial (upper-case hex, as X509Certificate gives it) of the leaf in a Certificate's Secret. */
export async function leafSerial(kubeCluster: KubeCluster, namespace: string, secretName: string): Promise<string> {
  const s = await kubeCluster.get<KubeObject>(`/api/v1/namespaces/${namespace}/secrets/${secretName}`);
  const pem = Buffer.from(s.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
  return new X509Certificate(pem).serialNumber;
}

/** The chain a Certificate's Secret holds: tls.crt (leaf first) then ca.crt, parsed. */
async function secretChain(kubeCluster: KubeCluster, namespace: string, secretName: string): Promise<x509.X509Certificate[]> {
  const s = await kubeCluster.get<KubeObject>(`/api/v1/namespaces/${namespace}/secrets/${secretName}`);
  const pem = ['tls.crt', 'ca.crt'].map((k) => Buffer.from(s.data?.[k] ?? '', 'base64').toString('utf8')).join('\n');
  return parseCertificates(pem);
}

/**
 * Why a Certificate is not healthy under an issuing CA now, or undefined when it is: Ready, and the leaf in
 * its Secret valid now and chaining, every signature and validity window checked, through that issuing CA
 * (by serial) to `root`.
 */
export async function unhealthyUnder(kubeCluster: KubeCluster, namespace: string, name: string, issuingCaSerial: string, root: x509.X509Certificate): Promise<string | undefined> {
  const crt = await kubeCluster.get<KubeObject>(`${certificatesPath(namespace)}/${name}`);
  if (condition(crt, 'Ready')?.status !== 'True') return `${name}: ${explainIssuance(crt)}`;
  const [leaf, ...rest] = await secretChain(kubeCluster, namespace, crt.spec?.secretName ?? `${name}-tls`);
  if (!leaf) return `${name}: no certificate in its Secret`;
  try {
    const chain = await verifyChain(leaf, rest, root);
    if (normalizeSerial(chain[1]?.serialNumber ?? '') !== normalizeSerial(issuingCaSerial)) return `${name}: signed by ${chain[1]?.subject} serial ${chain[1]?.serialNumber}, not the issuing CA ${issuingCaSerial}`;
    return undefined;
  } catch (err) {
    return `${name}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Polls until every named Certificate is healthy under the issuing CA (unhealthyUnder); resolves with when. */
export async function waitHealthyUnder(ctx: LabContext, kubeCluster: KubeCluster, namespace: string, names: string[], issuingCaSerial: string, root: x509.X509Certificate, timeoutMs: number): Promise<number> {
  return pollUntil(async () => {
    const problems = (await Promise.all(names.map((n) => unhealthyUnder(kubeCluster, namespace, n, issuingCaSerial, root)))).filter(Boolean);
    if (problems.length) throw new Error(problems.join('; '));
    return Date.now();
  }, { timeoutMs, intervalMs: 250, what: `Certificates ${names.join(', ')} Ready with a chain through issuing CA ${issuingCaSerial} to the offline root`, ...(ctx.signal ? { signal: ctx.signal } : {}) });
}

/**
 * After the issuing CA was replaced: waits `byItselfMs` for cert-manager to bring every named Certificate
 * healthy under it by itself; if it does not, the runbook's remedy (restartIssuance: requests in progress
 * deleted, Issuing set) and up to `remedyMs` more. Resolves with when they were healthy and the remedy used.
 */
export async function recoverUnder(ctx: LabContext, kubeCluster: KubeCluster, namespace: string, names: string[], issuingCaSerial: string, root: x509.X509Certificate, byItselfMs: number, remedyMs: number): Promise<{ at: number; remedy: string }> {
  try {
    return { at: await waitHealthyUnder(ctx, kubeCluster, namespace, names, issuingCaSerial, root, byItselfMs), remedy: 'none (cert-manager retried by itself)' };
  } catch {
    const deleted = await restartIssuance(kubeCluster, namespace, names);
    const at = await waitHealthyUnder(ctx, kubeCluster, namespace, names, issuingCaSerial, root, remedyMs);
    return { at, remedy: `forced renewal (deleted ${deleted.join(', ') || 'no'} CertificateRequests in progress, Issuing set)` };
  }
}
