import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeLabResources, ensureNetwork } from '../../lab/host/docker.ts';
import { imageByKey } from '../../lab/images/catalog.ts';
import { createCsr } from '../../lab/pki/csr.ts';
import { parseCertificates, verifyChain } from '../../lab/pki/verify.ts';
import { health, vaultErrorText } from '../../lab/vault/api.ts';
import { appRoleClient } from '../../lab/vault/approle.ts';
import { activeEndpoint, startVaultCluster, type VaultCluster } from '../../lab/vault/cluster.ts';
import { signCsr } from '../../lab/vault/issue.ts';
import { CERT_MANAGER_APPROLE, SNAPSHOT_APPROLE } from '../../lab/vault/pki-layout.ts';
import { autopilotState } from '../../lab/vault/raft.ts';
import { loadSecret } from '../../lab/vault/secrets.ts';
import { takeSnapshot } from '../../lab/vault/snapshot.ts';
import { announceSkip, skipReason, testContext } from './support.ts';

// One code path for both: each flavour whose image is here runs the same suite (OpenBao is what setup builds).
const FLAVORS = [
  { flavor: 'openbao', subnet: '172.29.60.0/24' },
  { flavor: 'vault', subnet: '172.29.61.0/24' },
] as const;

describe.each(FLAVORS)('5-node $flavor Raft cluster on the offline-rooted PKI', ({ flavor, subnet }) => {
  const reason = skipReason([imageByKey(flavor).ref]);
  announceSkip(`vault cluster (${flavor})`, reason);
  if (reason) {
    it.skip(`needs ${imageByKey(flavor).ref}`, () => undefined);
    return;
  }
  const ctx = testContext(`certlab-${flavor}test`, subnet, { vault: { flavor } });
  let cluster: VaultCluster;

  beforeAll(async () => {
    await removeLabResources(ctx.config.name);
    await ensureNetwork(ctx.config.name, ctx.config.network.name, ctx.config.network.subnet);
    cluster = await startVaultCluster(ctx);
  });
  afterAll(async () => {
    cluster?.http.close();
    await removeLabResources(ctx.config.name);
  });

  it('has five healthy voters and exactly one leader', async () => {
    const state = await autopilotState(cluster.admin(await activeEndpoint(cluster)));
    expect(state.voters).toHaveLength(5);
    expect(state.servers.every((s) => s.healthy)).toBe(true);
    expect(state.failureTolerance).toBe(2);
    const states = await Promise.all([...cluster.endpoints.values()].map((e) => health(cluster.http, e)));
    expect(states.filter((h) => h.state === 'active')).toHaveLength(1);
    expect(states.filter((h) => h.state === 'standby')).toHaveLength(4);
  });

  it('signs a leaf through pki_private_issuer with the cert-manager AppRole that verifies to the offline root', async () => {
    const approles = (await loadSecret(ctx.paths, 'approles'))!;
    const { client, ttlSeconds } = await appRoleClient(await activeEndpoint(cluster), cluster.ca, approles[CERT_MANAGER_APPROLE]!);
    expect(ttlSeconds).toBeLessThanOrEqual(600);
    const { csrPem } = await createCsr(['app.lab.test', 'app.default.svc.cluster.local']);
    const leaf = await signCsr(client, csrPem, 'app.lab.test');
    const [cert] = parseCertificates(leaf.certificate);
    const chain = await verifyChain(cert!, leaf.caChain.flatMap(parseCertificates), cluster.pki.root.cert);
    expect(chain.map((c) => c.subject)).toEqual([
      expect.stringContaining('CN=app.lab.test'), expect.stringContaining('certlab Vault Issuer'), cluster.pki.intermediate.cert.subject, cluster.pki.root.cert.subject,
    ]);
  });

  it('refuses to let the snapshot-agent sign and the cert-manager AppRole take snapshots', async () => {
    const approles = (await loadSecret(ctx.paths, 'approles'))!;
    const endpoint = await activeEndpoint(cluster);
    const snapshotAgent = await appRoleClient(endpoint, cluster.ca, approles[SNAPSHOT_APPROLE]!);
    const certManager = await appRoleClient(endpoint, cluster.ca, approles[CERT_MANAGER_APPROLE]!);
    const { csrPem } = await createCsr(['denied.lab.test']);
    const signError = await signCsr(snapshotAgent.client, csrPem, 'denied.lab.test').then(() => 'signed', vaultErrorText);
    expect(signError).toMatch(/^403: .*permission denied/);
    await expect(takeSnapshot(cluster.http, endpoint, certManager.token)).rejects.toMatchObject({ status: 403 });
    const snapshot = await takeSnapshot(cluster.http, endpoint, snapshotAgent.token);
    expect(snapshot.length).toBeGreaterThan(1_000);
    // A Raft snapshot is a gzipped tar archive.
    expect(snapshot.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });
});
