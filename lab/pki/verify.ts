import { x509 } from './crypto.ts';

export type Pem = string;

export function parseCertificates(pem: Pem): x509.X509Certificate[] {
  return x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der));
}

/**
 * Builds and checks the chain of `leaf` up to `root` through `intermediates`: every signature, every
 * validity window (at `at`), CA flags and path lengths on the way. Returns the chain, leaf first.
 */
export async function verifyChain(leaf: x509.X509Certificate, intermediates: x509.X509Certificate[], root: x509.X509Certificate, at = new Date()): Promise<x509.X509Certificate[]> {
  const builder = new x509.X509ChainBuilder({ certificates: [...intermediates, root] });
  const chain = await builder.build(leaf);
  const top = chain[chain.length - 1]!;
  if (!Buffer.from(top.rawData).equals(Buffer.from(root.rawData))) throw new Error(`chain of ${leaf.subject} ends at ${top.subject}, not at the root ${root.subject}`);
  for (const [i, cert] of chain.entries()) {
    const issuer = chain[i + 1] ?? cert;
    if (!(await cert.verify({ publicKey: issuer.publicKey, date: at, signatureOnly: false }))) {
      throw new Error(`${cert.subject} is not validly signed by ${issuer.subject} or is outside its validity at ${at.toISOString()}`);
    }
    if (i === 0) continue;
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    if (!bc?.ca) throw new Error(`${cert.subject} signs certificates but is not a CA`);
    const casBelow = i - 1;
    if (bc.pathLength !== undefined && casBelow > bc.pathLength) throw new Error(`${cert.subject} allows ${bc.pathLength} CA(s) below it, the chain has ${casBelow}`);
  }
  return chain;
}

/**
 * Checks a chain as a TLS client got it (Node's certificates, leaf first, ending at the trust anchor) at
 * `at`: each signature and validity window, up to its last certificate. Returns the first problem, if any.
 */
export async function servedChainProblem(chain: Array<{ raw: Buffer }>, at = new Date()): Promise<string | undefined> {
  const certs = chain.map((c) => new x509.X509Certificate(new Uint8Array(c.raw)));
  if (certs.length < 2) return 'the chain ends at its leaf';
  try {
    await verifyChain(certs[0]!, certs.slice(1, -1), certs.at(-1)!, at);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
