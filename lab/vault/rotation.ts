import { privateKeyPem } from '../pki/crypto.ts';
import { signNewIntermediate, type LabPki } from '../pki/lab-pki.ts';
import type { KeyedCertificate } from '../pki/authority.ts';
import type { VaultClient } from './api.ts';
import { ISSUING_CA_TTL, newIssuingCa } from './issuing-ca.ts';
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

  const issuing = await newIssuingCa(admin, issuerMount, {
    pkiMount, signPath: `issuer/${intermediateIssuerId}/sign-intermediate`, ttl: ISSUING_CA_TTL, chainAbove: [intermediate.cert.toString('pem'), pki.root.cert.toString('pem')],
  });
  return { intermediate, intermediateIssuerId, issuingIssuerId: issuing.issuerId, issuingCertificate: issuing.certificate };
}
