import { normalizeSerial } from '../lab/pki/crl.ts';
import { x509 } from '../lab/pki/crypto.ts';
import { pollUntil } from '../lab/host/wait.ts';
import type { Scenario, ScenarioRun } from '../lab/runner/scenario.ts';
import { health, type VaultClient } from '../lab/vault/api.ts';
import { loginAs } from '../lab/vault/approle.ts';
import { activeEndpoint, type VaultCluster } from '../lab/vault/cluster.ts';
import { useVaultCluster } from '../lab/vault/connect.ts';
import { issueLeaves, listedSerials } from '../lab/vault/issue.ts';
import { MarkerWriter, readMarkers } from '../lab/vault/markers.ts';
import { CERT_MANAGER_APPROLE, ISSUER_MOUNT, PKI_MOUNT, SNAPSHOT_APPROLE } from '../lab/vault/pki-layout.ts';
import { HealthCheckedPool } from '../lab/vault/pool.ts';
import { destroyRaftNodes, restoreIntoFreshCluster } from '../lab/vault/restore.ts';
import { fetchCrl, rebuildCrl, revoke } from '../lab/vault/revocation.ts';
import { restoreWithLostSealKey } from '../lab/vault/seal-drill.ts';
import { takeSnapshot } from '../lab/vault/snapshot.ts';
import { SnapshotStore } from '../lab/vault/snapshot-store.ts';

/** The article keeps the last 30 snapshots. */
const RETAIN = 30;

interface PkiFacts { issuers: string[]; intermediateSerial: string; serials: Set<string> }

async function pkiFacts(admin: VaultClient): Promise<PkiFacts> {
  const [issuing, intermediates, serials, defaultIntermediate] = await Promise.all([
    admin.list(`${ISSUER_MOUNT}/issuers`), admin.list(`${PKI_MOUNT}/issuers`), listedSerials(admin), admin.read(`${PKI_MOUNT}/issuer/default`),
  ]);
  return {
    issuers: [...issuing.data.keys, ...intermediates.data.keys].sort(),
    intermediateSerial: new x509.X509Certificate(defaultIntermediate.data.certificate).serialNumber,
    serials,
  };
}

async function issueAndRevoke(run: ScenarioRun, vaultCluster: VaultCluster, endpoint: string): Promise<{ serials: string[]; revoked: string }> {
  const { client } = await loginAs(run.ctx.paths, endpoint, vaultCluster.ca, CERT_MANAGER_APPROLE);
  const serials = (await issueLeaves(client, 'before-snapshot', run.ctx.config.domains.private, run.quick ? 4 : 10)).map((l) => l.serial);
  const admin = vaultCluster.admin(endpoint);
  await revoke(admin, ISSUER_MOUNT, serials[0]!);
  await rebuildCrl(admin, ISSUER_MOUNT);
  return { serials, revoked: serials[0]! };
}

/** What a standby does when asked for a snapshot: the answer is part of the drill's record. */
async function askStandby(vaultCluster: VaultCluster, token: string): Promise<string> {
  const states = await Promise.all([...vaultCluster.endpoints.values()].map(async (e) => [e, (await health(vaultCluster.http, e)).state] as const));
  const standby = states.find(([, s]) => s === 'standby')?.[0];
  if (!standby) return 'no standby answered';
  return takeSnapshot(vaultCluster.http, standby, token).then((b) => `a standby answered with a ${b.length}-byte snapshot (forwarded to the active node)`, (e) => `a standby refused: ${(e as Error).message}`);
}

/**
 * The article's backup procedure as a drill: markers (this run's own) written every second; a snapshot
 * taken by the snapshot-agent AppRole into the local store; the whole cluster and its volumes destroyed; a
 * fresh cluster force-restored, unsealed by the same transit seal; everything checked; RTO and RPO
 * measured against the configured targets. Then the negative drill: the same restore where the seal key is
 * gone.
 */
