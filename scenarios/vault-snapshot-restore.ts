import { createCsr } from '../lab/pki/csr.ts';
import { normalizeSerial } from '../lab/pki/crl.ts';
import { x509 } from '../lab/pki/crypto.ts';
import { pollUntil } from '../lab/host/wait.ts';
import type { Scenario, ScenarioRun } from '../lab/runner/scenario.ts';
import { health, type VaultClient } from '../lab/vault/api.ts';
import { loginAs } from '../lab/vault/approle.ts';
import { activeEndpoint, type VaultCluster } from '../lab/vault/cluster.ts';
import { signCsr } from '../lab/vault/issue.ts';
import { MarkerWriter, readMarkers } from '../lab/vault/markers.ts';
import { CERT_MANAGER_APPROLE, ISSUER_MOUNT, PKI_MOUNT, SNAPSHOT_APPROLE } from '../lab/vault/pki-layout.ts';
import { HealthCheckedPool } from '../lab/vault/pool.ts';
import { destroyRaftNodes, restoreIntoFreshCluster } from '../lab/vault/restore.ts';
import { fetchCrl, rebuildCrl, revoke } from '../lab/vault/revocation.ts';
import { restoreWithLostSealKey } from '../lab/vault/seal-drill.ts';
import { takeSnapshot } from '../lab/vault/snapshot.ts';
import { SnapshotStore } from '../lab/vault/snapshot-store.ts';
import { cluster } from './support.ts';

/** The article keeps the last 30 snapshots. */
const RETAIN = 30;
const RTO_TARGET_MS = 60_000;

interface PkiFacts { issuers: string[]; intermediateSerial: string; serials: Set<string> }

async function pkiFacts(admin: VaultClient): Promise<PkiFacts> {
  const [issuing, intermediates, certs, defaultIntermediate] = await Promise.all([
    admin.list(`${ISSUER_MOUNT}/issuers`), admin.list(`${PKI_MOUNT}/issuers`), admin.list(`${ISSUER_MOUNT}/certs`), admin.read(`${PKI_MOUNT}/issuer/default`),
  ]);
  return {
    issuers: [...issuing.data.keys, ...intermediates.data.keys].sort(),
    intermediateSerial: new x509.X509Certificate(defaultIntermediate.data.certificate).serialNumber,
    serials: new Set((certs.data.keys as string[]).map(normalizeSerial)),
  };
}

async function issueAndRevoke(run: ScenarioRun, c: VaultCluster, endpoint: string): Promise<{ serials: string[]; revoked: string }> {
  const { client } = await loginAs(run.ctx.paths, endpoint, c.ca, CERT_MANAGER_APPROLE);
  const serials: string[] = [];
  for (let i = 0; i < (run.quick ? 4 : 10); i++) {
    const { csrPem } = await createCsr([`before-snapshot-${i}.lab.test`]);
    serials.push((await signCsr(client, csrPem, `before-snapshot-${i}.lab.test`)).serial);
  }
  const admin = c.admin(endpoint);
  await revoke(admin, ISSUER_MOUNT, serials[0]!);
  await rebuildCrl(admin, ISSUER_MOUNT);
  return { serials, revoked: serials[0]! };
}

/** What a standby does when asked for a snapshot: the answer is part of the drill's record. */
async function askStandby(c: VaultCluster, token: string): Promise<string> {
  const states = await Promise.all([...c.endpoints.values()].map(async (e) => [e, (await health(c.http, e)).state] as const));
  const standby = states.find(([, s]) => s === 'standby')?.[0];
  if (!standby) return 'no standby answered';
  return takeSnapshot(c.http, standby, token).then((b) => `a standby answered with a ${b.length}-byte snapshot (forwarded to the active node)`, (e) => `a standby refused: ${(e as Error).message}`);
}

/**
 * The article's backup procedure as a drill: markers written every second; a snapshot taken by the
 * snapshot-agent AppRole into the local store; the whole cluster and its volumes destroyed; a fresh
 * cluster force-restored, unsealed by the same transit seal; everything checked; RTO and RPO measured.
 * Then the negative drill: the same restore where the seal key is gone.
 */
