import { randomInt } from 'node:crypto';
import type { LabContext } from '../context.ts';
import { LabError, errorText } from '../errors.ts';
import type { HttpsClient } from '../host/https.ts';
import { activeEndpoint, type VaultCluster } from './cluster.ts';
import { loadSecret } from './secrets.ts';

interface GenerateRootStatus {
  started: boolean;
  nonce: string;
  progress: number;
  required: number;
  complete: boolean;
  otp_length: number;
  encoded_token?: string;
  encoded_root_token?: string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** An OTP as the server expects one: `length` base62 characters (what `operator generate-root -generate-otp` makes). */
function base62Otp(length: number): string {
  return Array.from({ length }, () => BASE62[randomInt(BASE62.length)]).join('');
}

/** The generated token: the base64 (unpadded) encoded token XORed with the OTP's bytes. */
export function decodeRootToken(encoded: string, otp: string): string {
  const bytes = Buffer.from(encoded, 'base64');
  const pad = Buffer.from(otp, 'utf8');
  if (bytes.length !== pad.length) throw new Error(`the encoded token is ${bytes.length} bytes and the OTP ${pad.length}: they must match`);
  return Buffer.from(bytes.map((b, i) => b ^ pad[i]!)).toString('utf8');
}

async function call(http: HttpsClient, endpoint: string, method: string, path: string, body?: unknown, token?: string): Promise<GenerateRootStatus> {
  const res = await http.send(`${endpoint}/v1/${path}`, {
    method, headers: { 'Content-Type': 'application/json', ...(token ? { 'X-Vault-Token': token } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = res.body.toString('utf8');
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300).replace(/\s+/g, ' ')}`);
  return (text ? JSON.parse(text) : {}) as GenerateRootStatus;
}

/** Revokes a token with itself (auth/token/revoke-self), on whichever node is active now. */
async function revokeSelf(cluster: Pick<VaultCluster, 'http' | 'endpoints' | 'topology'>, token: string): Promise<void> {
  await call(cluster.http, await activeEndpoint(cluster, 30_000), 'POST', 'auth/token/revoke-self', {}, token);
}

/**
 * Runs `work` with a root token generated for it and revokes that token afterwards, on every path (also
 * when the run is interrupted: the revocation is registered in ctx.releases). The token comes from
 * `operator generate-root` with the lab's saved recovery keys: an attempt with an OTP
 * (sys/generate-root/attempt), the recovery keys fed to sys/generate-root/update up to the threshold, the
 * encoded token decoded with the OTP. For what truly needs root; the lab's own admin work does not.
 */
export async function withGeneratedRoot<T>(ctx: LabContext, cluster: Pick<VaultCluster, 'http' | 'endpoints' | 'topology'>, work: (rootToken: string, endpoint: string) => Promise<T>): Promise<T> {
  const keys = (await loadSecret(ctx.paths, 'init'))?.recoveryKeys;
  if (!keys?.length) throw new LabError(`no recovery keys in ${ctx.paths.secrets}/vault-init.json, so no root token can be generated`, 'restore that file from its backup (the lab keeps it 0600 under secrets/)');
  const endpoint = await activeEndpoint(cluster);
  const token = await generateRootToken(cluster.http, endpoint, keys);
  const release = ctx.releases.defer('revoke the generated root token', () => revokeSelf(cluster, token));
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await work(token, endpoint) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  const revokeError = await release().then(() => undefined, (err: unknown) => errorText(err));
  if (!outcome.ok) {
    if (revokeError && outcome.error instanceof Error) outcome.error.message += ` (and the generated root token could not be revoked: ${revokeError})`;
    throw outcome.error;
  }
  if (revokeError) throw new Error(`the generated root token could not be revoked: ${revokeError}`);
  return outcome.value;
}

/** The generate-root ceremony with the recovery keys; an unfinished attempt is cancelled, on every path. */
async function generateRootToken(http: HttpsClient, endpoint: string, recoveryKeys: string[]): Promise<string> {
  const status = await call(http, endpoint, 'GET', 'sys/generate-root/attempt');
  // An attempt left by an interrupted run would refuse a new one; nothing else in the lab makes one.
  if (status.started) await call(http, endpoint, 'DELETE', 'sys/generate-root/attempt');
  if (!status.otp_length) throw new Error('the server asks for no OTP length (a pre-1.10 generate-root); not supported');
  const otp = base62Otp(status.otp_length);
  const attempt = await call(http, endpoint, 'PUT', 'sys/generate-root/attempt', { otp });
  try {
    if (recoveryKeys.length < attempt.required) throw new Error(`${attempt.required} recovery keys are needed, ${recoveryKeys.length} are saved`);
    for (const key of recoveryKeys.slice(0, attempt.required)) {
      const step = await call(http, endpoint, 'PUT', 'sys/generate-root/update', { key, nonce: attempt.nonce });
      const encoded = step.encoded_token || step.encoded_root_token;
      if (step.complete && encoded) return decodeRootToken(encoded, otp);
    }
    throw new Error(`generate-root did not complete with ${attempt.required} recovery keys`);
  } catch (err) {
    await call(http, endpoint, 'DELETE', 'sys/generate-root/attempt').catch(() => undefined);
    throw err;
  }
}
