import { generateKeyPair, ecdsaAlgorithm, subtle, x509, privateKeyPem } from './crypto.ts';

export type LeafKeyType = 'ec256' | 'rsa2048';

async function leafKeys(type: LeafKeyType): Promise<{ keys: CryptoKeyPair; algorithm: Algorithm }> {
  if (type === 'ec256') return { keys: await generateKeyPair('P-256'), algorithm: ecdsaAlgorithm('P-256') };
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  return { keys: (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair, algorithm };
}

/** A key and a CSR for `dnsNames` (the first is the common name), as cert-manager would send Vault. */
export async function createCsr(dnsNames: string[], type: LeafKeyType = 'ec256'): Promise<{ csrPem: string; keyPem: string }> {
  const { keys, algorithm } = await leafKeys(type);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${dnsNames[0]}`,
    keys,
    signingAlgorithm: algorithm,
    extensions: [new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value })))],
  });
  return { csrPem: csr.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}
