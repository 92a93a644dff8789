import type { Agent } from 'node:https';
import nodeVault from 'node-vault';
import { HttpsClient } from '../host/https.ts';

export type VaultClient = nodeVault.client;

/**
 * node-vault against one server, trusting the lab CA. Redirects are not followed: a standby that cannot
 * forward redirects to the active node's cluster-internal name, which is an answer worth seeing as such.
 */
export function vaultClient(endpoint: string, ca: string | undefined, token?: string, agent?: Agent): VaultClient {
  // `agent`: a keep-alive agent shared by a load's requests, so a benchmark measures the server, not TLS setup.
  return nodeVault({ apiVersion: 'v1', endpoint, ...(token ? { token } : {}), requestOptions: { ...(ca ? { ca } : {}), timeout: 10_000, maxRedirects: 0, ...(agent ? { agent } : {}) } });
}

export type HealthState = 'active' | 'standby' | 'sealed' | 'uninitialized' | 'unreachable' | 'other';

export interface Health {
  state: HealthState;
  status: number;
  detail: string;
}

const STATE_BY_STATUS: Record<number, HealthState> = { 200: 'active', 429: 'standby', 473: 'standby', 501: 'uninitialized', 503: 'sealed' };

/** sys/health answers with a status code per state; node-vault treats those as errors, so ask plainly. */
export async function health(http: HttpsClient, endpoint: string, timeoutMs = 2_000): Promise<Health> {
  try {
    const res = await http.send(`${endpoint}/v1/sys/health?standbyok=false&sealedcode=503&uninitcode=501`, { timeoutMs });
    return { state: STATE_BY_STATUS[res.status] ?? 'other', status: res.status, detail: res.body.toString('utf8').slice(0, 200) };
  } catch (err) {
    return { state: 'unreachable', status: 0, detail: err instanceof Error ? err.message : String(err) };
  }
}

/** The message Vault put in an error response, for reports and one-line errors. */
export function vaultErrorText(err: unknown): string {
  const e = err as { response?: { statusCode?: number; body?: { errors?: string[] } }; message?: string };
  const errors = e.response?.body?.errors;
  if (errors?.length) return `${e.response?.statusCode}: ${errors.join('; ').replace(/\s+/g, ' ').trim()}`;
  return e.message ?? String(err);
}

/** The HTTP status of a Vault error response (403 permission denied, 404 not there), undefined for other errors. */
export function vaultStatusCode(err: unknown): number | undefined {
  return (err as { response?: { statusCode?: number } }).response?.statusCode;
}

/** sys/init for an auto-unsealed server: recovery keys instead of unseal keys (node-vault's init insists on secret_shares). */
export async function initWithRecoveryKeys(client: VaultClient, shares: number, threshold: number): Promise<{ rootToken: string; recoveryKeys: string[] }> {
  const init = await client.write('sys/init', { recovery_shares: shares, recovery_threshold: threshold });
  return { rootToken: init.root_token, recoveryKeys: init.recovery_keys_base64 };
}
