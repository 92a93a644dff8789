// Certificates in the kind cluster as a user makes them (an explicit Certificate, or a Gateway annotated
// for cert-manager's gateway-shim), and their lifecycle timed as the user feels it: the request exists ->
// Ready -> the Gateway serves it to a client that verifies; a renewal forced as `cmctl renew` does it; the
// Secret's new serial; the new serial served. Every wait watches the API or a TLS handshake.
import { X509Certificate } from 'node:crypto';
import { fetchServedChain, type ServedChain } from '../host/tls-probe.ts';
import { pollUntil } from '../host/wait.ts';
import { condition, TRAEFIK_HTTPS_PORT, type KubeCluster, type KubeObject } from '../kube/index.ts';
import { GATEWAY_HTTPS_PORT, type Platform } from './connect.ts';
import type { PlatformLayout } from './layout.ts';

const CERT_MANAGER = 'cert-manager.io/v1';
/** Gateway API: an HTTPRoute names at most 16 hostnames. */
const HOSTNAMES_PER_ROUTE = 16;

export const certificatesPath = (namespace: string) => `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates`;
const secretsPath = (namespace: string) => `/api/v1/namespaces/${namespace}/secrets`;

export interface CertificateSpec {
  name: string;
  secretName: string;
  dnsNames: string[];
  /** A ClusterIssuer. */
  issuer: string;
  duration?: string;
  renewBefore?: string;
  rotationPolicy?: 'Always' | 'Never';
}

/** An explicit Certificate, ECDSA P-256 as the platform's own (and as the direct Vault sign compared with it). */
export function certificateManifest(namespace: string, c: CertificateSpec): KubeObject {
  return {
    apiVersion: CERT_MANAGER, kind: 'Certificate', metadata: { name: c.name, namespace },
    spec: {
      secretName: c.secretName, dnsNames: c.dnsNames, commonName: c.dnsNames[0],
      ...(c.duration ? { duration: c.duration } : {}), ...(c.renewBefore ? { renewBefore: c.renewBefore } : {}),
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: c.rotationPolicy ?? 'Always' },
      issuerRef: { name: c.issuer, kind: 'ClusterIssuer', group: 'cert-manager.io' },
    },
  };
}

export interface ListenerSpec { name: string; hostname: string; secretName: string }

/**
 * A Gateway with one HTTPS listener per hostname, each terminating TLS with its Secret. With `clusterIssuer`
 * it carries cert-manager's annotation, and gateway-shim makes one Certificate per listener, named after
 * its Secret.
 */
export function gatewayManifest(namespace: string, name: string, gatewayClass: string, listeners: ListenerSpec[], clusterIssuer?: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway',
    metadata: { name, namespace, ...(clusterIssuer ? { annotations: { 'cert-manager.io/cluster-issuer': clusterIssuer } } : {}) },
    spec: {
      gatewayClassName: gatewayClass,
      listeners: listeners.map((l) => ({
        name: l.name, hostname: l.hostname, protocol: 'HTTPS', port: TRAEFIK_HTTPS_PORT,
        allowedRoutes: { namespaces: { from: 'Same' } },
        tls: { mode: 'Terminate', certificateRefs: [{ name: l.secretName }] },
      })),
    },
  };
}

/**
 * HTTPRoutes on the public Gateway's HTTP listener for `hostnames`, from `namespace`: External-DNS
 * publishes their A records, as an application's routes publish its names before it asks for certificates.
 */
export function publishedNamesRoutes(layout: PlatformLayout, namespace: string, name: string, hostnames: string[]): KubeObject[] {
  const routes: KubeObject[] = [];
  for (let i = 0; i < hostnames.length; i += HOSTNAMES_PER_ROUTE) {
    routes.push({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: `${name}-${i / HOSTNAMES_PER_ROUTE}`, namespace },
      spec: { parentRefs: [{ name: layout.gateways.public, namespace: layout.namespace, sectionName: 'http' }], hostnames: hostnames.slice(i, i + HOSTNAMES_PER_ROUTE) },
    });
  }
  return routes;
}

/** A name a client asks for under a listener's hostname: the hostname, or a name its wildcard covers. */
export function nameUnder(hostname: string): string {
  return hostname.startsWith('*.') ? `probe${hostname.slice(1)}` : hostname;
}

const readyTrue = (o: KubeObject) => condition(o, 'Ready')?.status === 'True';
const explainReady = (o: KubeObject) => {
  const c = condition(o, 'Ready');
  return c ? `Ready=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}` : 'no Ready condition yet';
};

/**
 * Watches the Certificates until every one is Ready; `onReady` hears of each the moment the watch sees it
 * Ready (the condition's lastTransitionTime has whole seconds: it only bounds a moment seen late). Resolves
 * with those moments.
 */
