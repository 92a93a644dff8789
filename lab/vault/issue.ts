import type { VaultClient } from './api.ts';
import { ISSUER_MOUNT, PKI_ROLE } from './pki-layout.ts';

export interface SignedLeaf {
  certificate: string;
  caChain: string[];
  serial: string;
}

/** Signs a CSR on the lab role of the issuing CA, as cert-manager's Vault issuer does. */
export async function signCsr(client: VaultClient, csrPem: string, commonName: string, ttl = '24h'): Promise<SignedLeaf> {
  const res = await client.write(`${ISSUER_MOUNT}/sign/${PKI_ROLE}`, { csr: csrPem, common_name: commonName, ttl });
  return { certificate: res.data.certificate, caChain: res.data.ca_chain ?? [res.data.issuing_ca], serial: res.data.serial_number };
}
