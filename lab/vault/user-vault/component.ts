import { rm } from 'node:fs/promises';
import type { Component, StatusRow } from '../../component.ts';
import type { LabContext } from '../../context.ts';
import { errorText, LabError } from '../../errors.ts';
import { ensureLabPki } from '../../pki/lab-pki.ts';
import { vaultErrorText, vaultStatusCode } from '../api.ts';
import { configurePki, type MadeInVault } from '../configure.ts';
import { pkiLayout, userVaultPrefix } from '../pki-layout.ts';
import { loadSecret, saveSecret, secretPath, type UserVaultRecord } from '../secrets.ts';
import { connectUserVault, type UserVault } from './connect.ts';

// The vault component on the user's own Vault (vault.address): no containers; the lab's PKI mounts, its
// AppRole auth method and policies under the lab's prefix, recorded as they are made and removed by
// `certlab down`. The offline root and intermediate are still made on this host; only the intermediate
// (with its key, as on the lab's own Vault) and the issuing CA's chain go into that Vault.

async function withUserVault<T>(ctx: LabContext, work: (vault: UserVault) => Promise<T>): Promise<T> {
  const vault = await connectUserVault(ctx);
  try {
    return await work(vault);
  } finally {
    await vault.close();
  }
}

async function labMounts(vault: UserVault, ctx: LabContext): Promise<{ wanted: string[]; present: string[] }> {
  const layout = pkiLayout(ctx.config);
  const mounts = await vault.admin.mounts();
  const known = Object.keys(mounts.data ?? mounts);
  const wanted = [layout.pkiMount, layout.issuerMount];
  return { wanted, present: wanted.filter((m) => known.includes(`${m}/`)) };
}

async function configureOnUserVault(ctx: LabContext): Promise<void> {
  const pki = await ctx.steps.time('vault', 'offline root and intermediate', () => ensureLabPki(ctx.paths, 'certlab'));
  ctx.progress(`your Vault at ${ctx.config.vault.address}`);
  await withUserVault(ctx, async (vault) => {
    const record: UserVaultRecord = (await loadSecret(ctx.paths, 'userVault')) ?? { address: vault.address, made: [] };
    const beforeCreate = async (item: MadeInVault) => {
      if (record.made.some((m) => m.kind === item.kind && m.path === item.path)) return;
      record.made.push(item);
      await saveSecret(ctx.paths, 'userVault', record);
    };
    ctx.progress(`PKI and AppRole under ${userVaultPrefix(ctx.config)}/`);
    // The AppRole is not bound to an address: the lab cannot know from where its requests reach a Vault it did not make.
    await ctx.steps.time('vault', `PKI and AppRole configured under ${userVaultPrefix(ctx.config)}/`, () => configurePki(ctx, {
      admin: vault.admin, endpoint: vault.address, http: vault.http, pki, base: `${vault.address}/v1`, layout: pkiLayout(ctx.config), beforeCreate,
    }, {}, []).catch((err: unknown) => {
      throw vaultStatusCode(err) === 403
        ? new LabError(`your Vault at ${vault.address} refused the lab's credentials: ${vaultErrorText(err)}`, `grant them fixtures/vault/policies/user-vault-lab.hcl with prefix ${userVaultPrefix(ctx.config)}`)
        : err;
    }));
  });
}

const REMOVE: Record<MadeInVault['kind'], (path: string) => string> = {
  mount: (path) => `sys/mounts/${path}`,
  auth: (path) => `sys/auth/${path}`,
  policy: (path) => `sys/policies/acl/${path}`,
};

async function existsIn(vault: UserVault, item: MadeInVault): Promise<boolean> {
  if (item.kind === 'policy') return vault.admin.read(REMOVE.policy(item.path)).then(() => true, (err: unknown) => vaultStatusCode(err) !== 404);
  const listed = await vault.admin.read(item.kind === 'mount' ? 'sys/mounts' : 'sys/auth');
  return `${item.path}/` in (listed.data ?? listed);
}

