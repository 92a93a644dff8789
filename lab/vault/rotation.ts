import { privateKeyPem } from '../pki/crypto.ts';
import { signNewIntermediate, type LabPki } from '../pki/lab-pki.ts';
import type { KeyedCertificate } from '../pki/authority.ts';
import type { VaultClient } from './api.ts';
import { LAB_VAULT_PKI, type PkiLayout } from './pki-layout.ts';

export interface RotationResult { intermediate: KeyedCertificate; intermediateIssuerId: string; issuingIssuerId: string; issuingCertificate: string }

/**
 * Rotates the intermediate: a new one signed by the offline root is imported into `pki` as a new issuer
 * and made its default; the issuing CA gets a new key whose CSR the new intermediate signs, and becomes
 * the default of `pki_private_issuer`. The old issuers stay, so what they issued still verifies.
 */
export async function rotateIntermediate(admin: VaultClient, pki: LabPki, subject: string, { pkiMount, issuerMount }: PkiLayout = LAB_VAULT_PKI): Promise<RotationResult> {
  const intermediate = await signNewIntermediate(pki, subject);
  const bundle = [await privateKeyPem(intermediate.keys.privateKey), intermediate.cert.toString('pem')].join('\n');
  const imported = await admin.write(`${pkiMount}/issuers/import/bundle`, { pem_bundle: bundle });
  const intermediateIssuerId = (imported.data.imported_issuers as string[])[0]!;
  await admin.write(`${pkiMount}/config/issuers`, { default: intermediateIssuerId });

  const csr = await admin.write(`${issuerMount}/intermediate/generate/internal`, { common_name: 'certlab Vault Issuer', key_type: 'ec', key_bits: 256, organization: 'certlab' });
  const signed = await admin.write(`${pkiMount}/issuer/${intermediateIssuerId}/sign-intermediate`, { csr: csr.data.csr, common_name: 'certlab Vault Issuer', ttl: '26280h', format: 'pem_bundle', max_path_length: 0 });
  const chain = [signed.data.certificate, intermediate.cert.toString('pem'), pki.root.cert.toString('pem')].join('\n');
  const set = await admin.write(`${issuerMount}/intermediate/set-signed`, { certificate: chain });
  const issuingIssuerId = (set.data.imported_issuers as string[])[0]!;
  await admin.write(`${issuerMount}/config/issuers`, { default: issuingIssuerId });
  return { intermediate, intermediateIssuerId, issuingIssuerId, issuingCertificate: signed.data.certificate };
}
