import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from '../host/files.ts';
import { writeSecretFile } from '../host/files.ts';
import type { LabPaths } from '../paths.ts';

/** Secrets the lab keeps for Vault, each a 0600 file in the state directory's secrets/. */
export interface SealSecrets { unsealKey: string; rootToken: string; transitToken: string }
/**
 * What init gave. The root token is kept only until the admin token exists, then revoked and dropped from
 * the file (a root token, when one is needed, is generated from the recovery keys: withGeneratedRoot).
 */
export interface InitSecrets { recoveryKeys: string[]; rootToken?: string }
/** The lab's admin token: orphan, periodic, policy `certlab-admin` only (lab/vault/admin.ts). */
export interface AdminSecrets { token: string; accessor: string; policy: string }
export interface AppRoleCredentials { roleId: string; secretId: string }
export type AppRoleSecrets = Record<string, AppRoleCredentials>;
/**
 * What the lab made in the user's own Vault (vault.address), each recorded before it is made, so `certlab
 * down` removes exactly those, even after a crash. Not a secret, but it lives and goes with the others.
 */
export interface UserVaultRecord { address: string; made: Array<{ kind: 'mount' | 'auth' | 'policy'; path: string }> }

const FILES = { seal: 'vault-seal.json', init: 'vault-init.json', admin: 'vault-admin.json', approles: 'vault-approles.json', userVault: 'user-vault.json' } as const;
type Kind = keyof typeof FILES;
type Shape = { seal: SealSecrets; init: InitSecrets; admin: AdminSecrets; approles: AppRoleSecrets; userVault: UserVaultRecord };

export function secretPath(paths: LabPaths, kind: Kind): string {
  return join(paths.secrets, FILES[kind]);
}

export async function saveSecret<K extends Kind>(paths: LabPaths, kind: K, value: Shape[K]): Promise<void> {
  await writeSecretFile(secretPath(paths, kind), JSON.stringify(value, null, 2) + '\n');
}

export async function loadSecret<K extends Kind>(paths: LabPaths, kind: K): Promise<Shape[K] | undefined> {
  const file = secretPath(paths, kind);
  return existsSync(file) ? readJson<Shape[K]>(file) : undefined;
}
