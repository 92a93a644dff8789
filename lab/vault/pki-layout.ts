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
