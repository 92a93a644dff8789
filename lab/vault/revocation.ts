import type { HttpsClient } from '../host/https.ts';
import { pollUntil } from '../host/wait.ts';
import { x509 } from '../pki/crypto.ts';
import { parseCrl, type ParsedCrl } from '../pki/crl.ts';
import { ocspRequest, parseOcspResponse, type OcspAnswer } from '../pki/ocsp.ts';
import type { X509Certificate } from 'node:crypto';
import type { VaultClient } from './api.ts';

/** A serial as X.509 tools print it (hex, any case) in the colon-separated form Vault's API takes. Pure. */
export function vaultSerial(hex: string): string {
  const even = hex.length % 2 ? `0${hex}` : hex;
  return even.toLowerCase().match(/../g)!.join(':');
}

export async function revoke(admin: VaultClient, mount: string, serial: string): Promise<void> {
  await admin.write(`${mount}/revoke`, { serial_number: serial });
}

export async function rebuildCrl(admin: VaultClient, mount: string): Promise<void> {
  await admin.read(`${mount}/crl/rotate`);
}

/** The mount's CRL as clients fetch it (unauthenticated), in DER and PEM, both parsed. */
export async function fetchCrl(http: HttpsClient, endpoint: string, mount: string): Promise<{ der: ParsedCrl; pem: ParsedCrl }> {
  const [der, pem] = await Promise.all([
    http.send(`${endpoint}/v1/${mount}/crl`),
    http.send(`${endpoint}/v1/${mount}/crl/pem`),
  ]);
  if (der.status !== 200 || pem.status !== 200) throw new Error(`CRL fetch from ${mount} failed: DER ${der.status}, PEM ${pem.status}`);
  return { der: parseCrl(der.body), pem: parseCrl(pem.body.toString('utf8')) };
}

/**
 * The CRL of the issuer in `mount` that signed with `issuer`'s certificate, as a client that follows the leaf's
 * issuer finds it (unauthenticated: the issuer list and each issuer's certificate and CRL are public). After a
 * rotation the mount's default CRL (`fetchCrl`) is the new issuer's, which never lists what the old one issued.
 */
export async function fetchIssuerCrl(http: HttpsClient, endpoint: string, mount: string, issuer: X509Certificate): Promise<ParsedCrl> {
  const list = await http.send(`${endpoint}/v1/${mount}/issuers?list=true`);
  if (list.status !== 200) throw new Error(`listing the issuers of ${mount} failed: HTTP ${list.status}`);
  for (const id of list.json<{ data: { keys: string[] } }>().data.keys) {
    const res = await http.send(`${endpoint}/v1/${mount}/issuer/${id}/json`);
    if (res.status !== 200) continue;
    const pem = res.json<{ data: { certificate: string } }>().data.certificate;
    if (!Buffer.from(new x509.X509Certificate(pem).rawData).equals(issuer.raw)) continue;
    const crl = await http.send(`${endpoint}/v1/${mount}/issuer/${id}/crl/der`);
    if (crl.status !== 200) throw new Error(`the CRL of issuer ${id} of ${mount}: HTTP ${crl.status}`);
    return parseCrl(crl.body);
  }
  throw new Error(`no issuer of ${mount} has the certificate ${issuer.subject.replace(/\n/g, ', ')}`);
}

/** Starts a tidy run; Vault answers 202 Accepted, which node-vault counts as an error, so ask plainly. */
export async function startTidy(http: HttpsClient, endpoint: string, token: string, mount: string, options: Record<string, unknown>): Promise<void> {
  const res = await http.send(`${endpoint}/v1/${mount}/tidy`, { method: 'POST', headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' }, body: JSON.stringify(options) });
  if (res.status !== 202 && res.status !== 200 && res.status !== 204) throw new Error(`tidy on ${mount} refused with ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
}

/** Runs a tidy with `admin`'s token and waits until Vault reports it finished (an error state fails). */
export async function tidy(http: HttpsClient, endpoint: string, admin: VaultClient, mount: string, options: Record<string, unknown>, signal?: AbortSignal): Promise<void> {
  await startTidy(http, endpoint, admin.token, mount, options);
  await pollUntil(async () => {
    const status = (await admin.read(`${mount}/tidy-status`)).data;
    if (status.state === 'Error') throw new Error(`tidy failed: ${status.error}`);
    return status.state === 'Finished' ? true : undefined;
  }, { timeoutMs: 60_000, what: `tidy of ${mount} to finish`, intervalMs: 200, ...(signal ? { signal } : {}) });
}

/** Resolves once every leaf is past its not-after (plus a second, so Vault's clock agrees). */
export function allExpired(leaves: Array<{ certificate: string }>, signal?: AbortSignal): Promise<true> {
  const last = Math.max(...leaves.map((l) => new x509.X509Certificate(l.certificate).notAfter.getTime()));
  return pollUntil(async () => (Date.now() > last + 1_000 ? true : undefined), { timeoutMs: last - Date.now() + 30_000, intervalMs: 250, what: 'the short-lived leaves to expire', ...(signal ? { signal } : {}) });
}

/** Asks the mount's OCSP responder (unauthenticated, as clients do) about `leaf`; the answer is verified with `issuer`. */
export async function ocspStatus(http: HttpsClient, endpoint: string, mount: string, leaf: X509Certificate, issuer: X509Certificate): Promise<OcspAnswer> {
  const res = await http.send(`${endpoint}/v1/${mount}/ocsp`, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: ocspRequest(leaf, issuer) });
  if (res.status !== 200) throw new Error(`OCSP request to ${mount} answered ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
  return parseOcspResponse(res.body, leaf, issuer);
}
