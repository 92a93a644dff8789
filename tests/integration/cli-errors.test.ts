import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../../lab/errors.ts';
import { docker, labContainers, removeLabResources } from '../../lab/host/docker.ts';
import { supplyImage } from '../../lab/images/supply.ts';
import { CLI, certlab, expectOneClearLine, labDir } from '../helpers/cli.ts';
import { announceSkip, skipReason } from './support.ts';

const reason = skipReason(['openbao/openbao:2.4.0']);
announceSkip('CLI bad input', reason);

async function nothingLeft(lab: string): Promise<void> {
  const d = await docker();
  expect(await labContainers(lab)).toHaveLength(0);
  expect(await d.listNetworks({ filters: { label: [`certlab.lab=${lab}`] } })).toHaveLength(0);
  expect((await d.listVolumes({ filters: { label: [`certlab.lab=${lab}`] } })).Volumes ?? []).toHaveLength(0);
}

describe.skipIf(reason)('bad input: one clear line, non-zero exit, nothing left behind', () => {
  const labs: string[] = [];
  afterAll(async () => { for (const lab of labs) await removeLabResources(lab); });

  it('no container engine reachable', () => {
    const r = certlab(labDir({ name: 'clinoengine' }), ['up', 'vault'], { DOCKER_HOST: 'unix:///tmp/certlab-no-engine.sock' });
    expect(r.status).toBe(1);
    expectOneClearLine(r.stderr, /no container engine reachable at DOCKER_HOST=.*; start that engine, or unset DOCKER_HOST/);
  });

  it('an invalid configuration value, naming the key (bad input: exit 2)', async () => {
    const r = certlab(labDir({ name: 'clibadconfig', vault: { nodes: 4 } }), ['up', 'vault']);
    expect(r.status).toBe(2);
    expectOneClearLine(r.stderr, /invalid configuration: vault\.nodes must be odd/);
    await nothingLeft('clibadconfig');
  });

  it('a port already taken, naming the key that moves it', async () => {
    labs.push('cliport');
    const server: Server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    try {
      const r = certlab(labDir({ name: 'cliport', network: { name: 'cliport', subnet: '172.29.71.0/24' }, ports: { vaultBase: 0, pebble: port, pebbleManagement: 0, dns: 0 } }), ['up', 'acme']);
      expect(r.status).toBe(1);
      expectOneClearLine(r.stderr, new RegExp(`port ${port} \\(ports\\.pebble\\) is already in use.*set ports\\.pebble`));
    } finally {
      server.close();
    }
    await nothingLeft('cliport');
  });

  it('a network name already taken by something else', async () => {
    labs.push('clinet');
    const d = await docker();
    const net = await d.createNetwork({ Name: 'certlab-foreign-net' });
    try {
      const r = certlab(labDir({ name: 'clinet', network: { name: 'certlab-foreign-net', subnet: '172.29.72.0/24' }, ports: { vaultBase: 0, vaultLb: 0 } }), ['up', 'vault']);
      expect(r.status).toBe(1);
      expectOneClearLine(r.stderr, /network "certlab-foreign-net" already exists and is not lab clinet's; set network\.name/);
    } finally {
      await net.remove();
    }
    await nothingLeft('clinet');
  });

  it('an image that can be neither pulled nor built says both reasons', async () => {
    const spec = { key: 'missing', ref: '127.0.0.1:1/certlab-test/missing:1', version: '1', build: 'no-such-build-script', buildable: true, group: 'core' as const };
    const err = await supplyImage(spec, 'pull-or-build').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    const line = (err as LabError).line;
    expect(line).toMatch(/^image 127\.0\.0\.1:1\/certlab-test\/missing:1 is missing and could not be supplied \(pull failed: .*; build failed: .*no-such-build-script\.sh exited/);
    expect(line).toMatch(/run `certlab images pull`.*`certlab images build`/);
  });

  it('Ctrl-C during up removes what the run made', async () => {
    const lab = 'cliinterrupt';
    labs.push(lab);
    const cwd = labDir({ name: lab, network: { name: lab, subnet: '172.29.73.0/24' }, ports: { vaultBase: 0, vaultLb: 0 } });
    const child = spawn(process.execPath, [CLI, 'up', 'vault'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Interrupt once the run has made something: its first container exists.
    for (let i = 0; i < 600 && (await labContainers(lab)).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await labContainers(lab)).length).toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted \(SIGINT\); undoing what this command started/);
    expect(stderr).toMatch(/removed what this bring-up made/);
    await nothingLeft(lab);
  });
});
