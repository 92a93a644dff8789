// Many Certificates from one ClusterIssuer at once, each on a listener of a Gateway of their own, timed per
// Certificate from the moment its request exists to Ready and to the Gateway serving it to a client that
// verifies. The request is the Certificate itself (explicit), or the annotated Gateway that gateway-shim
// turns into Certificates.
import { randomBytes, type X509Certificate } from 'node:crypto';
import { getMaxListeners, setMaxListeners } from 'node:events';
import type { LabContext } from '../context.ts';
import { CERT_MANAGER_DNS01_WAIT_S, certManagerWorkers, http01SelfCheckWaitS } from '../kube/index.ts';
import { waitPublicNames } from './bring-up.ts';
import {
  certificateManifest, certificateRequestsPerCertificate, gatewayManifest, nameUnder, publishedNamesRoutes, secretLeaf, waitServed, watchCertificateRequests, watchCertificatesReady, type CertificateSpec,
} from './certificates.ts';
import type { Platform } from './connect.ts';

export type IssuerKind = 'vault' | 'http01' | 'dns01';
export const ISSUER_KINDS: readonly IssuerKind[] = ['vault', 'http01', 'dns01'];

/** How each kind of issuer's Certificates reach their Gateway, as in the reference article. */
const ATTACHMENT: Record<IssuerKind, 'certificate' | 'annotation'> = { vault: 'certificate', http01: 'annotation', dns01: 'annotation' };

export interface IssuanceBatch {
  kind: IssuerKind;
  /** The ClusterIssuer. */
  issuer: string;
  /** The Gateway this batch's listeners are on. */
  gateway: string;
  attachment: 'certificate' | 'annotation';
  /** One per Certificate: its listener's hostname and its only DNS name. */
  hostnames: string[];
  /** Explicit Certificates only: duration, renewBefore, rotationPolicy. */
  certificate?: Pick<CertificateSpec, 'duration' | 'renewBefore' | 'rotationPolicy'>;
}

/**
 * cert-manager's own fixed waits in the path of an ACME Certificate whose challenge is solved (see
 * lab/kube/addons/cert-manager.ts): the HTTP-01 self-check passes, the sleep after a DNS-01 propagation
 * check. Both are sleeps in one of the challenge controller's workers, so of many challenges at once the
 * one in `position` (0-based, in the order they finish) has waited for its round's and every earlier round's.
 */
export function certManagerFixedWaitMs(certManagerVersion: string, kind: IssuerKind, position = 0): number {
  const round = Math.floor(position / certManagerWorkers(certManagerVersion)) + 1;
  if (kind === 'http01') return round * http01SelfCheckWaitS(certManagerVersion) * 1000;
  return kind === 'dns01' ? round * CERT_MANAGER_DNS01_WAIT_S * 1000 : 0;
}

/** Short and new for every run: Pebble reuses a valid authorization half the time, so names never repeat. */
export function runTag(): string {
  return randomBytes(3).toString('hex');
}

/**
 * `count` Certificates of one kind: Vault names in the private zone, HTTP-01 names in the public zone, DNS-01
 * a wildcard each (one challenge per Certificate: cert-manager solves a name and its wildcard one after the
 * other). `label` keeps batches of one run apart (e.g. "i" for issuance, "r" for renewal). Pure.
 */
export function issuanceBatch(platform: Pick<Platform, 'layout'>, kind: IssuerKind, count: number, tag: string, label: string, certificate?: IssuanceBatch['certificate']): IssuanceBatch {
  const { layout } = platform;
  const host = (i: number) => `${label}${kind[0]}${i}-${tag}`;
  const hostname = {
    vault: (i: number) => `${host(i)}.${layout.privateZone}`,
    http01: (i: number) => `${host(i)}.${layout.publicZone}`,
    dns01: (i: number) => `*.${host(i)}.${layout.publicZone}`,
  }[kind];
  return {
    kind, issuer: layout.issuers[kind], gateway: `${label}-${kind}`, attachment: certificate ? 'certificate' : ATTACHMENT[kind],
    hostnames: Array.from({ length: count }, (_, i) => hostname(i)), ...(certificate ? { certificate } : {}),
  };
}

/** The Certificate (and Secret) name of the batch's i-th hostname: gateway-shim names it after the Secret. */
export function batchCertificateName(batch: IssuanceBatch, i: number): string {
  return `${batch.gateway}-${i}-tls`;
}

export interface IssuedCertificate {
  name: string;
  hostname: string;
  /** What the client asks for: the hostname, or a name under the wildcard. */
  servername: string;
  requestedAt: number;
  readyAt: number;
  servedAt: number;
  /** Its CertificateRequest, first seen to Ready: the issuer's part (for ACME, the order and its challenges). */
  requestMs: number;
  serial: string;
  /** The served chain, leaf first, up to the trust anchor (describeChain). */
  chain: string;
}

