import type { LabConfig } from '../config/schema.ts';

/** Mounts, role and AppRoles of the lab's private PKI, named as in the article's management step. */
export const PKI_MOUNT = 'pki';
export const ISSUER_MOUNT = 'pki_private_issuer';
/**
 * The intermediate-expiry drill's own issuing mount: a short-lived issuing CA under `pki`, made, rotated
 * and removed by the scenario, so the main issuer (ISSUER_MOUNT) that the other scenarios use is never touched.
 */
export const DRILL_ISSUER_MOUNT = 'pki_drill_issuer';
export const PKI_ROLE = 'certlab';
export const CERT_MANAGER_APPROLE = 'cert-manager';
export const SNAPSHOT_APPROLE = 'snapshot-agent';
export const TRANSIT_KEY = 'autounseal';

/**
 * Where the private PKI lives in a Vault. On the Vault the lab makes, the article's names; on the user's
 * own Vault (vault.address), everything under the lab's prefix (`certlab-<name>/pki`, an AppRole auth
 * method of its own at `certlab-<name>/approle`, policies `certlab-<name>-approle-cert-manager`), so the names
 * say whose they are and `certlab down` can remove exactly those.
 */
export interface PkiLayout {
  pkiMount: string;
  issuerMount: string;
  /** The intermediate-expiry drill's issuing mount (made and removed by that scenario, on the lab's Vault only). */
  drillIssuerMount: string;
  role: string;
  /** Path of the AppRole auth method (auth/<approleMount>/login). */
  approleMount: string;
  certManagerAppRole: string;
  /** The ACL policy name for one of the lab's AppRoles. */
  policy(appRole: string): string;
}

export const LAB_VAULT_PKI: PkiLayout = {
  pkiMount: PKI_MOUNT, issuerMount: ISSUER_MOUNT, drillIssuerMount: DRILL_ISSUER_MOUNT, role: PKI_ROLE, approleMount: 'approle', certManagerAppRole: CERT_MANAGER_APPROLE,
  policy: (appRole) => appRole,
};

/** The lab's own path on the user's Vault. */
export function userVaultPrefix(config: Pick<LabConfig, 'name'> & { vault: Pick<LabConfig['vault'], 'mountPrefix'> }): string {
  return config.vault.mountPrefix ?? `certlab-${config.name}`;
}

export function pkiLayout(config: Pick<LabConfig, 'name' | 'vault'>): PkiLayout {
  if (!config.vault.address) return LAB_VAULT_PKI;
  const prefix = userVaultPrefix(config);
  return {
    pkiMount: `${prefix}/${PKI_MOUNT}`, issuerMount: `${prefix}/${ISSUER_MOUNT}`, drillIssuerMount: `${prefix}/${DRILL_ISSUER_MOUNT}`, role: PKI_ROLE, approleMount: `${prefix}/approle`,
    certManagerAppRole: CERT_MANAGER_APPROLE, policy: (appRole) => `${prefix}-approle-${appRole}`,
  };
}
