import type { VaultClient } from './api.ts';
import { PKI_MOUNT } from './pki-layout.ts';

/** The issuing CA's subject, the same in every mount the lab makes one in. */
export const ISSUING_CA_SUBJECT = { common_name: 'certlab Vault Issuer', organization: 'certlab' } as const;

/** The lab's issuing CA lives 3 years (its intermediate 5). */
export const ISSUING_CA_TTL = '26280h';

export interface IssuingCa {
  /** The issuer's id in its mount (now the mount's default). */
  issuerId: string;
  /** PEM of the issuing CA's certificate. */
  certificate: string;
}

export interface IssuingCaOptions {
  /** Where in `pki` the CSR is signed: `root/sign-intermediate` (the default issuer) or `issuer/<id>/sign-intermediate`. */
  signPath: string;
  /** The issuing CA's lifetime, as Vault takes a TTL (`26280h`, `150s`). */
  ttl: string;
  /** The PEMs above it, up to the root, for the mount's chain; default: the chain `pki` answers with. */
  chainAbove?: string[];
  /** The mount holding the offline-signed intermediate that signs it (default `pki`; under the lab's prefix on a user's Vault). */
  pkiMount?: string;
}

/**
 * A new issuing CA in `mount` as the article's management step makes one: the mount makes its own key and
 * CSR, the `pki` mount (the offline-signed intermediate) signs it (path length 0), the mount is set with the
 * whole chain and the new issuer becomes its default. Issuers already there stay, so what they issued
 * still verifies.
 */
export async function newIssuingCa(admin: VaultClient, mount: string, opts: IssuingCaOptions): Promise<IssuingCa> {
  const csr = await admin.write(`${mount}/intermediate/generate/internal`, { ...ISSUING_CA_SUBJECT, key_type: 'ec', key_bits: 256 });
  const signed = await admin.write(`${opts.pkiMount ?? PKI_MOUNT}/${opts.signPath}`, { csr: csr.data.csr, common_name: ISSUING_CA_SUBJECT.common_name, ttl: opts.ttl, format: 'pem_bundle', max_path_length: 0 });
  const certificate = signed.data.certificate as string;
  const above = opts.chainAbove ?? (signed.data.ca_chain as string[]);
  const set = await admin.write(`${mount}/intermediate/set-signed`, { certificate: [certificate, ...above].join('\n') });
  const issuerId = (set.data.imported_issuers as string[])[0]!;
  await admin.write(`${mount}/config/issuers`, { default: issuerId });
  return { issuerId, certificate };
}
