import { normalizeSerial } from '../pki/crl.ts';
import { createCsr } from '../pki/csr.ts';
import type { VaultClient } from './api.ts';
import { LAB_VAULT_PKI, type PkiLayout } from './pki-layout.ts';

export interface SignedLeaf {
  certificate: string;
  caChain: string[];
  serial: string;
}

/** Signs a CSR on the lab role of an issuing mount (the lab's, unless the layout says another), as cert-manager's Vault issuer does. */
export async function signCsr(client: VaultClient, csrPem: string, commonName: string, ttl = '24h', layout: PkiLayout = LAB_VAULT_PKI): Promise<SignedLeaf> {
  const res = await client.write(`${layout.issuerMount}/sign/${layout.role}`, { csr: csrPem, common_name: commonName, ttl });
  return { certificate: res.data.certificate, caChain: res.data.ca_chain ?? [res.data.issuing_ca], serial: res.data.serial_number };
}

/** `count` leaves named `<prefix>-<i>.<domain>`, signed one after another (each with a fresh key). */
export async function issueLeaves(client: VaultClient, prefix: string, domain: string, count: number, ttl = '24h', layout: PkiLayout = LAB_VAULT_PKI): Promise<SignedLeaf[]> {
  const out: SignedLeaf[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}.${domain}`;
    out.push(await signCsr(client, (await createCsr([name])).csrPem, name, ttl, layout));
  }
  return out;
}

/** The serials the issuing mount keeps, normalised (compare with normalizeSerial). */
export async function listedSerials(admin: VaultClient, layout: PkiLayout = LAB_VAULT_PKI): Promise<Set<string>> {
  const res = await admin.list(`${layout.issuerMount}/certs`);
  return new Set((res.data.keys as string[]).map(normalizeSerial));
}

/**
 * `count` signs at once, each as a client that has to make its key and CSR first (as cert-manager does for
 * a Certificate): resolves with each one's duration in ms, from its key to its signed certificate.
 */
export async function timeDirectSigns(client: VaultClient, prefix: string, domain: string, count: number): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const name = `${prefix}-${i}.${domain}`;
    const t0 = performance.now();
    await signCsr(client, (await createCsr([name])).csrPem, name);
    return performance.now() - t0;
  }));
}