export async function watchCertificatesReady(kubeCluster: KubeCluster, namespace: string, names: string[], timeoutMs: number, onReady?: (name: string, at: number) => void): Promise<Map<string, number>> {
  const readyAt = new Map<string, number>();
  await kubeCluster.waitUntil({
    path: certificatesPath(namespace), names, explain: explainReady, timeoutMs,
    what: names.length === 1 ? `Certificate ${namespace}/${names[0]} Ready` : `${names.length} Certificates in ${namespace} Ready`,
    ready: (o) => {
      const name = o.metadata?.name ?? '';
      if (!readyTrue(o)) return false;
      if (!readyAt.has(name)) {
        // Seen late (the watch was re-listed after it broke): the condition's own time, whole seconds, bounds it.
        const since = Date.parse(condition(o, 'Ready')?.lastTransitionTime ?? '');
        readyAt.set(name, Number.isFinite(since) ? Math.min(Date.now(), since + 999) : Date.now());
        onReady?.(name, readyAt.get(name)!);
      }
      return true;
    },
  });
  return readyAt;
}

/** The leaf a Secret holds now. */
export async function secretLeaf(kubeCluster: KubeCluster, namespace: string, secretName: string): Promise<X509Certificate> {
  const s = await kubeCluster.get<KubeObject>(`${secretsPath(namespace)}/${secretName}`);
  const pem = s.data?.['tls.crt'];
  if (!pem) throw new Error(`Secret ${namespace}/${secretName} has no tls.crt`);
  return new X509Certificate(Buffer.from(pem, 'base64'));
}

/** Watches the Secret until its leaf is not `oldSerial`; resolves with the moment seen and the new leaf. */
export async function waitSecretRenewed(kubeCluster: KubeCluster, namespace: string, secretName: string, oldSerial: string, timeoutMs: number): Promise<{ at: number; leaf: X509Certificate }> {
  let found: { at: number; leaf: X509Certificate } | undefined;
  await kubeCluster.waitUntil({
    path: secretsPath(namespace), names: [secretName], timeoutMs,
    what: `Secret ${namespace}/${secretName} to hold a certificate other than serial ${oldSerial}`,
    explain: () => `still serial ${oldSerial}`,
    ready: (s) => {
      const pem = s.data?.['tls.crt'];
      if (!pem) return false;
      const leaf = new X509Certificate(Buffer.from(pem, 'base64'));
      if (leaf.serialNumber === oldSerial) return false;
      found ??= { at: Date.now(), leaf };
      return true;
    },
  });
  return found!;
}

export interface ServedProbe {
  /** SNI, and the name the served leaf must be valid for. */
  servername: string;
  /** PEM trust anchor of the issuer: the only one that verifies. */
  anchor: string;
}

/**
 * Polls a verifying TLS handshake with the Gateway until it serves `serial`; resolves with the moment it
 * did and the chain.
 */
export async function waitServed(platform: Platform, probe: ServedProbe, serial: string, timeoutMs: number, signal?: AbortSignal): Promise<{ at: number; served: ServedChain }> {
  return pollUntil(async () => {
    const served = await fetchServedChain({ host: platform.gatewayAddress, port: GATEWAY_HTTPS_PORT, servername: probe.servername, ca: probe.anchor, ...(signal ? { signal } : {}) });
    if (served.serial !== serial) throw new Error(`serves serial ${served.serial}`);
    return { at: Date.now(), served };
  }, { timeoutMs, intervalMs: 200, what: `the Gateway to serve ${probe.servername} with serial ${serial} to a verifying client`, ...(signal ? { signal } : {}) });
}

/**
 * Forces a renewal as `cmctl renew` does (cert-manager v1.11.5 cmd/ctl/pkg/renew/renew.go): the
 * Certificate's Issuing condition set True, reason ManuallyTriggered, through the status subresource.
 * Resolves with the moment of the trigger.
 */
export async function forceRenewal(kubeCluster: KubeCluster, namespace: string, name: string): Promise<number> {
  const path = `${certificatesPath(namespace)}/${name}`;
  const crt = await kubeCluster.get<KubeObject>(path);
  const at = Date.now();
  await kubeCluster.replaceStatus(path, manuallyTriggered(crt, new Date(at)));
  return at;
}

/** The Certificate with its Issuing condition True, reason ManuallyTriggered, the other conditions kept. Pure. */
export function manuallyTriggered(crt: KubeObject, now: Date): KubeObject {
  const previous = condition(crt, 'Issuing');
  const issuing = {
    type: 'Issuing', status: 'True', reason: 'ManuallyTriggered', message: 'Certificate re-issuance manually triggered',
    // As cert-manager's SetCertificateCondition: no transition, no new lastTransitionTime (whole seconds, as metav1.Time).
    lastTransitionTime: previous?.status === 'True' ? previous.lastTransitionTime : now.toISOString().replace(/\.\d+Z$/, 'Z'),
    observedGeneration: crt.metadata?.generation,
  };
  const conditions = [...(crt.status?.conditions ?? []).filter((c: { type: string }) => c.type !== 'Issuing'), issuing];
  return { ...crt, status: { ...crt.status, conditions } };
}

