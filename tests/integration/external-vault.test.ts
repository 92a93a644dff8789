import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveComponents } from '../../lab/components.ts';
import { loadConfig, parseConfig } from '../../lab/config/load.ts';
import { createContext, type LabContext } from '../../lab/context.ts';
import { LabError } from '../../lab/errors.ts';
import { labContainers, removeLabResources } from '../../lab/host/docker.ts';
import { imageByKey } from '../../lab/images/catalog.ts';
import { bringUp } from '../../lab/lifecycle/up.ts';
import { runScenario } from '../../lab/runner/record.ts';
import { runScenarios } from '../../lab/runner/run.ts';
import { vaultClient, type VaultClient } from '../../lab/vault/api.ts';
import { activeEndpoint, connectVaultCluster, tlsDir, type VaultCluster } from '../../lab/vault/cluster.ts';
import { withGeneratedRoot } from '../../lab/vault/generate-root.ts';
import { vaultComponent } from '../../lab/vault/index.ts';
import { vaultLbEndpoint } from '../../lab/vault/lb/index.ts';
import { ISSUER_MOUNT, PKI_MOUNT } from '../../lab/vault/pki-layout.ts';
import { secretPath } from '../../lab/vault/secrets.ts';
import { userVaultLabPolicy } from '../../lab/vault/user-vault/index.ts';
import { pkiRevocation } from '../../scenarios/pki-revocation.ts';
import { vaultLeaderFailover } from '../../scenarios/vault-leader-failover.ts';
import { certlab, expectOneClearLine, labDir } from '../helpers/cli.ts';
import { announceSkip, scenarioFailures, skipReason, testContext } from './support.ts';

/**
 * The lab on a Vault it did not make (vault.address). The "user's" Vault is a certlab lab of its own
 * (`xvault`, the vault component alone: 3 Raft nodes behind HAProxy), started separately; its operator (a
 * generated root token) grants the user lab the policy of fixtures/vault/policies/user-vault-lab.hcl in a
 * token file. The user lab (`xvuser`, DNS and vault) then mounts its PKI there, runs pki-revocation,
 * refuses what would kill nodes, and `certlab down` removes what it made and nothing else.
 */
const XVAULT = { name: 'xvault', subnet: '172.29.143.0/24' };
const XVUSER = { name: 'xvuser', subnet: '172.29.144.0/24' };
const PREFIX = `certlab-${XVUSER.name}`;

const images = resolveComponents(['dns', 'vault']).flatMap((c) => c.images(parseConfig({}, 'test'))).map((k) => imageByKey(k).ref);
const reason = skipReason([...new Set(images)]);
announceSkip('the lab on your own Vault', reason);

async function keysOf(client: VaultClient, path: string): Promise<string[]> {
  const res = await client.read(path);
  return Object.keys(res.data ?? res);
}

