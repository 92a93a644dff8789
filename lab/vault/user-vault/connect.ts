import { readFile } from 'node:fs/promises';
import type { LabContext } from '../../context.ts';
import { errorText, LabError } from '../../errors.ts';
import { HttpsClient } from '../../host/https.ts';
import { tokenValid } from '../admin.ts';
import { health, vaultClient, vaultErrorText, type VaultClient } from '../api.ts';

/**
 * The user's own Vault (vault.address), logged in with the user's credentials: the token in
 * vault.tokenFile, or a token from the AppRole in vault.approle (revoked again by `close`).
 */
export interface UserVault {
  address: string;
  /** The CA from vault.caFile; undefined: the system's trust store verifies the server. */
  ca: string | undefined;
  http: HttpsClient;
  admin: VaultClient;
  close(): Promise<void>;
}

async function readCredential(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).trim();
}

/** Why the address does not answer as an unsealed Vault, as one line with its fix; TLS failures point at vault.caFile. */
function notServing(address: string, state: string, detail: string): LabError {
  if (state === 'sealed') return new LabError(`your Vault at ${address} (vault.address) is sealed`, 'unseal it, then run the command again');
  if (state === 'uninitialized') return new LabError(`your Vault at ${address} (vault.address) is not initialised`, 'initialise it, or point vault.address at one that is');
  if (/certificate|self[- ]signed|issuer/i.test(detail)) return new LabError(`the TLS certificate of ${address} (vault.address) does not verify: ${detail}`, 'set vault.caFile to the PEM of the CA that signed it');
  return new LabError(`your Vault at ${address} (vault.address) does not answer as an unsealed Vault: ${detail}`, 'check the address and that it is up');
}

/** Connects and logs in; refuses in one line when the Vault is sealed, unreachable, or the credentials do not work. */
export async function connectUserVault(ctx: LabContext): Promise<UserVault> {
  const { vault } = ctx.config;
  const address = vault.address!.replace(/\/$/, '');
  const ca = vault.caFile ? await readFile(vault.caFile, 'utf8') : undefined;
  const http = new HttpsClient(ca, 16);
  try {
    const h = await health(http, address, 5_000);
    // A standby forwards requests to the active node, so either serves the lab.
    if (h.state !== 'active' && h.state !== 'standby') throw notServing(address, h.state, h.detail);
    let token: string;
    let ownToken = false;
    if (vault.tokenFile) {
      token = await readCredential(vault.tokenFile);
      if (!(await tokenValid(http, address, token))) throw new LabError(`the token in ${vault.tokenFile} (vault.tokenFile) is not valid on ${address}`, 'write a valid token there');
    } else {
      const { mount, roleIdFile, secretIdFile } = vault.approle!;
      const login = await vaultClient(address, ca).write(`auth/${mount}/login`, { role_id: await readCredential(roleIdFile), secret_id: await readCredential(secretIdFile) })
        .catch((err: unknown) => { throw new LabError(`AppRole login at ${address}/v1/auth/${mount} (vault.approle) failed: ${vaultErrorText(err)}`, 'check the role ID and secret ID files'); });
      token = login.auth.client_token as string;
      ownToken = true;
    }
    const admin = vaultClient(address, ca, token);
    return {
      address, ca, http, admin,
      async close() {
        if (ownToken) await admin.write('auth/token/revoke-self', {}).catch(() => undefined);
        http.close();
      },
    };
  } catch (err) {
    http.close();
    throw err instanceof LabError ? err : new LabError(`cannot use your Vault at ${address} (vault.address): ${errorText(err)}`, 'check the address and its credentials');
  }
}