/**
 * The HTTP-01 names in DNS before their Certificates, as a user's published names are: routes on the public
 * Gateway's HTTP listener, External-DNS's A records awaited through the lab's resolver.
 */
export async function publishNames(ctx: LabContext, platform: Platform, namespace: string, hostnames: string[], timeoutMs: number): Promise<void> {
  await platform.kubeCluster.apply(publishedNamesRoutes(platform.layout, namespace, 'published-names', hostnames));
  await waitPublicNames(ctx, platform, hostnames, timeoutMs);
}

/**
 * Requests the batch's Certificates at once and times each: requested (its Certificate applied, or the
 * annotated Gateway) -> Ready (seen by the watch) -> served by the Gateway to a client that verifies it
 * against the issuer's trust anchor only.
 */
export async function issueAtOnce(ctx: LabContext, platform: Platform, namespace: string, batch: IssuanceBatch, timeoutMs: number): Promise<IssuedCertificate[]> {
  const { kubeCluster } = platform;
  const deadline = Date.now() + timeoutMs;
  // Each Certificate's served probe listens on the run's signal: 50 at once are expected, not a leak.
  if (ctx.signal) setMaxListeners(Math.max(getMaxListeners(ctx.signal), batch.hostnames.length * 2 + 10), ctx.signal);
  const anchor = await platform.trustAnchor(batch.issuer);
  const items = batch.hostnames.map((hostname, i) => ({ name: batchCertificateName(batch, i), hostname, servername: nameUnder(hostname) }));
  const byName = new Map(items.map((c) => [c.name, c]));
  const listeners = items.map((c, i) => ({ name: `tls-${i}`, hostname: c.hostname, secretName: c.name }));
  const requestedAt = new Map<string, number>();
  const served = new Map<string, Promise<{ at: number; serial: string; chain: string }>>();
  // Watching before anything is applied: a Certificate Ready at once is seen at the moment it is.
  const ready = watchCertificatesReady(kubeCluster, namespace, items.map((c) => c.name), timeoutMs, (name) => {
    const c = byName.get(name)!;
    const probe = secretLeaf(kubeCluster, namespace, name)
      .then((leaf) => waitServed(platform, { servername: c.servername, anchor }, leaf.serialNumber, deadline - Date.now(), ctx.signal))
      .then((s) => ({ at: s.at, serial: s.served.serial, chain: describeChain(s.served.certificates) }));
    probe.catch(() => undefined); // awaited below; a failure is reported there
    served.set(name, probe);
  });
  ready.catch(() => undefined);
  // The namespace holds this batch's requests only while it runs (batches run one after another).
  const requests = watchCertificateRequests(kubeCluster, namespace, items.length + await requestsSoFar(platform, namespace), timeoutMs);
  requests.catch(() => undefined);
  if (batch.attachment === 'annotation') {
    await kubeCluster.apply([gatewayManifest(namespace, batch.gateway, kubeCluster.layout.gatewayClass, listeners, batch.issuer)]);
    const at = Date.now();
    for (const c of items) requestedAt.set(c.name, at);
  } else {
    // The Gateway first, its listeners waiting for their Secrets, as an application's would.
    await kubeCluster.apply([gatewayManifest(namespace, batch.gateway, kubeCluster.layout.gatewayClass, listeners)]);
    for (const c of items) {
      await kubeCluster.apply([certificateManifest(namespace, { name: c.name, secretName: c.name, dnsNames: [c.hostname], issuer: batch.issuer, ...batch.certificate })]);
      requestedAt.set(c.name, Date.now());
    }
  }
  const readyAt = await ready;
  const requestMs = await requests;
  return Promise.all(items.map(async (c) => {
    const s = await served.get(c.name)!;
    return { ...c, requestedAt: requestedAt.get(c.name)!, readyAt: readyAt.get(c.name)!, servedAt: s.at, requestMs: requestMs.get(c.name)!, serial: s.serial, chain: s.chain };
  }));
}

async function requestsSoFar(platform: Platform, namespace: string): Promise<number> {
  return (await certificateRequestsPerCertificate(platform.kubeCluster, namespace)).size;
}

/** A certificate in one line: its subject, or its names when it has none (Pebble's leaves), and its serial. */
export function describeCertificate(c: X509Certificate): string {
  return `${(c.subject || c.subjectAltName || '(no subject)').replace(/\n/g, ', ')} (serial ${c.serialNumber})`;
}

/** A chain as a TLS client got it, one certificate a line, each indented under the one it chains to. */
export function describeChain(chain: X509Certificate[]): string {
  return chain.map((c, i) => `${'  '.repeat(i)}${describeCertificate(c)}`).join('\n');
}

/** The value at quantile q (0..1) of `values`, nearest rank. Pure. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