describe.skipIf(reason)('the lab on a Vault it did not make (vault.address)', () => {
  let xvault: LabContext;
  let xvaultCluster: VaultCluster;
  let xvaultAdmin: VaultClient;
  let userDir: string;
  let user: LabContext;
  const secretsDir = mkdtempSync(join(tmpdir(), 'xvuser-operator-'));
  const writeSecret = (name: string, value: string): string => {
    const file = join(secretsDir, name);
    writeFileSync(file, `${value}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return file;
  };

  beforeAll(async () => {
    xvault = testContext(XVAULT.name, XVAULT.subnet, { vault: { nodes: 3 } });
    await removeLabResources(XVUSER.name);
    await removeLabResources(XVAULT.name);
    await bringUp(xvault, resolveComponents(['vault']), { imageMode: 'build', renderer: 'silent' });
    xvaultCluster = (await connectVaultCluster(xvault))!;
    xvaultAdmin = xvaultCluster.admin(await activeEndpoint(xvaultCluster));

    // The Vault's operator: a policy for the user lab's prefix and a token holding it, in a 0600 file.
    const token = await withGeneratedRoot(xvault, xvaultCluster, async (root, endpoint) => {
      const operator = vaultClient(endpoint, xvaultCluster.ca, root);
      const grant = await userVaultLabPolicy({ name: XVUSER.name, vault: {} });
      await operator.write(`sys/policies/acl/${XVUSER.name}-operator-grant`, { policy: grant });
      const created = await operator.write('auth/token/create-orphan', { policies: [`${XVUSER.name}-operator-grant`], no_default_policy: true, ttl: '2h' });
      // The same rights through an AppRole of the Vault's own, for a lab that logs in that way.
      await operator.write(`auth/approle/role/${XVUSER.name}-lab`, { token_policies: [`${XVUSER.name}-operator-grant`], token_no_default_policy: true, token_ttl: '10m' });
      writeSecret('role-id', (await operator.read(`auth/approle/role/${XVUSER.name}-lab/role-id`)).data.role_id);
      writeSecret('secret-id', (await operator.write(`auth/approle/role/${XVUSER.name}-lab/secret-id`, {})).data.secret_id);
      // And a grant without the right to enable an auth method: a bring-up that fails half-way.
      const noAuth = grant.replace(/path "sys\/auth\/[^"]+\/\*" \{[^}]*\}\n/, '');
      await operator.write(`sys/policies/acl/${XVUSER.name}-no-auth-grant`, { policy: noAuth });
      writeSecret('vault-token-no-auth', (await operator.write('auth/token/create-orphan', { policies: [`${XVUSER.name}-no-auth-grant`], no_default_policy: true, ttl: '2h' })).auth.client_token);
      return created.auth.client_token as string;
    });
    const tokenFile = writeSecret('vault-token', token);

    const lb = await vaultLbEndpoint(xvault);
    userDir = labDir({
      name: XVUSER.name, network: { name: XVUSER.name, subnet: XVUSER.subnet },
      ports: { vaultBase: 0, pebble: 0, pebbleManagement: 0, dns: 0, vaultLb: 0 },
      vault: { address: lb.url, caFile: join(tlsDir(xvault), 'ca-chain.pem'), tokenFile },
    }, 'certlab-xvuser-');
    user = createContext(loadConfig({ cwd: userDir, env: {} }));
    user.progress = (l) => process.stdout.write(`  [xvuser] ${l}\n`);
    await bringUp(user, resolveComponents(['dns', 'vault']), { imageMode: 'build', renderer: 'silent' });
  });

  afterAll(async () => {
    await removeLabResources(XVUSER.name);
    await removeLabResources(XVAULT.name);
    xvaultCluster?.http.close();
    for (const dir of [secretsDir, userDir, xvault?.config.stateDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('mounts its PKI and AppRole under its prefix there and starts no Vault container', async () => {
    expect(await keysOf(xvaultAdmin, 'sys/mounts')).toEqual(expect.arrayContaining([`${PREFIX}/pki/`, `${PREFIX}/pki_private_issuer/`]));
    expect(await keysOf(xvaultAdmin, 'sys/auth')).toContain(`${PREFIX}/approle/`);
    const containers = (await labContainers(XVUSER.name)).flatMap((c) => c.Names);
    expect(containers.length).toBeGreaterThan(0);
    expect(containers.filter((n) => /vault/.test(n))).toEqual([]);
    const [row] = await vaultComponent.status(user);
    expect(row).toMatchObject({ component: 'vault', address: user.config.vault.address, health: 'ok', role: 'your Vault, unsealed' });
    expect(row!.detail).toMatch(new RegExp(`^version \\d+\\.\\d+\\.\\d+, raft, HA on .*; the lab's mounts: ${PREFIX}/pki, ${PREFIX}/pki_private_issuer$`));
  });

  it('logs in with an AppRole of that Vault as well as with a token', async () => {
    const { tokenFile: _token, ...vault } = user.config.vault;
    const viaAppRole = createContext({ ...user.config, vault: { ...vault, approle: { roleIdFile: join(secretsDir, 'role-id'), secretIdFile: join(secretsDir, 'secret-id'), mount: 'approle' } } });
    const [row] = await vaultComponent.status(viaAppRole);
    expect(row).toMatchObject({ health: 'ok', role: 'your Vault, unsealed' });
    expect(await vaultComponent.isRunning(viaAppRole)).toBe(true);
  });

  it('runs pki-revocation there and skips, with the reason, a scenario that kills Vault nodes', async () => {
    const { report } = await runScenarios(user, [pkiRevocation, vaultLeaderFailover], { runId: 'it-xvuser', quick: true, imageMode: 'build', renderer: 'silent', progressTo: process.stdout });
    const [pki, failover] = report.scenarios;
    expect(scenarioFailures(pki!)).toEqual([]);
    expect(pki!.status).toBe('passed');
    expect(pki!.assertions.filter((a) => a.passed).length).toBeGreaterThanOrEqual(6);
    expect(failover).toMatchObject({ status: 'skipped', skipReason: 'vault-leader-failover kills, stops, freezes and cuts off the active Vault node; it runs only on a Vault the lab made (vault.address is set)' });
  });

  it('refuses, in one line with exit 2, a scenario that kills Vault nodes and the platform', () => {
    const run = certlab(userDir, ['run', '--quick', 'vault-leader-failover']);
    expect(run.status).toBe(2);
    expectOneClearLine(run.stderr, /^certlab: vault-leader-failover kills, stops, freezes and cuts off the active Vault node; it runs only on a Vault the lab made \(vault\.address is set\); leave it out/);
    const up = certlab(userDir, ['up', 'platform']);
    expect(up.status).toBe(2);
    expectOneClearLine(up.stderr, /^certlab: component platform does not run on your own Vault yet \(vault\.address is set\); leave it out: certlab up dns acme vault kube-cluster$/);
  });

  it('`certlab down` removes what it made there and nothing else of that Vault', async () => {
    const policiesBefore = (await xvaultAdmin.list('sys/policies/acl')).data.keys as string[];
    expect(policiesBefore).toContain(`${PREFIX}-approle-cert-manager`);
    const down = certlab(userDir, ['down']);
    expect(down.stderr).toBe('');
    expect(down.status).toBe(0);
    expect(down.stdout).toContain(`removed from ${user.config.vault.address}: policy ${PREFIX}-approle-cert-manager, auth ${PREFIX}/approle, mount ${PREFIX}/pki_private_issuer, mount ${PREFIX}/pki`);
    const mounts = await keysOf(xvaultAdmin, 'sys/mounts');
    expect(mounts.filter((m) => m.startsWith(`${PREFIX}/`))).toEqual([]);
    expect((await keysOf(xvaultAdmin, 'sys/auth')).filter((m) => m.startsWith(`${PREFIX}/`))).toEqual([]);
    const policiesAfter = (await xvaultAdmin.list('sys/policies/acl')).data.keys as string[];
    expect(policiesAfter.filter((p) => p.startsWith(`${PREFIX}-`))).toEqual([]);
    // Every other policy, the operator's grant among them, is still there.
    expect(policiesAfter.sort()).toEqual(policiesBefore.filter((p) => !p.startsWith(`${PREFIX}-`)).sort());
    expect(policiesAfter).toContain(`${XVUSER.name}-operator-grant`);
    expect(mounts).toEqual(expect.arrayContaining([`${PKI_MOUNT}/`, `${ISSUER_MOUNT}/`]));
    expect(await labContainers(XVUSER.name)).toEqual([]);
  });

  it('undoes there a bring-up its credentials do not allow, and says so in one line', async () => {
    const limited = createContext({ ...user.config, vault: { ...user.config.vault, tokenFile: join(secretsDir, 'vault-token-no-auth') } });
    const err = await bringUp(limited, resolveComponents(['vault']), { imageMode: 'build', renderer: 'silent' }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).line).toMatch(new RegExp(`^your Vault at ${user.config.vault.address} refused the lab's credentials: 403: .*permission denied.*; grant them fixtures/vault/policies/user-vault-lab.hcl with prefix ${PREFIX}$`));
    expect((await keysOf(xvaultAdmin, 'sys/mounts')).filter((m) => m.startsWith(`${PREFIX}/`))).toEqual([]);
    expect(existsSync(secretPath(limited.paths, 'userVault'))).toBe(false);
    expect(await labContainers(XVUSER.name)).toEqual([]);
  });

  it('leaves that Vault\'s own PKI whole: pki-revocation passes on it, its audit log counted', async () => {
    const result = await runScenario(xvault, pkiRevocation, { quick: true, runId: 'it-xvault' });
    expect(scenarioFailures(result)).toEqual([]);
    expect(result.assertions.map((a) => a.name)).toContain('Vault\'s audit log has one sign request per leaf signed');
    expect(result.status).toBe('passed');
  });
});
