// The platform's manifests: fixtures/platform/*.yaml filled with the lab's names, addresses and secrets,
// each object labelled with the lab, so `certlab down` and a user's `kubectl -l certlab.lab=<lab>` find it.
import { renderFixture } from '../fixtures.ts';
import { LAB_LABEL } from '../host/docker.ts';
import { parseYamlDocuments, withLabels, type KubeObject } from '../kube/api.ts';
import type { KubeClusterLayout } from '../kube/layout.ts';
import { TRAEFIK_HTTP_PORT, TRAEFIK_HTTPS_PORT } from '../kube/addons/traefik.ts';
import type { TsigKey } from '../dns/tsig.ts';
import type { PlatformLayout } from './layout.ts';

export const PLATFORM_FIXTURES = ['issuers', 'external-dns', 'echo', 'gateways'] as const;
/** Fixtures a scenario applies for itself, beside the platform's. */
export const SCENARIO_FIXTURES = ['drill-issuer'] as const;
export type PlatformFixture = (typeof PLATFORM_FIXTURES)[number];
export type ScenarioFixture = (typeof SCENARIO_FIXTURES)[number];

/** What the manifests need from the running lab. */
export interface PlatformInputs {
  lab: string;
  vault: { server: string; signPath: string; roleId: string; secretId: string };
  acmeDirectory: string;
  /** PEM of the lab's chain: verifies Vault's and Pebble's HTTPS. */
  labCa: string;
  tsig: TsigKey;
  /** BIND on the lab network. */
  bindAddress: string;
  images: { echo: string; externalDns: string };
}

/** cert-manager names TSIG algorithms its own way (pkg/issuer/acme/dns/rfc2136). */
const CERT_MANAGER_TSIG = { 'hmac-sha256': 'HMACSHA256', 'hmac-sha512': 'HMACSHA512', 'hmac-sha1': 'HMACSHA1' } as Record<string, string>;

const b64 = (s: string) => Buffer.from(s).toString('base64');

export function platformVars(layout: PlatformLayout, kube: KubeClusterLayout, i: PlatformInputs): Record<string, string | number> {
  const certManagerTsigAlgorithm = CERT_MANAGER_TSIG[i.tsig.algorithm];
  if (!certManagerTsigAlgorithm) throw new Error(`cert-manager's RFC 2136 solver has no TSIG algorithm ${i.tsig.algorithm}`);
  return {
    namespace: layout.namespace,
    externalDnsNamespace: layout.externalDnsNamespace,
    certManagerNamespace: kube.namespaces.certManager,
    gatewayClass: kube.gatewayClass,
    httpPort: TRAEFIK_HTTP_PORT,
    httpsPort: TRAEFIK_HTTPS_PORT,
    publicZone: layout.publicZone,
    privateZone: layout.privateZone,
    vaultIssuer: layout.issuers.vault,
    drillIssuer: layout.drillIssuer,
    http01Issuer: layout.issuers.http01,
    dns01Issuer: layout.issuers.dns01,
    publicGateway: layout.gateways.public,
    privateGateway: layout.gateways.private,
    vaultAppRoleSecret: layout.secrets.vaultAppRole,
    tsigSecret: layout.secrets.tsig,
    txtOwnerId: layout.txtOwnerId,
    vaultServer: i.vault.server,
    vaultSignPath: i.vault.signPath,
    vaultRoleId: i.vault.roleId,
    vaultSecretIdBase64: b64(i.vault.secretId),
    acmeDirectory: i.acmeDirectory,
    labCaBase64: b64(i.labCa),
    tsigKeyName: i.tsig.name,
    tsigAlgorithm: i.tsig.algorithm,
    certManagerTsigAlgorithm,
    tsigSecretBase64: b64(i.tsig.secret),
    bindAddress: i.bindAddress,
    echoImage: i.images.echo,
    externalDnsImage: i.images.externalDns,
  };
}

export function withLabLabel(objects: KubeObject[], lab: string): KubeObject[] {
  return withLabels(objects, { [LAB_LABEL]: lab });
}

export async function renderPlatformFixture(fixture: PlatformFixture | ScenarioFixture, vars: Record<string, string | number>, lab: string): Promise<KubeObject[]> {
  return withLabLabel(parseYamlDocuments(await renderFixture(`platform/${fixture}.yaml`, vars)), lab);
}

/** Every manifest of the platform, by fixture. */
export async function renderPlatform(layout: PlatformLayout, kube: KubeClusterLayout, inputs: PlatformInputs): Promise<Record<PlatformFixture, KubeObject[]>> {
  const vars = platformVars(layout, kube, inputs);
  const entries = await Promise.all(PLATFORM_FIXTURES.map(async (f) => [f, await renderPlatformFixture(f, vars, inputs.lab)] as const));
  return Object.fromEntries(entries) as Record<PlatformFixture, KubeObject[]>;
}

export interface HttpsListener { gateway: string; listener: string; hostname: string; secret: string }

/** The HTTPS listeners of the rendered Gateways: what each serves and from which Secret. */
export function httpsListeners(objects: KubeObject[]): HttpsListener[] {
  return objects.filter((o) => o.kind === 'Gateway').flatMap((g) => (g.spec?.listeners ?? [])
    .filter((l: { protocol: string }) => l.protocol === 'HTTPS')
    .map((l: { name: string; hostname?: string; tls?: { certificateRefs?: Array<{ name: string }> } }) => ({
      gateway: g.metadata!.name!, listener: l.name, hostname: l.hostname ?? '', secret: l.tls?.certificateRefs?.[0]?.name ?? '',
    })));
}
