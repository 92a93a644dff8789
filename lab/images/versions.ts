// The versions a configuration may choose, and the ones this machine builds from source. Builds are
// pinned (scripts/images/*.sh fetch exact module versions and patch for them), so only these build here;
// any other version has to be pulled from its registry.
import { CERT_MANAGER_VERSION, KUBERNETES_VERSION, TRAEFIK_VERSION } from './kubernetes.ts';

export interface ImageVersions {
  kubernetes: string;
  certManager: string;
  pebble: string;
  traefik: string;
  openbao: string;
  vault: string;
}

/** The lab's defaults: exactly the versions scripts/images/ builds. */
export const BUILDABLE_VERSIONS: Readonly<ImageVersions> = {
  kubernetes: KUBERNETES_VERSION,
  certManager: CERT_MANAGER_VERSION,
  pebble: '2.10.1',
  traefik: TRAEFIK_VERSION,
  openbao: '2.4.0',
  vault: '1.21.4',
};

/** The configuration key that chooses each version, for messages that say what to change. */
export const VERSION_CONFIG_KEYS: Readonly<Record<keyof ImageVersions, string>> = {
  kubernetes: 'versions.kubernetes',
  certManager: 'versions.certManager',
  pebble: 'versions.pebble',
  traefik: 'versions.traefik',
  openbao: 'vault.version',
  vault: 'vault.version',
};

/** The part of the configuration that chooses versions (structurally; lab/config imports this module). */
export interface VersionedConfig {
  vault: { flavor: 'openbao' | 'vault'; version: string };
  versions: { kubernetes: string; certManager: string; pebble: string; traefik: string };
}

/** Every image version a configuration asks for; the Vault flavour it does not run keeps its default. */
export function configuredVersions(config: VersionedConfig): ImageVersions {
  return {
    ...config.versions,
    openbao: config.vault.flavor === 'openbao' ? config.vault.version : BUILDABLE_VERSIONS.openbao,
    vault: config.vault.flavor === 'vault' ? config.vault.version : BUILDABLE_VERSIONS.vault,
  };
}
