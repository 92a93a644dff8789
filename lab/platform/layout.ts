import type { LabConfig } from '../config/schema.ts';

/**
 * Names of the reference platform in the kind cluster, for one lab: the ClusterIssuers, the Gateways and
 * where they live, and the Secrets the issuers read. Pure: derived from the configuration only. The
 * manifests themselves are fixtures/platform/*.yaml, filled with these names.
 */
export interface PlatformLayout {
  /** Namespace of the Gateways, their Certificates and the echo backend. */
  namespace: string;
  externalDnsNamespace: string;
  issuers: { vault: string; http01: string; dns01: string };
  /** The intermediate-expiry drill's Vault ClusterIssuer (fixtures/platform/drill-issuer.yaml), present only while it runs. */
  drillIssuer: string;
  gateways: { public: string; private: string };
  /** The explicit Certificate behind the private Gateway. */
  privateCertificate: string;
  /** Secrets in cert-manager's namespace that the ClusterIssuers read. */
  secrets: { vaultAppRole: string; tsig: string };
  /** External-DNS's TXT registry owner: records it made carry it, others are never touched. */
  txtOwnerId: string;
  publicZone: string;
  privateZone: string;
}

export const PLATFORM_NAMESPACE = 'platform';
export const EXTERNAL_DNS_NAMESPACE = 'external-dns';

export function platformLayout(config: LabConfig): PlatformLayout {
  return {
    namespace: PLATFORM_NAMESPACE,
    externalDnsNamespace: EXTERNAL_DNS_NAMESPACE,
    issuers: { vault: 'vault-private', http01: 'pebble-http01', dns01: 'pebble-dns01' },
    drillIssuer: 'vault-drill',
    gateways: { public: 'platform-public', private: 'platform-private' },
    privateCertificate: 'private-gateway-certificate',
    secrets: { vaultAppRole: 'certlab-vault-approle', tsig: 'certlab-rfc2136-tsig' },
    txtOwnerId: `certlab-${config.name}`,
    publicZone: config.domains.public,
    privateZone: config.domains.private,
  };
}
