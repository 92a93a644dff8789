import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabContext } from '../context.ts';
import { logTail } from '../host/lab-container.ts';
import { writeSecretFile } from '../host/files.ts';
import { pollUntil } from '../host/wait.ts';
import { errorText } from '../errors.ts';
import { Releases } from '../releases.ts';
import { health, initWithRecoveryKeys, vaultClient, type VaultClient } from './api.ts';
import type { VaultCluster } from './cluster.ts';
import { startVaultNode } from './cluster.ts';
import { renderNodeConfig } from './render.ts';
import { createTransitKey, transitPolicyName } from './seal-node.ts';
import { loadSecret } from './secrets.ts';
import { removeServer } from './restore.ts';
import { restoreSnapshot } from './snapshot.ts';
import type { VaultServer } from './topology.ts';

export interface LostSealOutcome {
  /** The restore API's error, when it refused the snapshot outright. */
  restoreError: string | undefined;
  /** The target's state after the restore and what its log says about the keyring. */
  targetState: string;
  targetLog: string[];
  /** Whether the target can still serve anything: its own data or the snapshot's. */
  targetServes: boolean;
  mainStillServing: boolean;
}

/**
 * The negative drill: restore the snapshot into a node whose seal is a different transit key, as when the
 * KMS key that sealed the backup is gone. The restore must fail with a clear message and leave the target
 * serving its own data and the real cluster untouched. Afterwards nothing of it is left: the drill node
 * and its volume, its config file, and on the seal node its transit key, policy and token.
 */
export async function restoreWithLostSealKey(ctx: LabContext, main: VaultCluster, snapshot: Buffer): Promise<LostSealOutcome> {
  const seal = await loadSecret(ctx.paths, 'seal');
  if (!seal) throw new Error('the seal node\'s secrets are missing');
  const key = `lost-seal-drill-${randomBytes(3).toString('hex')}`;
  const drill: VaultServer = { name: 'vault-drill', component: 'vault-drill', container: `${ctx.config.name}-vault-drill`, volume: `${ctx.config.name}-vault-drill-data`, hostPort: 0 };
  const configFile = join(ctx.paths.mounts, 'vault-nodes', `${drill.name}.hcl`);
  const sealAdmin = vaultClient(main.sealEndpoint, main.ca, seal.rootToken);
  // Everything the drill makes is undone on every path, newest first; registered with the run too, so an
  // interrupted run undoes it as well.
  const undo = new Releases();
  const cleanUp = ctx.releases.defer('remove what the seal drill made', async () => {
    const failed = (await undo.releaseAll()).filter((r) => !r.ok);
    if (failed.length) throw new Error(failed.map((r) => `${r.what}: ${r.error}`).join('; '));
  });
  let outcome: { ok: true; value: LostSealOutcome } | { ok: false; error: unknown };
  try {
    undo.defer(`remove the transit key ${key}, its policy and token on the seal node`, () => removeTransitKey(sealAdmin, key));
    const token = await createTransitKey(sealAdmin, key);
    undo.defer('revoke the drill\'s seal token', () => sealAdmin.write('auth/token/revoke', { token }));
    undo.defer(`remove ${configFile}`, () => rm(configFile, { force: true }));
    const topology = { ...main.topology, nodes: [drill] };
    await writeSecretFile(configFile, await renderNodeConfig(topology, drill, ctx.config.vault.performanceMultiplier, token, key));
    undo.defer(`remove ${drill.container} and its volume`, () => removeServer(drill));
    const endpoint = await startVaultNode(ctx, topology, drill);
    await pollUntil(async () => ((await health(main.http, endpoint)).state === 'uninitialized' ? true : undefined), { timeoutMs: 60_000, what: 'the drill node to answer' });
    const init = await initWithRecoveryKeys(vaultClient(endpoint, main.ca), 1, 1);
    await pollUntil(async () => ((await health(main.http, endpoint)).state === 'active' ? true : undefined), { timeoutMs: 60_000, what: 'the drill node to become active' });
    const restoreError = await restoreSnapshot(main.http, endpoint, init.rootToken, snapshot).then(() => undefined, (err) => errorText(err));
    // Accepted or not, the keyring in the snapshot cannot be opened: the target ends sealed or serving nothing.
    const targetState = await pollUntil(async () => {
      const h = await health(main.http, endpoint);
      return h.state === 'active' && !restoreError ? undefined : h.state;
    }, { timeoutMs: 20_000, what: 'the drill node to show the outcome', intervalMs: 250 }).catch(async () => (await health(main.http, endpoint)).state);
    const targetServes = await Promise.any([init.rootToken, main.adminToken].map((t) => vaultClient(endpoint, main.ca, t).tokenLookupSelf())).then(() => true, () => false);
    const mainStillServing = (await Promise.all([...main.endpoints.values()].map((e) => health(main.http, e)))).some((h) => h.state === 'active');
    outcome = { ok: true, value: { restoreError, targetState, targetLog: await keyringLog(drill.container), targetServes, mainStillServing } };
  } catch (error) {
    outcome = { ok: false, error };
  }
  const cleanUpError = await cleanUp().then(() => undefined, (err: unknown) => errorText(err));
  if (!outcome.ok) {
    if (cleanUpError && outcome.error instanceof Error) outcome.error.message += ` (and the drill could not clean up: ${cleanUpError})`;
    throw outcome.error;
  }
  if (cleanUpError) throw new Error(`the seal drill ran but could not clean up after itself: ${cleanUpError}`);
  return outcome.value;
}

/**
 * The drill's transit key, its policy and everything it made on the seal node, whatever of it exists:
 * a transit key is only deleted once `deletion_allowed` is set on it.
 */
export async function removeTransitKey(sealAdmin: VaultClient, key: string): Promise<void> {
  const exists = await sealAdmin.read(`transit/keys/${key}`).then(() => true, (err: { response?: { statusCode?: number } }) => {
    if (err.response?.statusCode === 404) return false;
    throw err;
  });
  if (exists) {
    await sealAdmin.write(`transit/keys/${key}/config`, { deletion_allowed: true });
    await sealAdmin.delete(`transit/keys/${key}`);
  }
  await sealAdmin.delete(`sys/policies/acl/${transitPolicyName(key)}`);
}

/** The target's log lines about the seal and the keyring: the message an operator would read. */
async function keyringLog(container: string): Promise<string[]> {
  return (await logTail(container, 200)).split('\n')
    .filter((l) => /keyring|seal|decrypt|restore|snapshot/i.test(l) && /error|fail|unable|cannot|invalid/i.test(l))
    .slice(-5);
}
