import { existsSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { BlockList } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, removeLabResources, ensureNetwork } from '../../lab/host/docker.ts';
import { execCapture } from '../../lab/host/exec.ts';
import { imageUser } from '../../lab/host/image-user.ts';
import { imageByKey } from '../../lab/images/catalog.ts';
import { normalizeSerial } from '../../lab/pki/crl.ts';
import { createCsr } from '../../lab/pki/csr.ts';
import { ecdsaAlgorithm, generateKeyPair, x509 } from '../../lab/pki/crypto.ts';
import { parseCertificates, verifyChain } from '../../lab/pki/verify.ts';
import { ADMIN_POLICY, ADMIN_TOKEN_PERIOD, adminPolicyRules, tokenValid } from '../../lab/vault/admin.ts';
import { health, vaultClient, vaultErrorText } from '../../lab/vault/api.ts';
import { appRoleClient } from '../../lab/vault/approle.ts';
import { auditDir, countAuditRequests, readAuditEntries } from '../../lab/vault/audit.ts';
import { activeEndpoint, startVaultCluster, type VaultCluster } from '../../lab/vault/cluster.ts';
import { appRoleCidrs, configureVaultPki, secretIdReplacementReason, SECRET_ID_LIMITS } from '../../lab/vault/configure.ts';
import { withGeneratedRoot } from '../../lab/vault/generate-root.ts';
import { formatFindings, pkiHealthCheck } from '../../lab/vault/health-check.ts';
import { issueLeaves, signCsr } from '../../lab/vault/issue.ts';
import { CERT_MANAGER_APPROLE, ISSUER_MOUNT, PKI_MOUNT, PKI_ROLE, SNAPSHOT_APPROLE } from '../../lab/vault/pki-layout.ts';
import { autopilotState } from '../../lab/vault/raft.ts';
import { destroyRaftNodes, restoreIntoFreshCluster } from '../../lab/vault/restore.ts';
import { fetchCrl, rebuildCrl, revoke, tidy } from '../../lab/vault/revocation.ts';
import { rotateIntermediate } from '../../lab/vault/rotation.ts';
import { restoreWithLostSealKey } from '../../lab/vault/seal-drill.ts';
import { loadSecret, saveSecret } from '../../lab/vault/secrets.ts';
import { takeSnapshot } from '../../lab/vault/snapshot.ts';
import { announceSkip, skipReason, testContext } from './support.ts';

const ADMIN_TOKEN_PERIOD_SECONDS = Number.parseInt(ADMIN_TOKEN_PERIOD, 10) * 3600; // '168h'

// One code path for both: each flavour whose image is here runs the same suite (OpenBao is what setup builds).
const FLAVORS = [
  { flavor: 'openbao', lab: 'certlab-vh-openbao', subnet: '172.29.100.0/24' },
  { flavor: 'vault', lab: 'certlab-vh-vault', subnet: '172.29.101.0/24' },
] as const;

/** The uid, gid line of a process in a container (Real, effective, saved, filesystem). */
async function processIds(container: string, pid = 1): Promise<{ uids: number[]; gids: number[] }> {
  const status = (await execCapture(container, ['cat', `/proc/${pid}/status`])).stdout;
  const ids = (name: string) => (new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(status)?.[1] ?? '').trim().split(/\s+/).map(Number);
  return { uids: ids('Uid'), gids: ids('Gid') };
}

