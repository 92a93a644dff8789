import { generateKeyPair, randomSerial, x509, yearsFrom, ecdsaAlgorithm, type Curve } from './crypto.ts';

/** A certificate with its private key, held in memory. */
export interface KeyedCertificate {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  curve: Curve;
}

const CA_USAGES = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;

function validityFrom(now: Date): Date {
  // Back-date a little so certificates are valid on hosts whose clocks lag the lab's.
  return new Date(now.getTime() - 5 * 60_000);
}

async function caExtensions(publicKey: CryptoKey, pathLength?: number): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(CA_USAGES, true),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
  ];
}

/** Offline root: ECDSA P-384, self-signed, no path length limit, as the article's three-tier PKI. */
export async function createRootCa(subject: string, years: number, now = new Date()): Promise<KeyedCertificate> {
  const keys = await generateKeyPair('P-384');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subject,
    notBefore: validityFrom(now),
    notAfter: yearsFrom(now, years),
    keys,
    signingAlgorithm: ecdsaAlgorithm('P-384'),
    extensions: await caExtensions(keys.publicKey),
  });
  return { cert, keys, curve: 'P-384' };
}

/** Intermediate CA signed by `issuer`; pathLength 1 lets it sign exactly one more CA tier (Vault's issuing CA). */
export async function createIntermediateCa(issuer: KeyedCertificate, subject: string, years: number, pathLength: number, now = new Date()): Promise<KeyedCertificate> {
  const keys = await generateKeyPair('P-384');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: issuer.cert.subject,
    notBefore: validityFrom(now),
    notAfter: yearsFrom(now, years),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: ecdsaAlgorithm(issuer.curve),
    extensions: [
      ...(await caExtensions(keys.publicKey, pathLength)),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert),
    ],
  });
  return { cert, keys, curve: 'P-384' };
}

export interface ServerNames {
  dns: string[];
  ips: string[];
}

/** TLS server certificate (also usable as a client certificate, as Raft peers need). */
export async function createServerCertificate(issuer: KeyedCertificate, commonName: string, names: ServerNames, days: number, now = new Date()): Promise<KeyedCertificate> {
  const keys = await generateKeyPair('P-256');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${commonName}`,
    issuer: issuer.cert.subject,
    notBefore: validityFrom(now),
    notAfter: new Date(now.getTime() + days * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: ecdsaAlgorithm(issuer.curve),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert),
    ],
  });
  return { cert, keys, curve: 'P-256' };
}
