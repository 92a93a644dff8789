import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { componentsToBringUp } from '../../lab/components.ts';
import { loadConfig, parseConfig } from '../../lab/config/load.ts';
import { refuseUnrunnable, whyNotRunnable } from '../../lab/runner/run.ts';
import { LAB_VAULT_PKI, pkiLayout } from '../../lab/vault/pki-layout.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { lineOf } from '../helpers/lab-error.ts';

/** A working directory with a token file (mode `mode`) and a CA file, and a configuration naming them. */
function userVaultDir(vault: Record<string, unknown>, mode = 0o600): string {
  const dir = mkdtempSync(join(tmpdir(), 'certlab-user-vault-'));
  writeFileSync(join(dir, 'token'), 'hvs.test\n');
  chmodSync(join(dir, 'token'), mode);
  writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
  writeFileSync(join(dir, 'certlab.config.json'), JSON.stringify({ name: 'mine', vault }));
  return dir;
}

const USER_VAULT = { address: 'https://vault.example.com:8200', caFile: 'ca.pem', tokenFile: 'token' };

describe('vault.address: the configuration', () => {
  it.each([
    [{ address: 'http://vault.example.com:8200', tokenFile: 't' }, /^invalid configuration: vault\.address must be an https:\/\/ URL .*verified TLS/],
    [{ address: 'https://vault.example.com:8200/v1', tokenFile: 't' }, /^invalid configuration: vault\.address must be an https:\/\/ URL/],
    [{ address: 'https://vault.example.com' }, /^invalid configuration: vault\.tokenFile or vault\.approle is required with vault\.address/],
    [{ address: 'https://vault.example.com', tokenFile: 't', approle: { roleIdFile: 'r', secretIdFile: 's' } }, /^invalid configuration: vault\.approle and vault\.tokenFile are both set/],
    [{ tokenFile: 't' }, /^invalid configuration: vault\.address is required with vault\.tokenFile/],
    [{ address: 'https://vault.example.com', approle: { roleIdFile: 'r' } }, /^invalid configuration: vault\.approle\.secretIdFile /],
    [{ address: 'https://vault.example.com', tokenFile: 't', mountPrefix: 'Bad/Prefix' }, /^invalid configuration: vault\.mountPrefix must be 1-41 lower-case/],
  ])('refuses %j in one line naming the key', (vault, pattern) => {
    const line = lineOf(() => parseConfig({ vault }, 'certlab.config.json'));
    expect(line).toMatch(pattern);
    expect(line).not.toContain('\n');
  });

  it('resolves the files against the working directory and checks them at load', () => {
    const dir = userVaultDir(USER_VAULT);
    const config = loadConfig({ cwd: dir, env: {} });
    expect(config.vault).toMatchObject({ address: USER_VAULT.address, caFile: join(dir, 'ca.pem'), tokenFile: join(dir, 'token') });
    expect(lineOf(() => loadConfig({ cwd: userVaultDir({ ...USER_VAULT, tokenFile: 'missing' }), env: {} }))).toMatch(/^invalid configuration: vault\.tokenFile \/.*\/missing does not exist; /);
    expect(lineOf(() => loadConfig({ cwd: userVaultDir({ ...USER_VAULT, caFile: 'nope.pem' }), env: {} }))).toMatch(/^invalid configuration: vault\.caFile .* does not exist/);
    const open = userVaultDir(USER_VAULT, 0o644);
    expect(lineOf(() => loadConfig({ cwd: open, env: {} }))).toBe(`invalid configuration: vault.tokenFile ${join(open, 'token')} is readable by every user (mode 644); chmod 600 ${join(open, 'token')}`);
  });

  it('names everything the lab makes there with its prefix, and keeps the article\'s names on its own Vault', () => {
    expect(pkiLayout(parseConfig({}, 'test'))).toBe(LAB_VAULT_PKI);
    const layout = pkiLayout(parseConfig({ name: 'mine', vault: { address: 'https://v.example:8200', tokenFile: 't' } }, 'test'));
    expect(layout).toMatchObject({ pkiMount: 'certlab-mine/pki', issuerMount: 'certlab-mine/pki_private_issuer', approleMount: 'certlab-mine/approle' });
    expect(layout.policy('cert-manager')).toBe('certlab-mine-approle-cert-manager');
    const custom = pkiLayout(parseConfig({ vault: { address: 'https://v.example:8200', tokenFile: 't', mountPrefix: 'team-a-lab' } }, 'test'));
    expect(custom.pkiMount).toBe('team-a-lab/pki');
  });
});

describe('vault.address: what runs on it', () => {
  const config = parseConfig({ vault: { address: 'https://v.example:8200', tokenFile: 't' } }, 'test');

  it('refuses every scenario that kills, stops, freezes, seals or restores Vault, and those on the platform', () => {
    const refused = SCENARIOS.filter((s) => whyNotRunnable(s, config)).map((s) => s.name);
    expect(refused).toEqual([
      'vault-leader-failover', 'vault-minority-failure', 'vault-quorum-loss',
      'certificate-issuance', 'certificate-renewal', 'certificate-revocation', 'vault-snapshot-restore',
      'platform-restart', 'acme-server-restart', 'renewal-vault-sealed', 'intermediate-expiry', 'renewal-during-vault-failover', 'vault-restore-cert-manager',
    ]);
    expect(SCENARIOS.filter((s) => !whyNotRunnable(s, config)).map((s) => s.name)).toEqual(['pki-revocation']);
    const failover = SCENARIOS.find((s) => s.name === 'vault-leader-failover')!;
    expect(lineOf(() => refuseUnrunnable([failover], config))).toBe('vault-leader-failover kills, stops, freezes and cuts off the active Vault node; it runs only on a Vault the lab made (vault.address is set); leave it out (`certlab run all` skips it and says why)');
    expect(whyNotRunnable(SCENARIOS.find((s) => s.name === 'certificate-issuance')!, config)).toBe('certificate-issuance needs the platform component, which does not run on your own Vault yet (vault.address is set)');
    // On the lab's own Vault every scenario runs.
    expect(SCENARIOS.filter((s) => whyNotRunnable(s, parseConfig({}, 'test')))).toEqual([]);
  });

  it('`certlab up` leaves the platform out, and refuses it when named', () => {
    expect(componentsToBringUp(config, []).components.map((c) => c.name)).toEqual(['dns', 'acme', 'vault', 'kube-cluster']);
    expect(componentsToBringUp(config, []).leftOut).toEqual(['platform does not run on your own Vault yet (vault.address is set)']);
    expect(lineOf(() => componentsToBringUp(config, ['platform']))).toMatch(/^component platform does not run on your own Vault yet/);
    expect(componentsToBringUp(parseConfig({}, 'test'), []).leftOut).toEqual([]);
  });
});