export const vaultSnapshotRestore: Scenario = {
  name: 'vault-snapshot-restore',
  description: 'Snapshot by the snapshot-agent AppRole, the cluster and its volumes destroyed, a fresh cluster force-restored through the same seal: RTO, RPO, data checked; and a restore without the seal key fails cleanly.',
  needs: ['vault'],
  labMadeOnly: { vault: 'destroys the Vault cluster and restores it from a snapshot' },
  async run(run) {
    const { targets, domains } = run.ctx.config;
    let vaultCluster = await useVaultCluster(run.ctx);
    const endpoint = await activeEndpoint(vaultCluster);
    const { pool, stop: stopPool } = await HealthCheckedPool.start(run.ctx, vaultCluster);
    // The writer follows whichever cluster is current: the original, then the restored one (for cleanup).
    const { writer, stop: stopWriter } = await run.step('write markers every second', () => MarkerWriter.start(run.ctx, () => vaultCluster.admin(pool.active() ?? endpoint), run.runId));
    const issued = await run.step('issue certificates and revoke one', () => issueAndRevoke(run, vaultCluster, endpoint));
    await run.step('markers being written', () => pollUntil(async () => (writer.written.length >= 3 ? true : undefined), { timeoutMs: 30_000, what: '3 markers', signal: run.ctx.signal }));
    const before = await pkiFacts(vaultCluster.admin(endpoint));

    const store = new SnapshotStore(run.ctx.paths.snapshots, RETAIN);
    const agent = await loginAs(run.ctx.paths, endpoint, vaultCluster.ca, SNAPSHOT_APPROLE);
    const snapshotAt = Date.now();
    const snapshot = await run.step('snapshot by the snapshot-agent AppRole (active node)', () => takeSnapshot(vaultCluster.http, endpoint, agent.token));
    run.figure('snapshot', Date.now() - snapshotAt, 'ms');
    run.figure('snapshot size', snapshot.length / 1024, 'KiB');
    // Every marker acknowledged before the snapshot was asked for must be in it.
    const lastBefore = writer.newestBefore(snapshotAt)!;
    const stored = await run.step(`store it (newest ${RETAIN} kept)`, () => store.put(snapshot));
    run.note('snapshot asked of a standby', await askStandby(vaultCluster, agent.token));

    await run.step('markers written after the snapshot', () => pollUntil(async () => (writer.written.filter((m) => m.at > snapshotAt).length >= 3 ? true : undefined), { timeoutMs: 30_000, what: '3 more markers', signal: run.ctx.signal }));
    await stopWriter();
    await stopPool();
    const lastWritten = writer.newest()!;

    await run.step('destroy the cluster and its volumes', () => destroyRaftNodes(run.ctx));
    // The recovery clock starts when the disaster is complete: every node and volume gone.
    const destroyedAt = Date.now();
    const latest = (await store.newest())!;
    run.check('the newest snapshot in the store is the one just taken', latest.name === stored, latest.name);
    const restored = await restoreIntoFreshCluster(run.ctx, latest.data, (name, work) => run.step(`restore: ${name}`, work));
    run.ctx.releases.defer('close the restored cluster\'s connections', () => restored.http.close());
    vaultCluster = restored;
    const active = await activeEndpoint(restored);
    const { client } = await loginAs(run.ctx.paths, active, restored.ca, CERT_MANAGER_APPROLE);
    const [reissued] = await run.step('issuing again', () => issueLeaves(client, 'after-restore', domains.private, 1));
    run.figure('RTO (destroyed to issuing again)', Date.now() - destroyedAt, 'ms', { threshold: { op: '<=', value: targets.restoreRtoMs } });

    const after = await pkiFacts(restored.admin(active));
    run.check('the same issuers after the restore', JSON.stringify(after.issuers) === JSON.stringify(before.issuers), `${after.issuers.length} issuers`);
    run.check('the same intermediate serial', after.intermediateSerial === before.intermediateSerial, after.intermediateSerial);
    const missing = issued.serials.filter((s) => !after.serials.has(normalizeSerial(s)));
    run.check('every serial issued before the snapshot is present', missing.length === 0, missing.length ? `missing ${missing.join(', ')}` : `${issued.serials.length} present`);
    const crl = await fetchCrl(restored.http, active, ISSUER_MOUNT);
    run.check('the CRL still lists the revoked serial', crl.der.serials.has(normalizeSerial(issued.revoked)), issued.revoked);
    run.check('the cert-manager AppRole still works', !before.serials.has(normalizeSerial(reissued!.serial)), `issued ${reissued!.serial} after the restore`);

    const markers = await readMarkers(restored.admin(active), run.runId);
    const newestKept = markers.at(-1);
    const afterSnapshot = markers.filter((m) => m.at > snapshotAt);
    run.check('markers written after the snapshot are gone', afterSnapshot.length === 0, `${afterSnapshot.length} of this run's markers from after the snapshot found`);
    run.check('every marker acknowledged before the snapshot is kept', !!newestKept && newestKept.seq >= lastBefore.seq, `newest kept #${newestKept?.seq ?? 'none'}, last acknowledged before the snapshot #${lastBefore.seq}`);
    if (newestKept) run.figure('RPO (acknowledged writes lost: newest kept to last written)', lastWritten.at - newestKept.at, 'ms', { threshold: { op: '<=', value: targets.restoreRpoMs } });
    run.note('restore', `snapshot ${stored} (${snapshot.length} bytes) restored; run ${run.runId}: newest marker kept #${newestKept?.seq}, last acknowledged before the snapshot #${lastBefore.seq}, last written #${lastWritten.seq}.`);

    const lost = await run.step('negative drill: restore with the seal key gone', () => restoreWithLostSealKey(run.ctx, restored, snapshot));
    run.check('the restore without the seal key does not serve the snapshot', !lost.targetServes, `API: ${lost.restoreError ?? 'accepted'}; target afterwards: ${lost.targetState}`);
    // Judged on what the server said (its API error or its log), never on words the drill wrote itself.
    const evidence = [lost.restoreError, ...lost.targetLog].filter((l): l is string => !!l);
    const why = evidence.find((l) => /keyring|unseal|decrypt|seal/i.test(l));
    run.check('the server says why (seal or keyring)', !!why, why ?? `nothing about the seal or keyring in: ${evidence.join(' | ') || 'no error and no log line'}`);
    run.check('the real cluster is untouched', lost.mainStillServing);
    run.note('restore without the seal key', [`API: ${lost.restoreError ?? 'accepted'}`, `target afterwards: ${lost.targetState}`, ...lost.targetLog].join('\n'));
  },
};