describe.each(FLAVORS)('5-node $flavor Raft cluster on the offline-rooted PKI', ({ flavor, lab, subnet }) => {
  const reason = skipReason([imageByKey(flavor).ref]);
  announceSkip(`vault cluster (${flavor})`, reason);
  if (reason) {
    it.skip(`needs ${imageByKey(flavor).ref}`, () => undefined);
    return;
  }
  const ctx = testContext(lab, subnet, { vault: { flavor } });
  let cluster: VaultCluster;
  let initRootToken = '';

  beforeAll(async () => {
    await removeLabResources(ctx.config.name);
    await ensureNetwork(ctx.config.name, ctx.config.network.name, ctx.config.network.subnet);
    cluster = await startVaultCluster(ctx, { onInit: (init) => { initRootToken = init.rootToken; } });
  });
  afterAll(async () => {
    cluster?.http.close();
    await removeLabResources(ctx.config.name);
  });

  const certManager = async () => appRoleClient(await activeEndpoint(cluster), cluster.ca, (await loadSecret(ctx.paths, 'approles'))![CERT_MANAGER_APPROLE]!);

  it('has five healthy voters and exactly one leader', async () => {
    const state = await autopilotState(cluster.admin(await activeEndpoint(cluster)));
    expect(state.voters).toHaveLength(5);
    expect(state.servers.every((s) => s.healthy)).toBe(true);
    expect(state.failureTolerance).toBe(2);
    const states = await Promise.all([...cluster.endpoints.values()].map((e) => health(cluster.http, e)));
    expect(states.filter((h) => h.state === 'active')).toHaveLength(1);
    expect(states.filter((h) => h.state === 'standby')).toHaveLength(4);
  });

  it('runs every server, the seal node included, as the image\'s unprivileged user, never uid 0', async () => {
    const { flavor: f } = cluster.topology;
    const owner = await imageUser(ctx.config.name, f.image, f.user);
    expect(owner.uid).toBeGreaterThan(0);
    for (const server of [...cluster.topology.nodes, cluster.topology.seal]) {
      const { uids, gids } = await processIds(server.container);
      expect(uids, server.container).toEqual([owner.uid, owner.uid, owner.uid, owner.uid]);
      expect(gids, server.container).toEqual([owner.gid, owner.gid, owner.gid, owner.gid]);
      // What docker top shows for the server process (host view): the same uid, the binary's command line.
      const top = await (await docker()).getContainer(server.container).top({ ps_args: '-o pid,uid,args' }) as { Titles: string[]; Processes: string[][] };
      const [uidAt, argsAt] = [top.Titles.indexOf('UID'), top.Titles.findIndex((t) => t === 'COMMAND' || t === 'ARGS')];
      const proc = top.Processes.find((p) => p[argsAt]?.includes(`${f.binary} server`));
      expect(Number(proc?.[uidAt]), `${server.container}: ${JSON.stringify(top)}`).toBe(owner.uid);
      // Its key is 0600 and its own; its Raft data on the image's data directory is its own.
      const key = await execCapture(server.container, ['stat', '-c', '%a %u', '/certlab/tls/vault-key.pem']);
      expect(key.stdout.trim()).toBe(`600 ${owner.uid}`);
      const data = await execCapture(server.container, ['stat', '-c', '%u', f.dataDir]);
      expect(data.stdout.trim()).toBe(String(owner.uid));
    }
  });

  it('signs a leaf through pki_private_issuer with the cert-manager AppRole that verifies to the offline root', async () => {
    const { client, ttlSeconds } = await certManager();
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
    const certManagerLogin = await appRoleClient(endpoint, cluster.ca, approles[CERT_MANAGER_APPROLE]!);
    const { csrPem } = await createCsr(['denied.lab.test']);
    const signError = await signCsr(snapshotAgent.client, csrPem, 'denied.lab.test').then(() => 'signed', vaultErrorText);
    expect(signError).toMatch(/^403: .*permission denied/);
    await expect(takeSnapshot(cluster.http, endpoint, certManagerLogin.token)).rejects.toMatchObject({ status: 403 });
    const snapshot = await takeSnapshot(cluster.http, endpoint, snapshotAgent.token);
    expect(snapshot.length).toBeGreaterThan(1_000);
    // A Raft snapshot is a gzipped tar archive.
    expect(snapshot.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  it('has revoked the init root token and works with a scoped admin token instead', async () => {
    const endpoint = await activeEndpoint(cluster);
    expect(initRootToken).not.toBe('');
    const lookup = await vaultClient(endpoint, cluster.ca, initRootToken).tokenLookupSelf().then(() => 'valid', vaultErrorText);
    expect(lookup).toMatch(/^403: .*permission denied/);
    const init = (await loadSecret(ctx.paths, 'init'))!;
    expect(init.rootToken).toBeUndefined();
    expect(init.recoveryKeys).toHaveLength(5);

    const self = (await cluster.admin(endpoint).tokenLookupSelf()).data;
    expect(self.policies).toEqual([ADMIN_POLICY]);
    expect(self.orphan).toBe(true);
    expect(self.period).toBe(ADMIN_TOKEN_PERIOD_SECONDS);
    expect(self.ttl).toBeLessThanOrEqual(ADMIN_TOKEN_PERIOD_SECONDS);
    expect(cluster.adminToken).toBe((await loadSecret(ctx.paths, 'admin'))!.token);
    // What it may not do: make tokens, read raw storage, change its own policy, generate root through the API.
    const denied = async (work: () => Promise<unknown>) => work().then(() => 'allowed', vaultErrorText);
    const admin = cluster.admin(endpoint);
    expect(await denied(() => admin.write('auth/token/create', { policies: [ADMIN_POLICY] }))).toMatch(/^403: /);
    expect(await denied(() => admin.read('sys/raw/core/keyring'))).toMatch(/^(403|404): /);
    expect(await denied(() => admin.write(`sys/policies/acl/${ADMIN_POLICY}`, { policy: 'path "*" { capabilities = ["sudo", "read"] }' }))).toMatch(/^403: /);
    expect(await denied(() => admin.write('sys/policies/acl/anything', { policy: 'path "*" { capabilities = ["read"] }' }))).toMatch(/^403: /);
    expect(await denied(() => admin.mount({ mount_point: 'other', type: 'kv' }))).toMatch(/^403: /);
  });

  it('withGeneratedRoot hands out a working root token from the recovery keys and revokes it afterwards', async () => {
    let generated = '';
    const policies = await withGeneratedRoot(ctx, cluster, async (root, endpoint) => {
      generated = root;
      return (await vaultClient(endpoint, cluster.ca, root).tokenLookupSelf()).data.policies as string[];
    });
    expect(policies).toEqual(['root']);
    expect(await tokenValid(cluster.http, await activeEndpoint(cluster), generated)).toBe(false);
    // Revoked also when the work fails.
    let failing = '';
    await expect(withGeneratedRoot(ctx, cluster, async (root) => { failing = root; throw new Error('work failed'); })).rejects.toThrow('work failed');
    expect(failing).not.toBe('');
    expect(await tokenValid(cluster.http, await activeEndpoint(cluster), failing)).toBe(false);
  });

  it('gives AppRole tokens their one policy (no default), bound with their secret IDs to the lab network and the host, and logins from the host work', async () => {
    const since = new Date();
    const cidrs = appRoleCidrs(subnet);
    expect(cidrs).toEqual([subnet]);
    // Lab containers sit on the lab network alone (not on the engine's default bridge as well).
    const networks = Object.keys((await (await docker()).getContainer(cluster.topology.nodes[0]!.container).inspect()).NetworkSettings.Networks);
    expect(networks).toEqual([ctx.config.network.name]);
    const creds = (await loadSecret(ctx.paths, 'approles'))![CERT_MANAGER_APPROLE]!;
    const login = await vaultClient(await activeEndpoint(cluster), cluster.ca).approleLogin({ role_id: creds.roleId, secret_id: creds.secretId });
    expect(login.auth.policies).toEqual([CERT_MANAGER_APPROLE]);
    expect(login.auth.token_policies).toEqual([CERT_MANAGER_APPROLE]);
    const token = login.auth.client_token as string;
    // Without `default` the token cannot even look itself up.
    expect(await vaultClient(await activeEndpoint(cluster), cluster.ca, token).tokenLookupSelf().then(() => 'allowed', vaultErrorText)).toMatch(/^403: .*permission denied/);
    const role = (await cluster.admin(await activeEndpoint(cluster)).read(`auth/approle/role/${CERT_MANAGER_APPROLE}`)).data;
    expect(role).toMatchObject({
      token_no_default_policy: true, token_bound_cidrs: cidrs, secret_id_bound_cidrs: cidrs,
      secret_id_ttl: 720 * 3600, secret_id_num_uses: SECRET_ID_LIMITS.numUses,
    });
    // Through a standby too: it forwards the request with the client's address, which the active node checks.
    const states = await Promise.all([...cluster.endpoints.values()].map(async (e) => [e, (await health(cluster.http, e)).state] as const));
    const standby = states.find(([, st]) => st === 'standby')![0];
    const viaStandby = await appRoleClient(standby, cluster.ca, (await loadSecret(ctx.paths, 'approles'))![CERT_MANAGER_APPROLE]!);
    await signCsr(viaStandby.client, (await createCsr(['via-standby.lab.test'])).csrPem, 'via-standby.lab.test');
    // Where the host's requests come from, as the servers see them: inside one of the bound CIDRs.
    const logins = await readAuditEntries(ctx.paths, cluster.topology, { since, path: /^auth\/approle\/login$/ });
    expect(logins.length).toBeGreaterThanOrEqual(2);
    const allowed = new BlockList();
    for (const c of cidrs) allowed.addSubnet(c.split('/')[0]!, Number(c.split('/')[1]));
    for (const l of logins) expect(allowed.check(l.remoteAddress ?? ''), `${l.remoteAddress} in ${cidrs.join(', ')}`).toBe(true);
    process.stdout.write(`AppRole CIDRs ${cidrs.join(', ')}; host logins seen from ${[...new Set(logins.map((l) => l.remoteAddress))].join(', ')}\n`);
    expect(token).toMatch(/^(s|hvs)\./);
  });

  it('replaces a saved secret ID that is near expiry or nearly used up on the next configuration run', async () => {
    const endpoint = await activeEndpoint(cluster);
    const admin = cluster.admin(endpoint);
    const saved = (await loadSecret(ctx.paths, 'approles'))!;
    expect(await secretIdReplacementReason(admin, CERT_MANAGER_APPROLE, saved[CERT_MANAGER_APPROLE]!.secretId)).toBeUndefined();
    const short = (await admin.write(`auth/approle/role/${CERT_MANAGER_APPROLE}/secret-id`, { ttl: '1h' })).data.secret_id as string;
    expect(await secretIdReplacementReason(admin, CERT_MANAGER_APPROLE, short)).toMatch(/^expires /);
    const few = (await admin.write(`auth/approle/role/${SNAPSHOT_APPROLE}/secret-id`, { num_uses: 5 })).data.secret_id as string;
    expect(await secretIdReplacementReason(admin, SNAPSHOT_APPROLE, few)).toBe('5 logins left');
    expect(await secretIdReplacementReason(admin, CERT_MANAGER_APPROLE, 'not-a-secret-id')).toMatch(/^unknown/);

    await saveSecret(ctx.paths, 'approles', { ...saved, [CERT_MANAGER_APPROLE]: { ...saved[CERT_MANAGER_APPROLE]!, secretId: short } });
    await configureVaultPki(ctx, cluster);
    const after = (await loadSecret(ctx.paths, 'approles'))!;
    expect(after[CERT_MANAGER_APPROLE]!.secretId).not.toBe(short);
    expect(after[SNAPSHOT_APPROLE]).toEqual(saved[SNAPSHOT_APPROLE]);
    expect(await secretIdReplacementReason(admin, CERT_MANAGER_APPROLE, short)).toMatch(/^unknown/);
    await certManager();
  });

  it('refuses names outside the role\'s domains, localhost and IP SANs with Vault\'s own error', async () => {
    const { client } = await certManager();
    const sign = (csrPem: string, commonName: string) => client.write(`${ISSUER_MOUNT}/sign/${PKI_ROLE}`, { csr: csrPem, common_name: commonName, ttl: '1h' }).then(() => 'signed', vaultErrorText);
    const refused = async (names: string[]) => sign((await createCsr(names)).csrPem, names[0]!);
    expect(await refused(['www.example.com'])).toMatch(/^400: common name www\.example\.com not allowed by this role/);
    expect(await refused(['localhost'])).toMatch(/^400: common name localhost not allowed by this role/);
    // The role signs the CSR's SANs (use_csr_sans), so the IP SAN goes in the CSR.
    const keys = await generateKeyPair('P-256');
    const withIp = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=ok.lab.test', keys, signingAlgorithm: ecdsaAlgorithm('P-256'),
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'ok.lab.test' }, { type: 'ip', value: '10.1.2.3' }])],
    });
    expect(await sign(withIp.toString('pem'), 'ok.lab.test')).toMatch(/^400: IP Subject Alternative Names are not allowed in this role/);
    expect(await refused(['ok.lab.test', 'evil.example.org'])).toMatch(/^400: subject alternate name evil\.example\.org not allowed by this role/);
    // What cert-manager needs still passes: names and wildcards within the domains.
    expect(await refused(['*.apps.lab.test', 'web.default.svc.cluster.local'])).toBe('signed');
  });

  it('passes Vault\'s own pki health-check on both mounts: nothing critical, no warning, every check ran', async () => {
    for (const mount of [PKI_MOUNT, ISSUER_MOUNT]) {
      const findings = await pkiHealthCheck(ctx, cluster, mount);
      const bad = findings.filter((f) => ['critical', 'warning', 'insufficient_permissions', 'invalid_version'].includes(f.status));
      expect(bad, `${mount}:\n${formatFindings(findings)}`).toEqual([]);
      expect(findings.filter((f) => f.status === 'ok').map((f) => f.check), `${mount}:\n${formatFindings(findings)}`).toEqual(expect.arrayContaining(['enable_auto_tidy', 'tidy_last_run', 'ca_validity_period', 'crl_validity_period']));
      process.stdout.write(`pki health-check ${mount} (${flavor}):\n${formatFindings(findings)}\n`);
    }
  });

  it('audits every request to a file per node: the sign requests are counted, and no token appears in clear', async () => {
    const since = new Date();
    const { client, token } = await certManager();
    const count = 4;
    for (let i = 0; i < count; i++) await signCsr(client, (await createCsr([`audited-${i}.lab.test`])).csrPem, `audited-${i}.lab.test`);
    const until = new Date();
    const filter = { since, until, path: /^pki_private_issuer\/sign\// };
    expect(await countAuditRequests(ctx.paths, cluster.topology, filter)).toBe(count);
    expect(await countAuditRequests(ctx.paths, cluster.topology, { ...filter, type: 'response' })).toBe(count);
    expect(await countAuditRequests(ctx.paths, cluster.topology, { ...filter, since: until, until: undefined })).toBe(0);
    // The files live in the state directory, one per node; secrets in them are HMAC'd.
    const logs = await Promise.all(cluster.topology.nodes.map(async (n) => {
      const dir = auditDir(ctx.paths, n);
      return (await readdir(dir)).includes('audit.log') ? readFile(join(dir, 'audit.log'), 'utf8') : '';
    }));
    const all = logs.join('\n');
    expect(all.length).toBeGreaterThan(0);
    const approles = (await loadSecret(ctx.paths, 'approles'))!;
    const secrets = [cluster.adminToken, token, initRootToken, ...Object.values(approles).map((a) => a.secretId)];
    for (const secret of secrets) expect(all.includes(secret), 'a token or secret ID in clear in the audit log').toBe(false);
    expect(all).toContain('hmac-sha256:');
  });

  it('lets the admin token do the lab\'s PKI operations: revoke, rebuild the CRL, tidy, rotate the intermediate', async () => {
    const endpoint = await activeEndpoint(cluster);
    const admin = cluster.admin(endpoint);
    const { client } = await certManager();
    const [leaf] = await issueLeaves(client, 'admin-ops', ctx.config.domains.private, 1);
    await revoke(admin, ISSUER_MOUNT, leaf!.serial);
    await rebuildCrl(admin, ISSUER_MOUNT);
    expect((await fetchCrl(cluster.http, endpoint, ISSUER_MOUNT)).der.serials.has(normalizeSerial(leaf!.serial))).toBe(true);
    await tidy(cluster.http, endpoint, admin, ISSUER_MOUNT, { tidy_cert_store: true, tidy_revoked_certs: true, safety_buffer: '72h' });
    const rotation = await rotateIntermediate(admin, cluster.pki, 'CN=certlab Intermediate CA rotated in test, O=certlab');
    const [after] = await issueLeaves(client, 'after-rotation', ctx.config.domains.private, 1);
    const chain = await verifyChain(parseCertificates(after!.certificate)[0]!, [...after!.caChain.flatMap(parseCertificates), rotation.intermediate.cert], cluster.pki.root.cert);
    expect(chain[2]?.serialNumber).toBe(rotation.intermediate.cert.serialNumber);
  });

  it('brings the configured cluster up again with the saved admin token, and makes a new one when it is lost', async () => {
    const before = cluster.adminToken;
    // A policy that drifted from the fixture is put back (through a generated root: the admin may not change it).
    const wanted = await adminPolicyRules();
    await withGeneratedRoot(ctx, cluster, (root, endpoint) => vaultClient(endpoint, cluster.ca, root).write(`sys/policies/acl/${ADMIN_POLICY}`, { policy: `${wanted}\n# drifted\n` }));
    cluster.http.close();
    cluster = await startVaultCluster(ctx);
    expect(cluster.adminToken).toBe(before);
    expect((await cluster.admin(await activeEndpoint(cluster)).read(`sys/policies/acl/${ADMIN_POLICY}`)).data.policy).toBe(wanted);
    await expectFiveVoters(cluster);

    await rm(join(ctx.paths.secrets, 'vault-admin.json'));
    cluster.http.close();
    cluster = await startVaultCluster(ctx);
    expect(cluster.adminToken).not.toBe(before);
    expect((await cluster.admin(await activeEndpoint(cluster)).tokenLookupSelf()).data.policies).toEqual([ADMIN_POLICY]);
    expect((await loadSecret(ctx.paths, 'init'))!.rootToken).toBeUndefined();
  });

  it('leaves nothing behind after the negative seal drill: transit key, policy, token, config, container', async () => {
    const agent = await appRoleClient(await activeEndpoint(cluster), cluster.ca, (await loadSecret(ctx.paths, 'approles'))![SNAPSHOT_APPROLE]!);
    const snapshot = await takeSnapshot(cluster.http, await activeEndpoint(cluster), agent.token);
    const seal = vaultClient(cluster.sealEndpoint, cluster.ca, (await loadSecret(ctx.paths, 'seal'))!.rootToken);
    const keysBefore = ((await seal.list('transit/keys')).data.keys as string[]).sort();
    const policiesBefore = ((await seal.list('sys/policies/acl')).data.keys as string[]).sort();
    const tokensBefore = ((await seal.list('auth/token/accessors')).data.keys as string[]).length;
    const outcome = await restoreWithLostSealKey(ctx, cluster, snapshot);
    expect(outcome.mainStillServing).toBe(true);
    expect(((await seal.list('transit/keys')).data.keys as string[]).sort()).toEqual(keysBefore);
    expect(((await seal.list('sys/policies/acl')).data.keys as string[]).sort()).toEqual(policiesBefore);
    expect(((await seal.list('auth/token/accessors')).data.keys as string[]).length).toBe(tokensBefore);
    expect(existsSync(join(ctx.paths.mounts, 'vault-nodes', 'vault-drill.hcl'))).toBe(false);
    expect(await (await docker()).getContainer(`${ctx.config.name}-vault-drill`).inspect().then(() => 'exists', () => 'gone')).toBe('gone');
    expect(await (await docker()).getVolume(`${ctx.config.name}-vault-drill-data`).inspect().then(() => 'exists', () => 'gone')).toBe('gone');
  });

  it('restores a snapshot into a fresh cluster that then answers to the lab\'s admin token, its own init root token gone', async () => {
    const endpoint = await activeEndpoint(cluster);
    const agent = await appRoleClient(endpoint, cluster.ca, (await loadSecret(ctx.paths, 'approles'))![SNAPSHOT_APPROLE]!);
    const snapshot = await takeSnapshot(cluster.http, endpoint, agent.token);
    await destroyRaftNodes(ctx);
    let freshRoot = '';
    const restored = await restoreIntoFreshCluster(ctx, snapshot, async (name, work) => {
      const out = await work();
      if (name === 'fresh 5-node cluster') freshRoot = (out as VaultCluster).adminToken;
      return out;
    });
    cluster.http.close();
    cluster = restored;
    const active = await activeEndpoint(cluster);
    expect(cluster.adminToken).toBe((await loadSecret(ctx.paths, 'admin'))!.token);
    expect((await cluster.admin(active).tokenLookupSelf()).data.policies).toEqual([ADMIN_POLICY]);
    expect(freshRoot).not.toBe('');
    expect(await tokenValid(cluster.http, active, freshRoot)).toBe(false);
    const { client } = await certManager();
    await signCsr(client, (await createCsr(['after-restore.lab.test'])).csrPem, 'after-restore.lab.test');
    for (const server of cluster.topology.nodes) expect((await processIds(server.container)).uids[0]).toBeGreaterThan(0);
  });
});

async function expectFiveVoters(cluster: VaultCluster): Promise<void> {
  const state = await autopilotState(cluster.admin(await activeEndpoint(cluster)));
  expect(state.voters).toHaveLength(5);
}
