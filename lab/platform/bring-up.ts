// Bringing the reference platform up in the kind cluster, each step timed into timings.json (group
// `platform`):
//   platform inputs -> manifests applied -> issuers ready | external-dns ready | echo ready | gateways
//   programmed -> certificates ready -> public names published -> gateways serve
// ("|": side by side). Every wait watches the API, DNS or a TLS handshake; none sleeps.
import { ACME_PORT, acmeLayout } from '../acme/layout.ts';
import type { LabContext } from '../context.ts';
import { labDns, resolveA } from '../dns/index.ts';
import { LabError } from '../errors.ts';
import { pollUntil } from '../host/wait.ts';
import { imageByKey } from '../images/catalog.ts';
import { condition, deploymentAvailable, explainDeployment, openKubeCluster, type KubeCluster, type KubeObject } from '../kube/index.ts';
import { pkiFiles } from '../pki/lab-pki.ts';
import { loadSecret } from '../vault/secrets.ts';
import { CERT_MANAGER_APPROLE, ISSUER_MOUNT, PKI_ROLE } from '../vault/pki-layout.ts';
import { vaultLbLayout } from '../vault/lb/layout.ts';
import { readFile } from 'node:fs/promises';
import { gatewaysPath, platformHandle, type Platform } from './connect.ts';
import { platformLayout, type PlatformLayout } from './layout.ts';
import { httpsListeners, renderPlatform, type HttpsListener, type PlatformInputs } from './manifests.ts';

const GROUP = 'platform';
/** Limit of each wait. */
const WAIT_MS = 180_000;

export const ECHO_IMAGE_KEY = 'agnhost';
export const EXTERNAL_DNS_IMAGE_KEY = 'external-dns';

/** What the manifests take from the running lab: Vault's AppRole, the TSIG key, BIND's address, the lab's chain. */
export async function platformInputs(ctx: LabContext): Promise<PlatformInputs> {
  const [dns, approles, labCa] = await Promise.all([labDns(ctx), loadSecret(ctx.paths, 'approles'), readFile(pkiFiles(ctx.paths).caChain, 'utf8')]);
  const approle = approles?.[CERT_MANAGER_APPROLE];
  if (!approle) throw new LabError(`the Vault AppRole ${CERT_MANAGER_APPROLE} has no saved secret ID`, 'run `certlab up vault`');
  const lb = vaultLbLayout(ctx.config, ctx.paths);
  const acme = acmeLayout(ctx.config, ctx.paths);
  return {
    lab: ctx.config.name,
    vault: { server: `https://${lb.name}:${lb.listenPort}`, signPath: `${ISSUER_MOUNT}/sign/${PKI_ROLE}`, roleId: approle.roleId, secretId: approle.secretId },
    acmeDirectory: `https://${acme.tlsNames.dns[0]}:${ACME_PORT}/dir`,
    labCa,
    tsig: dns.key,
    bindAddress: dns.bindIp,
    images: { echo: imageByKey(ECHO_IMAGE_KEY).ref, externalDns: imageByKey(EXTERNAL_DNS_IMAGE_KEY).ref },
  };
}

const conditionTrue = (type: string) => (o: KubeObject): boolean => condition(o, type)?.status === 'True';
const explainCondition = (type: string) => (o: KubeObject): string => {
  const c = condition(o, type);
  return c ? `${type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}` : `no ${type} condition yet`;
};

/** The platform's ClusterIssuers (or those named) Ready. */
export function waitIssuersReady(kubeCluster: KubeCluster, layout: PlatformLayout, timeoutMs: number, names: string[] = Object.values(layout.issuers)): Promise<number> {
  return kubeCluster.waitUntil({
    path: '/apis/cert-manager.io/v1/clusterissuers', names, ready: conditionTrue('Ready'),
    explain: explainCondition('Ready'), what: `the ClusterIssuers ${names.join(', ')} Ready`, timeoutMs,
  });
}

export function waitCertificatesReady(kubeCluster: KubeCluster, namespace: string, names: string[], timeoutMs: number): Promise<number> {
  return kubeCluster.waitUntil({
    path: `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates`, names, ready: conditionTrue('Ready'),
    explain: explainCondition('Ready'), what: `Certificates ${names.join(', ')} Ready`, timeoutMs,
  });
}

