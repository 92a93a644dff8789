import type { LabConfig } from '../config/schema.ts';
import { configuredImage } from '../images/catalog.ts';

/**
 * OpenBao and HashiCorp Vault differ here only: image, binary, the image's unprivileged user and data
 * directory, the CLI's environment prefix, and how an audit device is made. Everything else is one code
 * path.
 */
export interface VaultFlavor {
  name: LabConfig['vault']['flavor'];
  image: string;
  binary: string;
  /** The system user the official image's entrypoint drops to; the lab runs the servers as this user. */
  user: string;
  /** The image's data directory, owned by `user`: a fresh named volume mounted here takes that ownership. */
  dataDir: string;
  /** Prefix of the CLI's environment variables (`<prefix>_ADDR`, `_TOKEN`, `_CACERT`). */
  envPrefix: 'BAO' | 'VAULT';
  /**
   * Where the audit device is declared. OpenBao 2.4 refuses audit devices made through the API unless the
   * server sets `unsafe_allow_api_audit_creation` (CVE-2025-6000) and takes them from the server
   * configuration instead; HashiCorp Vault 1.21 has no such stanza and makes them through the API.
   */
  auditDevice: 'config' | 'api';
}

const FLAVOR_TRAITS: Record<LabConfig['vault']['flavor'], Pick<VaultFlavor, 'user' | 'dataDir' | 'envPrefix' | 'auditDevice'>> = {
  openbao: { user: 'openbao', dataDir: '/openbao/file', envPrefix: 'BAO', auditDevice: 'config' },
  vault: { user: 'vault', dataDir: '/vault/file', envPrefix: 'VAULT', auditDevice: 'api' },
};

/** The configured flavour at its configured version (vault.flavor, vault.version). */
export function vaultFlavor(config: LabConfig): VaultFlavor {
  const name = config.vault.flavor;
  const spec = configuredImage(config, name);
  return { name, image: spec.ref, binary: spec.binary!, ...FLAVOR_TRAITS[name] };
}

export interface VaultServer {
  /** Name on the lab network, in the certificate's SANs, and the Raft node id. */
  name: string;
  component: string;
  container: string;
  volume: string;
  hostPort: number;
}

export interface VaultTopology {
  flavor: VaultFlavor;
  clusterName: string;
  leaderTlsServername: string;
  nodes: VaultServer[];
  seal: VaultServer;
}

function server(lab: string, name: string, hostPort: number): VaultServer {
  return { name, component: name, container: `${lab}-${name}`, volume: `${lab}-${name}-data`, hostPort };
}

export function vaultTopology(config: LabConfig): VaultTopology {
  const base = config.ports.vaultBase;
  const portAt = (offset: number) => (base === 0 ? 0 : base + offset);
  return {
    flavor: vaultFlavor(config),
    clusterName: `${config.name}-vault`,
    leaderTlsServername: `vault.${config.domains.private}`,
    nodes: Array.from({ length: config.vault.nodes }, (_, i) => server(config.name, `vault-${i + 1}`, portAt(i))),
    seal: server(config.name, 'vault-seal', portAt(9)),
  };
}

/** Every name a Vault server answers to, for the shared server certificate. */
export function vaultTlsNames(topology: VaultTopology, privateDomain: string): { dns: string[]; ips: string[] } {
  const names = [...topology.nodes, topology.seal].map((s) => s.name);
  return {
    dns: [...names, ...names.map((n) => `${n}.${privateDomain}`), topology.leaderTlsServername, 'localhost'],
    ips: ['127.0.0.1'],
  };
}