export const vaultSnapshotRestore: Scenario = {
  name: 'vault-snapshot-restore',
  description: 'Snapshot by the snapshot-agent AppRole, the cluster and its volumes destroyed, a fresh cluster force-restored through the same seal: RTO, RPO, data checked; and a restore without the seal key fails cleanly.',
  needs: ['vault'],
  async run(run) {
    const c = await cluster(run);
    const endpoint = await activeEndpoint(c);
    await MarkerWriter.prepare(c.admin(endpoint));
    const pool = new HealthCheckedPool(c);
    await pool.start();
    const writer = new MarkerWriter(() => c.admin(pool.active() ?? endpoint));
    writer.start();
    const issued = await run.step('issue certificates and revoke one', () => issueAndRevoke(run, c, endpoint));
    await run.step('markers being written', () => pollUntil(async () => (writer.written.length >= 3 ? true : undefined), { timeoutMs: 30_000, what: '3 markers' }));
    const before = await pkiFacts(c.admin(endpoint));

    const store = new SnapshotStore(run.ctx.paths.snapshots, RETAIN);
    const agent = await loginAs(run.ctx.paths, endpoint, c.ca, SNAPSHOT_APPROLE);
    const markerAtSnapshot = writer.newest()!;
    const t0 = Date.now();
    const snapshot = await run.step('snapshot by the snapshot-agent AppRole (active node)', () => takeSnapshot(c.http, endpoint, agent.token));
    run.figure('snapshot', Date.now() - t0, 'ms');
    run.figure('snapshot size', snapshot.length / 1024, 'KiB');
    const stored = await run.step('store it (newest 30 kept)', () => store.put(snapshot));
    run.note('snapshot asked of a standby', await askStandby(c, agent.token));
    run.check('the store keeps at most 30 snapshots', (await store.list()).length <= RETAIN, `${(await store.list()).length} in ${store.dir}`);

    await run.step('markers written after the snapshot', () => pollUntil(async () => (writer.written.filter((m) => m.at > t0).length >= 3 ? true : undefined), { timeoutMs: 30_000, what: '3 more markers' }));
    await writer.stop();
    pool.stop();
    const lastWritten = writer.newest()!;

    await run.step('destroy the cluster and its volumes', () => destroyRaftNodes(run.ctx));
    // The recovery clock starts when the disaster is complete: every node and volume gone.
    const destroyedAt = Date.now();
    const latest = (await store.newest())!;
    run.check('the newest snapshot in the store is the one just taken', latest.name === stored, latest.name);
    const restored = await restoreIntoFreshCluster(run.ctx, latest.data, (name, work) => run.step(`restore: ${name}`, work));
    const active = await activeEndpoint(restored);
    const { client } = await loginAs(run.ctx.paths, active, restored.ca, CERT_MANAGER_APPROLE);
    const reissued = await run.step('issuing again', async () => signCsr(client, (await createCsr(['after-restore.lab.test'])).csrPem, 'after-restore.lab.test'));
    run.figure('RTO (destroyed to issuing again)', Date.now() - destroyedAt, 'ms', { threshold: { op: '<=', value: RTO_TARGET_MS } });

    const after = await pkiFacts(restored.admin(active));
    run.check('the same issuers after the restore', JSON.stringify(after.issuers) === JSON.stringify(before.issuers), `${after.issuers.length} issuers`);
    run.check('the same intermediate serial', after.intermediateSerial === before.intermediateSerial, after.intermediateSerial);
    const missing = issued.serials.filter((s) => !after.serials.has(normalizeSerial(s)));
    run.check('every serial issued before the snapshot is present', missing.length === 0, missing.length ? `missing ${missing.join(', ')}` : `${issued.serials.length} present`);
    const crl = await fetchCrl(restored.http, active, ISSUER_MOUNT);
    run.check('the CRL still lists the revoked serial', crl.der.serials.has(normalizeSerial(issued.revoked)), issued.revoked);
    run.check('the cert-manager AppRole still works', normalizeSerial(reissued.serial).length > 0 && !before.serials.has(normalizeSerial(reissued.serial)), `issued ${reissued.serial} after the restore`);

    const markers = await readMarkers(restored.admin(active));
    const newestKept = markers.at(-1);
    const afterSnapshot = markers.filter((m) => m.at > t0);
    run.check('markers written after the snapshot are gone', afterSnapshot.length === 0, `${afterSnapshot.length} found`);
    run.check('markers written before the snapshot are kept', !!newestKept && newestKept.seq >= markerAtSnapshot.seq, `newest kept #${newestKept?.seq}, newest before the snapshot #${markerAtSnapshot.seq}`);
    if (newestKept) run.figure('RPO (last written vs newest kept)', lastWritten.at - newestKept.at, 'ms');
    run.note('restore', `snapshot ${stored} (${snapshot.length} bytes) restored; newest marker kept #${newestKept?.seq}, last written #${lastWritten.seq}.`);

    const lost = await run.step('negative drill: restore with the seal key gone', () => restoreWithLostSealKey(run.ctx, restored, snapshot));
    const failure = lost.restoreError ?? (lost.targetState !== 'active' ? `restore accepted, then the target is ${lost.targetState}: ${lost.targetLog.at(-1) ?? 'no log line'}` : undefined);
    run.check('the restore without the seal key fails', !!failure && !lost.targetServes, failure ?? 'the target serves the restored data');
    run.check('the failure says why (seal or keyring)', /seal|keyring|decrypt/i.test(failure ?? ''), failure);
    run.check('the real cluster is untouched', lost.mainStillServing);
    run.note('restore without the seal key', [`API: ${lost.restoreError ?? 'accepted'}`, `target afterwards: ${lost.targetState}`, ...lost.targetLog].join('\n'));
    restored.http.close();
    c.http.close();
  },
};