function waitDeployments(kubeCluster: KubeCluster, namespace: string, names: string[], timeoutMs: number): Promise<number> {
  return kubeCluster.waitUntil({
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`, names, ready: deploymentAvailable,
    explain: explainDeployment, what: `Deployment(s) ${names.join(', ')} in ${namespace} available`, timeoutMs,
  });
}

function waitGatewaysProgrammed(kubeCluster: KubeCluster, layout: PlatformLayout, timeoutMs: number): Promise<number> {
  return kubeCluster.waitUntil({
    path: gatewaysPath(layout.namespace), names: Object.values(layout.gateways), ready: conditionTrue('Programmed'),
    explain: explainCondition('Programmed'), what: 'the platform Gateways Programmed', timeoutMs,
  });
}

/** Each public listener's hostname answers, through the lab's resolver, with the Gateway's address. */
export async function waitPublicNames(ctx: LabContext, platform: Platform, hostnames: string[], timeoutMs: number): Promise<void> {
  const { resolver } = await labDns(ctx);
  await pollUntil(async () => {
    for (const name of hostnames) {
      const addresses = await resolveA(resolver, name, 1_000);
      if (!addresses.includes(platform.gatewayAddress)) throw new Error(`${name}: ${addresses.join(', ') || 'no A record'}`);
    }
    return true;
  }, { timeoutMs, intervalMs: 250, what: `External-DNS's A records for ${hostnames.join(', ')} (${platform.gatewayAddress}) through the lab's resolver`, signal: ctx.signal });
}

/** Every HTTPS listener serves, to a client that verifies, the certificate its Secret holds. */
export async function waitListenersServe(ctx: LabContext, platform: Platform, listeners: HttpsListener[], timeoutMs: number): Promise<void> {
  await Promise.all(listeners.map((l) => pollUntil(async () => {
    const s = await platform.served(l, ctx.signal);
    if (s.served.serial !== s.secret.leaf.serialNumber) throw new Error(`serves serial ${s.served.serial}, the Secret holds ${s.secret.leaf.serialNumber}`);
    return true;
  }, { timeoutMs, intervalMs: 250, what: `Gateway ${l.gateway} listener ${l.listener} to serve the certificate of Secret ${l.secret}`, signal: ctx.signal })));
}

/**
 * Applies the platform (issuers, External-DNS, echo, Gateways and the private Certificate) and waits until
 * the issuers are Ready, every Certificate Ready, the public names published and each Gateway listener
 * serving its Secret's certificate to a verifying client. Needs the dns, acme, vault and cluster components.
 */
export async function startPlatform(ctx: LabContext): Promise<Platform> {
  const { steps } = ctx;
  const layout = platformLayout(ctx.config);
  const kubeCluster = await openKubeCluster(ctx);
  const platform = platformHandle(ctx, kubeCluster);

  ctx.progress('issuers, External-DNS, echo, Gateways');
  const manifests = await steps.time(GROUP, 'manifests applied', async () => {
    const rendered = await renderPlatform(layout, kubeCluster.layout, await platformInputs(ctx));
    // Namespaces first; each fixture's objects in their order.
    await kubeCluster.apply([...rendered.gateways, ...rendered['external-dns']].filter((o) => o.kind === 'Namespace'));
    for (const objects of [rendered.issuers, rendered['external-dns'], rendered.echo, rendered.gateways]) {
      await kubeCluster.apply(objects.filter((o) => o.kind !== 'Namespace'));
    }
    return rendered;
  });
  const listeners = httpsListeners(manifests.gateways);
  const publicHostnames = listeners.filter((l) => l.gateway === layout.gateways.public).map((l) => l.hostname);
  const certificates = [...new Set(listeners.map((l) => l.secret))];

  ctx.progress('issuers Ready, Gateways programmed');
  await Promise.all([
    steps.time(GROUP, 'issuers ready', () => waitIssuersReady(kubeCluster, layout, WAIT_MS)),
    steps.time(GROUP, 'external-dns ready', () => waitDeployments(kubeCluster, layout.externalDnsNamespace, ['external-dns'], WAIT_MS)),
    steps.time(GROUP, 'echo ready', () => waitDeployments(kubeCluster, layout.namespace, ['echo'], WAIT_MS)),
    steps.time(GROUP, 'gateways programmed', () => waitGatewaysProgrammed(kubeCluster, layout, WAIT_MS)),
    steps.time(GROUP, 'public names published', () => waitPublicNames(ctx, platform, publicHostnames, WAIT_MS)),
  ]);
  ctx.progress(`Certificates ${certificates.join(', ')}`);
  // gateway-shim names each Certificate after its listener's Secret; the explicit one shares its Secret's name too.
  const certificateNames = certificates.map((secret) => manifests.gateways.find((o) => o.kind === 'Certificate' && o.spec?.secretName === secret)?.metadata?.name ?? secret);
  await steps.time(GROUP, 'certificates ready', () => waitCertificatesReady(kubeCluster, layout.namespace, certificateNames, WAIT_MS));
  ctx.progress('Gateways serve');
  await steps.time(GROUP, 'gateways serve', () => waitListenersServe(ctx, platform, listeners, WAIT_MS));
  ctx.progress(`platform ready: Gateways at ${platform.gatewayAddress} (${listeners.map((l) => l.hostname).join(', ')})`);
  return platform;
}
