// A handle on the running platform: its Gateways' HTTPS listeners, the Secrets behind them, and what a
// verifying TLS client gets from each, against the trust anchor of the issuer that signed it.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { pebbleRoots } from '../acme/index.ts';
import type { LabContext } from '../context.ts';
import { fetchServedChain, type ServedChain } from '../host/tls-probe.ts';
import { connectKubeCluster, type KubeCluster, type KubeObject } from '../kube/index.ts';
import { pkiFiles } from '../pki/lab-pki.ts';
import { platformLayout, type PlatformLayout } from './layout.ts';
import { httpsListeners, type HttpsListener } from './manifests.ts';

/** The port the Gateways' HTTPS listeners answer on at the gateway address (the Traefik Service's). */
export const GATEWAY_HTTPS_PORT = 443;

export interface TlsSecret {
  name: string;
  tlsCrt: string;
  caCrt?: string;
  leaf: X509Certificate;
  /** The ClusterIssuer or Issuer cert-manager wrote it with (its annotation). */
  issuer?: string;
}

export interface ServedListener {
  listener: HttpsListener;
  /** The SNI sent: the listener's hostname, or a name of its certificate under a wildcard listener. */
  servername: string;
  served: ServedChain;
  secret: TlsSecret;
}

export interface Platform {
  layout: PlatformLayout;
  kubeCluster: KubeCluster;
  /** Where the Gateways answer on ports 80 and 443, and the address External-DNS publishes. */
  gatewayAddress: string;
  /** The HTTPS listeners of the Gateways in the platform's namespace, as they are now. */
  listeners(): Promise<HttpsListener[]>;
  tlsSecret(name: string): Promise<TlsSecret>;
  /** PEM trust anchor of a ClusterIssuer: Pebble's current root for ACME issuers, the offline root for Vault. */
  trustAnchor(issuer: string): Promise<string>;
  /** Connects with SNI to the listener, verifying against its issuer's trust anchor only. */
  served(listener: HttpsListener, signal?: AbortSignal): Promise<ServedListener>;
}

export function gatewaysPath(namespace: string): string {
  return `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/gateways`;
}

/** The name a client asks for on a listener: its hostname, or under a wildcard one a name of the certificate it matches. */
export function listenerServername(listener: HttpsListener, leaf: X509Certificate): string {
  if (!listener.hostname.startsWith('*.')) return listener.hostname;
  const suffix = listener.hostname.slice(1);
  const names = (leaf.subjectAltName ?? '').split(', ').filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
  const name = names.find((n) => !n.startsWith('*') && n.endsWith(suffix) && !n.slice(0, -suffix.length).includes('.'));
  if (!name) throw new Error(`the certificate of listener ${listener.gateway}/${listener.listener} has no name under ${listener.hostname}`);
  return name;
}

/** A handle on the platform in `kubeCluster` (see connectPlatform for scenarios). */
export function platformHandle(ctx: LabContext, kubeCluster: KubeCluster): Platform {
  const layout = platformLayout(ctx.config);
  const platform: Platform = {
    layout, kubeCluster, gatewayAddress: kubeCluster.nodeAddress,
    async listeners() {
      const { items } = await kubeCluster.get<{ items: KubeObject[] }>(gatewaysPath(layout.namespace));
      return httpsListeners(items);
    },
    async tlsSecret(name) {
      const s = await kubeCluster.get<KubeObject>(`/api/v1/namespaces/${layout.namespace}/secrets/${name}`);
      const decode = (k: string) => (s.data?.[k] ? Buffer.from(s.data[k], 'base64').toString('utf8') : undefined);
      const tlsCrt = decode('tls.crt');
      if (!tlsCrt) throw new Error(`Secret ${layout.namespace}/${name} has no tls.crt`);
      const caCrt = decode('ca.crt');
      const issuer = s.metadata?.annotations?.['cert-manager.io/issuer-name'];
      return { name, tlsCrt, ...(caCrt ? { caCrt } : {}), leaf: new X509Certificate(tlsCrt), ...(issuer ? { issuer } : {}) };
    },
    async trustAnchor(issuer) {
      if (issuer === layout.issuers.vault) return readFile(pkiFiles(ctx.paths).rootCert, 'utf8');
      return (await pebbleRoots(ctx)).root;
    },
    async served(listener, signal) {
      const secret = await platform.tlsSecret(listener.secret);
      if (!secret.issuer) throw new Error(`Secret ${listener.secret} carries no cert-manager issuer annotation`);
      const servername = listenerServername(listener, secret.leaf);
      const served = await fetchServedChain({
        host: platform.gatewayAddress, port: GATEWAY_HTTPS_PORT, servername, ca: await platform.trustAnchor(secret.issuer), ...(signal ? { signal } : {}),
      });
      return { listener, servername, served, secret };
    },
  };
  return platform;
}

/** The running platform for a scenario; its watches stop when the run releases what it started. */
export async function connectPlatform(ctx: LabContext): Promise<Platform> {
  return platformHandle(ctx, await connectKubeCluster(ctx));
}
