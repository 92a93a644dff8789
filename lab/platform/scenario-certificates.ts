// Certificates a scenario makes for itself (in a namespace of its own) and the way it tells that one was
// issued or renewed: the Certificate's status.revision, which cert-manager raises by one at each issuance.
import { X509Certificate } from 'node:crypto';
import { condition, type KubeObject } from '../kube/api.ts';
import type { KubeCluster } from '../kube/connect.ts';
import { waitCertificatesReady } from './bring-up.ts';
import { certificatesPath } from './forced-renewal.ts';

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
