import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../lab/config/load.ts';
import { lineOf } from '../helpers/lab-error.ts';

describe('configuration', () => {
  it('fills every default', () => {
    const c = parseConfig({}, 'defaults');
    expect(c.vault).toMatchObject({ flavor: 'openbao', nodes: 5, performanceMultiplier: 1, minQuorum: 3 });
    expect(c.ports.vaultBase).toBe(8200);
    expect(c.domains.private).toBe('lab.test');
  });

  it.each([
    [{ vault: { nodes: 4 } }, /^invalid configuration: vault\.nodes must be odd/],
    [{ vault: { flavor: 'consul' } }, /^invalid configuration: vault\.flavor .*"openbao"\|"vault"/],
    [{ ports: { pebble: 70000 } }, /^invalid configuration: ports\.pebble /],
    [{ network: { subnet: '10.0.0.0/8' } }, /^invalid configuration: network\.subnet must be an IPv4 CIDR/],
    [{ domains: { public: 'Not_A_Name' } }, /^invalid configuration: domains\.public must be a lower-case DNS name/],
    [{ vaultFlavour: 'vault' }, /^invalid configuration: unknown key vaultFlavour/],
  ])('names the key of a bad value %j in one line', (raw, pattern) => {
    const line = lineOf(() => parseConfig(raw, 'certlab.config.json'));
    expect(line).toMatch(pattern);
    expect(line).toContain('certlab.config.json');
    expect(line).not.toContain('\n');
  });

  it('reads the file and lets CERTLAB_* variables override it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certlab-config-'));
    writeFileSync(join(dir, 'certlab.config.json'), JSON.stringify({ name: 'fromfile', vault: { flavor: 'vault' } }));
    const c = loadConfig({ cwd: dir, env: { CERTLAB_VAULT_FLAVOR: 'openbao' } });
    expect(c.name).toBe('fromfile');
    expect(c.vault.flavor).toBe('openbao');
    expect(c.stateDir).toBe(join(dir, '.certlab'));
  });

  it('rejects a file that is not JSON and an explicit file that does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certlab-config-'));
    writeFileSync(join(dir, 'certlab.config.json'), '{ nope');
    expect(lineOf(() => loadConfig({ cwd: dir, env: {} }))).toMatch(/^cannot read .*certlab\.config\.json/);
    expect(lineOf(() => loadConfig({ cwd: dir, env: {}, file: 'missing.json' }))).toMatch(/does not exist; pass an existing file/);
  });
});