/**
 * Watches the namespace's CertificateRequests until `count` are Ready; resolves with, per Certificate, how
 * long its request took from first seen to Ready (both as the watch saw them): the issuer's part of the path.
 */
export async function watchCertificateRequests(kubeCluster: KubeCluster, namespace: string, count: number, timeoutMs: number): Promise<Map<string, number>> {
  const seenAt = new Map<string, number>();
  const took = new Map<string, number>();
  await kubeCluster.waitUntil({
    path: `/apis/cert-manager.io/v1/namespaces/${namespace}/certificaterequests`, timeoutMs, ready: readyTrue,
    what: `${count} CertificateRequests in ${namespace} Ready`,
    all: (requests) => {
      for (const cr of requests) {
        const name = cr.metadata?.name ?? '';
        if (!seenAt.has(name)) seenAt.set(name, Date.now());
        const certificate = cr.metadata?.annotations?.['cert-manager.io/certificate-name'] ?? name;
        if (readyTrue(cr) && !took.has(certificate)) took.set(certificate, Date.now() - seenAt.get(name)!);
      }
      return took.size >= count;
    },
  });
  return took;
}

/** CertificateRequests in the namespace, counted by the Certificate that asked for them. */
export async function certificateRequestsPerCertificate(kubeCluster: KubeCluster, namespace: string): Promise<Map<string, number>> {
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(`/apis/cert-manager.io/v1/namespaces/${namespace}/certificaterequests`);
  const counts = new Map<string, number>();
  for (const cr of items) {
    const owner = cr.metadata?.annotations?.['cert-manager.io/certificate-name'] ?? '(none)';
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return counts;
}

export interface Renewal {
  oldLeaf: X509Certificate;
  newLeaf: X509Certificate;
  /** When the Secret was seen holding the new certificate. */
  renewedAt: number;
  /** When the Gateway first served it to a verifying client. */
  servedAt: number;
  served: ServedChain;
}

/**
 * Follows one renewal of the certificate in Secret `secretName`: `trigger` (a forced renewal, or nothing
 * when cert-manager is to renew it by itself), the Secret's new serial, the Gateway serving it.
 */
export async function followRenewal(platform: Platform, namespace: string, secretName: string, probe: ServedProbe, timeoutMs: number, signal?: AbortSignal, trigger?: () => Promise<unknown>): Promise<Renewal> {
  const deadline = Date.now() + timeoutMs;
  const oldLeaf = await secretLeaf(platform.kubeCluster, namespace, secretName);
  const renewed = waitSecretRenewed(platform.kubeCluster, namespace, secretName, oldLeaf.serialNumber, timeoutMs);
  renewed.catch(() => undefined);
  await trigger?.();
  const { at: renewedAt, leaf: newLeaf } = await renewed;
  const { at: servedAt, served } = await waitServed(platform, probe, newLeaf.serialNumber, deadline - Date.now(), signal);
  return { oldLeaf, newLeaf, renewedAt, servedAt, served };
}

/** The same key pair in both certificates. Pure. */
export function sameKey(a: X509Certificate, b: X509Certificate): boolean {
  return a.publicKey.export({ type: 'spki', format: 'der' }).equals(b.publicKey.export({ type: 'spki', format: 'der' }));
}

/** When cert-manager plans to renew the Certificate (status.renewalTime), ms since the epoch. */
export async function plannedRenewal(kubeCluster: KubeCluster, namespace: string, name: string): Promise<number> {
  const crt = await kubeCluster.get<KubeObject>(`${certificatesPath(namespace)}/${name}`);
  const at = Date.parse(crt.status?.renewalTime ?? '');
  if (!Number.isFinite(at)) throw new Error(`Certificate ${namespace}/${name} has no status.renewalTime`);
  return at;
}

/** The Gateway's data plane (Traefik's pods) as names, uids and restart counts: equal before and after means no restart. */
export async function gatewayPods(kubeCluster: KubeCluster): Promise<string> {
  const { items } = await kubeCluster.get<{ items: KubeObject[] }>(`/api/v1/namespaces/${kubeCluster.layout.namespaces.traefik}/pods`);
  return items.map((p) => `${p.metadata?.name} (uid ${p.metadata?.uid}, ${(p.status?.containerStatuses ?? []).reduce((n: number, c: { restartCount: number }) => n + c.restartCount, 0)} restarts)`).sort().join(', ');
}
