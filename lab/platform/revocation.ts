// A TLS client that checks revocation, as browsers and strict clients can be told to: it verifies the
// chain the Gateway serves against the issuer's trust anchor, then asks the issuing CA's OCSP responder
// and its CRL about the leaf, and refuses a certificate either of them says is revoked.
import type { X509Certificate } from 'node:crypto';
import { normalizeSerial } from '../pki/crl.ts';
import type { OcspStatus } from '../pki/ocsp.ts';
import type { VaultCluster } from '../vault/cluster.ts';
import { fetchIssuerCrl, ocspStatus } from '../vault/revocation.ts';
import type { ServedListener, Platform } from './connect.ts';
import type { HttpsListener } from './manifests.ts';

export interface RevocationCheck {
  served: ServedListener;
  leaf: X509Certificate;
  ocsp: OcspStatus;
  /** The leaf's serial is on the CRL of the issuer that signed it. */
  onCrl: boolean;
  /** What the client decides: the chain verified (or `served` would have thrown), neither source says revoked. */
  accepted: boolean;
}

/** What a revocation-checking client decides about what `listener` serves now; OCSP and CRL from Vault at `endpoint`. */
export async function checkServedRevocation(platform: Platform, listener: HttpsListener, vaultCluster: VaultCluster, endpoint: string, mount: string, signal?: AbortSignal): Promise<RevocationCheck> {
  const served = await platform.served(listener, signal);
  const [leaf, issuer] = served.served.certificates;
  if (!leaf || !issuer) throw new Error(`${served.servername} served no chain above its leaf`);
  // The CRL of the leaf's own issuer: after an intermediate rotation the mount's default CRL is another's.
  const [ocsp, crl] = await Promise.all([ocspStatus(vaultCluster.http, endpoint, mount, leaf, issuer), fetchIssuerCrl(vaultCluster.http, endpoint, mount, issuer)]);
  const onCrl = crl.serials.has(normalizeSerial(leaf.serialNumber));
  return { served, leaf, ocsp: ocsp.status, onCrl, accepted: ocsp.status === 'good' && !onCrl };
}
