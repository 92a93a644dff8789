/** Mounts, role and AppRoles of the lab's private PKI, named as in the article's management step. */
export const PKI_MOUNT = 'pki';
export const ISSUER_MOUNT = 'pki_private_issuer';
export const PKI_ROLE = 'certlab';
export const CERT_MANAGER_APPROLE = 'cert-manager';
export const SNAPSHOT_APPROLE = 'snapshot-agent';
export const TRANSIT_KEY = 'autounseal';
