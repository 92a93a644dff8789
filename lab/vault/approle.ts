import { vaultClient, type VaultClient } from './api.ts';
import type { LabPaths } from '../paths.ts';
import { loadSecret, type AppRoleCredentials } from './secrets.ts';

/** Logs in with an AppRole and returns a client holding its token (what cert-manager does). */
export async function appRoleClient(endpoint: string, ca: string | undefined, creds: AppRoleCredentials, mount = 'approle'): Promise<{ client: VaultClient; token: string; ttlSeconds: number }> {
  // A plain write: node-vault's approleLogin escapes a mount path's slashes.
  const login = await vaultClient(endpoint, ca).write(`auth/${mount}/login`, { role_id: creds.roleId, secret_id: creds.secretId });
  const token = login.auth.client_token as string;
  return { client: vaultClient(endpoint, ca, token), token, ttlSeconds: login.auth.lease_duration as number };
}

/** A fresh token for one of the lab's AppRoles, from the credentials in the state directory. */
export async function loginAs(paths: LabPaths, endpoint: string, ca: string | undefined, role: string, mount = 'approle'): Promise<{ client: VaultClient; token: string; ttlSeconds: number }> {
  const creds = (await loadSecret(paths, 'approles'))?.[role];
  if (!creds) throw new Error(`no credentials for AppRole ${role} in ${paths.secrets}; bring the lab up again`);
  return appRoleClient(endpoint, ca, creds, mount);
}

/** How many logins the saved secret ID of one of the lab's AppRoles has left, as the server counts them (secret-id/lookup). */
export async function secretIdUsesLeft(admin: VaultClient, paths: LabPaths, role: string): Promise<number> {
  const creds = (await loadSecret(paths, 'approles'))?.[role];
  if (!creds) throw new Error(`no credentials for AppRole ${role} in ${paths.secrets}; bring the lab up again`);
  const res = await admin.write(`auth/approle/role/${role}/secret-id/lookup`, { secret_id: creds.secretId }) as { data?: { secret_id_num_uses?: number } } | undefined;
  return Number(res?.data?.secret_id_num_uses ?? Number.NaN);
}
