// cert-manager's contract for the Secrets it writes (docs: "Certificate resource", cert-manager #6632):
// tls.crt holds the leaf, then the intermediates in order, each signed by the next; ca.crt, when the
// issuer knows it, holds the CA that signed the last of them.
import { x509 } from '../pki/crypto.ts';
import { parseCertificates } from '../pki/verify.ts';

export interface SecretChainCheck {
  /** Subjects of tls.crt, leaf first. */
  chain: string[];
  /** Subject of ca.crt, when the Secret has one. */
  ca?: string;
  /** Each way the Secret breaks the contract; empty when it holds. */
  problems: string[];
}

async function signs(issuer: x509.X509Certificate, cert: x509.X509Certificate): Promise<boolean> {
  return cert.issuer === issuer.subject && (await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true }));
}

export async function checkTlsSecret(tlsCrt: string, caCrt: string | undefined): Promise<SecretChainCheck> {
  const certs = parseCertificates(tlsCrt);
  const problems: string[] = [];
  if (certs.length === 0) return { chain: [], problems: ['tls.crt holds no certificate'] };
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!(await signs(certs[i + 1]!, certs[i]!))) problems.push(`tls.crt: certificate ${i + 1} (${certs[i]!.subject}) is not signed by the next one (${certs[i + 1]!.subject})`);
  }
  const last = certs[certs.length - 1]!;
  const ca = caCrt?.trim() ? parseCertificates(caCrt) : [];
  if (ca.length > 1) problems.push(`ca.crt holds ${ca.length} certificates, not one CA`);
  if (ca[0] && !(await signs(ca[0], last))) problems.push(`ca.crt (${ca[0].subject}) did not sign the last certificate of tls.crt (${last.subject})`);
  return { chain: certs.map((c) => c.subject), ...(ca[0] ? { ca: ca[0].subject } : {}), problems };
}