/**
 * Removes what the lab recorded making in the user's Vault (newest first) and nothing else, then the
 * record. Returns what it removed, in that order (what is not there, never made or already gone, is
 * passed over); a record with nothing to connect with is one line saying so.
 */
export async function removeFromUserVault(ctx: LabContext): Promise<MadeInVault[]> {
  const record = await loadSecret(ctx.paths, 'userVault');
  if (!record) return [];
  if (!ctx.config.vault.address) {
    throw new LabError(`lab ${ctx.config.name} made mounts and policies on ${record.address}, but vault.address is not configured`, `configure vault.address and its credentials again and run certlab down, or delete ${secretPath(ctx.paths, 'userVault')} to leave them there`);
  }
  const removed: MadeInVault[] = [];
  await withUserVault(ctx, async (vault) => {
    for (const item of [...record.made].reverse()) {
      // Recorded before it was made: a bring-up cut short (or refused) may never have made it.
      if (!(await existsIn(vault, item))) continue;
      await vault.admin.delete(REMOVE[item.kind](item.path)).catch((err: unknown) => {
        throw new LabError(`cannot remove ${item.kind} ${item.path} from ${vault.address}: ${vaultErrorText(err)}`, 'give the credentials the right to remove it, then run certlab down again');
      });
      removed.push(item);
    }
  });
  await rm(secretPath(ctx.paths, 'userVault'), { force: true });
  return removed;
}

/** Whether the lab has (or had, before a crash) something in the user's Vault: such a lab exists. */
export async function userVaultInUse(ctx: LabContext): Promise<boolean> {
  return (await loadSecret(ctx.paths, 'userVault')) !== undefined;
}

async function userVaultStatus(ctx: LabContext): Promise<StatusRow[]> {
  const address = ctx.config.vault.address!;
  const row = { component: 'vault', address, role: 'your Vault' };
  try {
    return await withUserVault(ctx, async (vault) => {
      const seal = (await vault.http.send(`${vault.address}/v1/sys/seal-status`)).json<{ sealed: boolean; version: string; storage_type?: string; cluster_name?: string }>();
      const leader = (await vault.http.send(`${vault.address}/v1/sys/leader`)).json<{ ha_enabled: boolean; is_self: boolean; leader_address?: string }>();
      const { wanted, present } = await labMounts(vault, ctx);
      const ha = leader.ha_enabled ? `HA on (${leader.is_self ? 'this address is the active node' : `active ${leader.leader_address}`})` : 'HA off';
      const mounts = wanted.map((m) => `${m}${present.includes(m) ? '' : ' (missing)'}`).join(', ');
      return [{
        ...row, health: present.length === wanted.length ? 'ok' : 'degraded',
        role: `your Vault, ${seal.sealed ? 'sealed' : 'unsealed'}`,
        detail: `version ${seal.version}, ${seal.storage_type ?? 'storage unknown'}, ${ha}; the lab's mounts: ${mounts}`,
      } satisfies StatusRow];
    });
  } catch (err) {
    return [{ ...row, health: 'down', detail: err instanceof LabError ? err.line : errorText(err) }];
  }
}

/** What the vault component does when vault.address names the user's own Vault. */
export const userVaultComponent: Pick<Component, 'images' | 'hostPorts' | 'isRunning' | 'start' | 'heal' | 'status' | 'stop'> = {
  images: () => [],
  hostPorts: () => [],
  async isRunning(ctx) {
    if (!(await loadSecret(ctx.paths, 'approles'))) return false;
    const found = await withUserVault(ctx, (vault) => labMounts(vault, ctx)).catch(() => undefined);
    return !!found && found.present.length === found.wanted.length;
  },
  start: configureOnUserVault,
  // Nothing of it is the lab's to repair: it serves if it answers unsealed.
  async heal(ctx) {
    await withUserVault(ctx, async () => undefined);
  },
  status: userVaultStatus,
  async stop(ctx) {
    await removeFromUserVault(ctx);
  },
};
