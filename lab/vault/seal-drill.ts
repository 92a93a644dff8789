import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { LabContext } from '../context.ts';
import { logTail } from '../host/lab-container.ts';
import { writeSecretFile } from '../host/files.ts';
import { pollUntil } from '../host/wait.ts';
import { errorText } from '../errors.ts';
import { health, initWithRecoveryKeys, vaultClient } from './api.ts';
import type { VaultCluster } from './cluster.ts';
import { startVaultNode } from './cluster.ts';
import { renderNodeConfig } from './render.ts';
import { createTransitKey } from './seal-node.ts';
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
 * serving its own data and the real cluster untouched. The drill node is removed afterwards.
 */
export async function restoreWithLostSealKey(ctx: LabContext, main: VaultCluster, snapshot: Buffer): Promise<LostSealOutcome> {
  const seal = await loadSecret(ctx.paths, 'seal');
  if (!seal) throw new Error('the seal node\'s secrets are missing');
  const key = `lost-seal-drill-${randomBytes(3).toString('hex')}`;
  const token = await createTransitKey(vaultClient(main.sealEndpoint, main.ca, seal.rootToken), key);
  const drill: VaultServer = { name: 'vault-drill', component: 'vault-drill', container: `${ctx.config.name}-vault-drill`, volume: `${ctx.config.name}-vault-drill-data`, hostPort: 0 };
  const topology = { ...main.topology, nodes: [drill] };
  await writeSecretFile(join(ctx.paths.mounts, 'vault-nodes', `${drill.name}.hcl`), await renderNodeConfig(topology, drill, ctx.config.vault.performanceMultiplier, token, key));
  try {
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
    const targetServes = await Promise.any([init.rootToken, main.rootToken].map((t) => vaultClient(endpoint, main.ca, t).tokenLookupSelf())).then(() => true, () => false);
    const mainStillServing = (await Promise.all([...main.endpoints.values()].map((e) => health(main.http, e)))).some((h) => h.state === 'active');
    return { restoreError, targetState, targetLog: await keyringLog(drill.container), targetServes, mainStillServing };
  } finally {
    await removeServer(drill);
  }
}

/** The target's log lines about the seal and the keyring: the message an operator would read. */
async function keyringLog(container: string): Promise<string[]> {
  return (await logTail(container, 200)).split('\n')
    .filter((l) => /keyring|seal|decrypt|restore|snapshot/i.test(l) && /error|fail|unable|cannot|invalid/i.test(l))
    .slice(-5);
}
