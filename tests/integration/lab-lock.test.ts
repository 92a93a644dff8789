import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeLabResources } from '../../lab/host/docker.ts';
import { CLI, certlab, expectOneClearLine as oneLine } from '../helpers/cli.ts';
import { announceSkip, skipReason } from './support.ts';

// One command at a time changes a lab (issue 12): the real CLI against a lock held by a live process
// (tests/helpers/hold-lab-lock.ts, through the lock's own API), a stale lock, and a waiter.
const HELPER = resolve('tests/helpers/hold-lab-lock.ts');
const reason = skipReason([]);
announceSkip('lab lock', reason);

const dirs: string[] = [];
const children: ChildProcess[] = [];
const labs: string[] = [];

/** A working directory with its own certlab.config.json, so each case is a lab of its own. */
function labDir(name: string): { cwd: string; stateDir: string; root: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'certlab-lock-cli-'));
  dirs.push(cwd);
  labs.push(name);
  const stateDir = join(cwd, 'state');
  writeFileSync(join(cwd, 'certlab.config.json'), JSON.stringify({ name, stateDir, reportsDir: join(cwd, 'reports'), network: { name, subnet: '172.29.110.0/24' } }));
  return { cwd, stateDir, root: join(stateDir, name) };
}

/** A live process holding the lab's lock, recorded with `command`; resolves once it holds it. */
async function holdLock(stateDir: string, lab: string, command: string): Promise<{ pid: number; release(): Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', HELPER, stateDir, lab, command], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const exited = new Promise<number | null>((done) => child.on('exit', done));
  let out = '';
  await new Promise<void>((done, fail) => {
    child.stdout!.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('"held"')) done(); });
    child.on('exit', () => fail(new Error(`the holder exited: ${out}`)));
  });
  return { pid: child.pid!, release: () => { child.stdin!.write('release\n'); return exited; } };
}

describe.skipIf(reason)('one command at a time per lab: the lock', () => {
  afterEach(() => { for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });
  afterAll(async () => {
    for (const lab of labs) await removeLabResources(lab);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('refuses down and up while a live process holds the lab, in one line naming it; status is not blocked', async () => {
    const { cwd, stateDir, root } = labDir('clilock-held');
    const h = await holdLock(stateDir, 'clilock-held', 'certlab run vault-leader-failover --quick');
    const since = (JSON.parse(readFileSync(join(root, 'lock.json'), 'utf8')) as { since: string }).since;
    for (const args of [['down'], ['up', 'dns']]) {
      const t0 = Date.now();
      const r = certlab(cwd, args);
      expect(r.status).toBe(1);
      expect(oneLine(r.stderr)).toBe(`certlab: lab clilock-held is in use: pid ${h.pid} (certlab run vault-leader-failover --quick) has held its lock since ${since}; wait for it to finish, or pass --wait to wait for the lock`);
      expect(Date.now() - t0).toBeLessThan(30_000);
    }
    const status = certlab(cwd, ['status']);
    expect(status.status).toBe(0);
    expect(status.stdout).toContain(`lock: held by pid ${h.pid} (certlab run vault-leader-failover --quick) since ${since}`);
    expect(await h.release()).toBe(0);
    expect(existsSync(join(root, 'lock.json'))).toBe(false);
  });

  it('takes over a stale lock (its process is gone), says so, and goes ahead', () => {
    const { cwd, root } = labDir('clilock-stale');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'lock.json'), JSON.stringify({ pid, command: 'certlab up', host: hostname(), since: '2026-11-22T07:45:00.000Z', token: '0123456789abcdef' }));
    const r = certlab(cwd, ['down']);
    expect(r.status).toBe(0);
    expect(oneLine(r.stderr)).toBe(`certlab: took over lab clilock-stale's lock from pid ${pid} (certlab up, since 2026-11-22T07:45:00.000Z), which is no longer running`);
    expect(r.stdout).toMatch(/^removed 0 kind clusters, 0 containers, 0 networks, 0 volumes of lab clilock-stale$/m);
    expect(existsSync(join(root, 'lock.json'))).toBe(false);
  });

  it('down --wait waits for the holder, then goes ahead', async () => {
    const { cwd, stateDir, root } = labDir('clilock-wait');
    const h = await holdLock(stateDir, 'clilock-wait', 'certlab up');
    const child = spawn(process.execPath, [CLI, 'down', '--wait'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    const waiting = new Promise<void>((done) => child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); if (stderr.includes('waiting')) done(); }));
    const exited = new Promise<number | null>((done) => child.on('exit', done));
    await waiting;
    expect(stderr).toMatch(new RegExp(`^certlab: lab clilock-wait is in use by pid ${h.pid} \\(certlab up\\) since \\S+; waiting for it to finish`));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(child.exitCode).toBeNull(); // still waiting
    const released = Date.now();
    await h.release();
    expect(await exited).toBe(0);
    expect(Date.now() - released).toBeLessThan(60_000);
    expect(stderr).toMatch(/certlab: lab clilock-wait is free; going ahead \(waited \d+\.\d s\)/);
    expect(stdout).toMatch(/^removed 0 kind clusters, .* of lab clilock-wait$/m);
    expect(existsSync(join(root, 'lock.json'))).toBe(false);
  });

  it('down --purge removes the state directory, lock and all', () => {
    const { cwd, root } = labDir('clilock-purge');
    mkdirSync(join(root, 'offline-root'), { recursive: true });
    writeFileSync(join(root, 'offline-root', 'root.pem'), 'x');
    const r = certlab(cwd, ['down', '--purge']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(existsSync(root)).toBe(false);
  });
});
