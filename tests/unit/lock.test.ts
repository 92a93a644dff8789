import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lab/config/load.ts';
import { createContext, type LabContext } from '../../lab/context.ts';
import { LabError } from '../../lab/errors.ts';
import { acquireLabLock, cliCommandLine, describeLock, readLabLock, withLabLock, type LabLockHolder } from '../../lab/lifecycle/lock.ts';

const HELPER = resolve('tests/helpers/hold-lab-lock.ts');
const children: ChildProcess[] = [];
const stateDirs: string[] = [];

function labCtx(name = 'certlab-lock'): LabContext {
  const stateDir = mkdtempSync(join(tmpdir(), 'certlab-lock-'));
  stateDirs.push(stateDir);
  return createContext(parseConfig({ name, stateDir }, 'test'));
}

interface Holder { child: ChildProcess; pid: number; next(event: string | string[], timeoutMs?: number): Promise<Record<string, unknown>>; exited: Promise<number | null> }

/** A child process that takes the lock through the real API (tests/helpers/hold-lab-lock.ts). */
function holder(ctx: LabContext, command: string, extra: string[] = []): Holder {
  const child = spawn(process.execPath, ['--import', 'tsx', HELPER, ctx.config.stateDir, ctx.config.name, command, ...extra], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
      buffer = buffer.slice(nl + 1);
      for (const w of waiters.splice(0)) w();
    }
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => { done(code); for (const w of waiters.splice(0)) w(); }));
  let seen = 0;
  return {
    child, pid: child.pid!, exited,
    async next(event, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (seen < events.length) {
          const e = events[seen++]!;
          if ([event].flat().includes(e.event as string)) return e;
        }
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no "${event}" from the holder (events: ${JSON.stringify(events)})`);
        await new Promise<void>((done) => { waiters.push(done); setTimeout(done, 200); });
      }
    },
  };
}

/** A pid that was alive a moment ago and is not any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.on('exit', done));
  return child.pid!;
}

function writeLock(ctx: LabContext, holder: Partial<LabLockHolder>): string {
  mkdirSync(ctx.paths.root, { recursive: true });
  const file = join(ctx.paths.root, 'lock.json');
  writeFileSync(file, JSON.stringify({ command: 'certlab up', host: hostname(), since: '2026-11-22T07:45:00.000Z', token: 'feedfacefeedface', ...holder }));
  return file;
}

async function refusalLine(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(LabError);
  return (err as LabError).line;
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => {
  for (const d of stateDirs) rmSync(d, { recursive: true, force: true });
});

describe('the lab lock', () => {
  it('is taken atomically, records its holder, and is released once, removing the empty lab directory', async () => {
    const ctx = labCtx();
    const lock = await acquireLabLock(ctx, { command: 'certlab up vault' });
    const record = JSON.parse(readFileSync(join(ctx.paths.root, 'lock.json'), 'utf8')) as LabLockHolder;
    expect(record).toMatchObject({ pid: process.pid, command: 'certlab up vault', host: hostname() });
    expect(new Date(record.since).getTime()).toBeGreaterThan(Date.now() - 10_000);
    expect(readdirSync(ctx.paths.root)).toEqual(['lock.json']); // no temporary file left behind
    expect(describeLock((await readLabLock(ctx))!)).toMatch(new RegExp(`^lock: held by pid ${process.pid} \\(certlab up vault\\) since `));
    lock.release();
    lock.release();
    expect(lock.released).toBe(true);
    expect(existsSync(ctx.paths.root)).toBe(false);
    expect(await readLabLock(ctx)).toBeUndefined();
  });

  it('leaves a lab directory that holds more than the lock', async () => {
    const ctx = labCtx();
    mkdirSync(ctx.paths.pki, { recursive: true });
    await withLabLock(ctx, { command: 'certlab up' }, async () => undefined);
    expect(readdirSync(ctx.paths.root)).toEqual(['pki']);
  });

  it('refuses a second taker in the same process rather than deadlock', async () => {
    const ctx = labCtx();
    await withLabLock(ctx, { command: 'certlab up' }, async () => {
      await expect(acquireLabLock(ctx, { command: 'certlab down', wait: true })).rejects.toThrow(/already holds/);
    });
  });

  it('is released when the work throws', async () => {
    const ctx = labCtx();
    await expect(withLabLock(ctx, { command: 'certlab up' }, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(existsSync(join(ctx.paths.root, 'lock.json'))).toBe(false);
  });

  it('refuses at once while another process holds it, naming pid, command, since and --wait in one line', async () => {
    const ctx = labCtx();
    const h = holder(ctx, 'certlab run vault-leader-failover --quick');
    const held = await h.next('held');
    expect(held.pid).toBe(h.pid);
    const since = (JSON.parse(readFileSync(join(ctx.paths.root, 'lock.json'), 'utf8')) as LabLockHolder).since;
    const t0 = Date.now();
    const line = await refusalLine(acquireLabLock(ctx, { command: 'certlab down' }));
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(line).toBe(`lab certlab-lock is in use: pid ${h.pid} (certlab run vault-leader-failover --quick) has held its lock since ${since}; wait for it to finish, or pass --wait to wait for the lock`);
    expect((await readLabLock(ctx))?.state).toBe('held');
    h.child.stdin!.write('release\n');
    await h.next('released');
    expect(await h.exited).toBe(0);
    expect(existsSync(join(ctx.paths.root, 'lock.json'))).toBe(false);
  });

  it('takes over a lock whose process is gone, saying so', async () => {
    const ctx = labCtx();
    const pid = await deadPid();
    writeLock(ctx, { pid, command: 'certlab run all' });
    expect(describeLock((await readLabLock(ctx))!)).toMatch(new RegExp(`^lock: stale, left by pid ${pid} \\(certlab run all\\)`));
    const said: string[] = [];
    const lock = await acquireLabLock(ctx, { command: 'certlab down', say: (l) => said.push(l) });
    expect(lock.tookOverFrom?.pid).toBe(pid);
    expect(said).toEqual([`certlab: took over lab certlab-lock's lock from pid ${pid} (certlab run all, since 2026-11-22T07:45:00.000Z), which is no longer running`]);
    expect((JSON.parse(readFileSync(lock.file, 'utf8')) as LabLockHolder).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock whose holder was SIGKILLed', async () => {
    const ctx = labCtx();
    const h = holder(ctx, 'certlab up');
    await h.next('held');
    h.child.kill('SIGKILL');
    await h.exited;
    expect(existsSync(join(ctx.paths.root, 'lock.json'))).toBe(true); // nothing ran on the way out
    const lock = await acquireLabLock(ctx, { command: 'certlab down', say: () => undefined });
    expect(lock.tookOverFrom?.pid).toBe(h.pid);
    lock.release();
  });

  it('takes over a lock naming a pid that now belongs to another process', async () => {
    // This very pid, with a token this process never used: an earlier process that had the same pid.
    const ctx = labCtx();
    writeLock(ctx, { pid: process.pid });
    const lock = await acquireLabLock(ctx, { command: 'certlab down', say: () => undefined });
    expect(lock.tookOverFrom?.token).toBe('feedfacefeedface');
    lock.release();
    // A live pid whose process started at another time than the record says.
    if (existsSync('/proc/self/stat')) {
      const ctx2 = labCtx();
      const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
      children.push(sleeper);
      writeLock(ctx2, { pid: sleeper.pid!, startTime: '1' });
      const lock2 = await acquireLabLock(ctx2, { command: 'certlab down', say: () => undefined });
      expect(lock2.tookOverFrom?.pid).toBe(sleeper.pid);
      lock2.release();
    }
  });

  it('takes over a stale lock even when an earlier taker died half-way (its claim is stale too)', async () => {
    const ctx = labCtx();
    const file = writeLock(ctx, { pid: await deadPid() });
    const id = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
    writeFileSync(`${file}.takeover-${id}`, JSON.stringify({ pid: await deadPid(), command: 'certlab up', host: hostname(), since: new Date().toISOString(), token: 'deadbeefdeadbeef' }));
    const lock = await acquireLabLock(ctx, { command: 'certlab down', say: () => undefined });
    expect(lock.tookOverFrom?.token).toBe('feedfacefeedface');
    expect(readdirSync(ctx.paths.root)).toEqual(['lock.json']); // both claims cleaned up
    lock.release();
  });

  it('lets exactly one of several processes racing for the same stale lock take it', async () => {
    const ctx = labCtx();
    writeLock(ctx, { pid: await deadPid() });
    const at = String(Date.now() + 4_000);
    const racers = Array.from({ length: 4 }, (_, i) => holder(ctx, `certlab racer ${i}`, ['--at', at, '--hold-ms', '4000']));
    const outcomes = await Promise.all(racers.map((r) => r.next(['held', 'refused'], 30_000)));
    const winners = outcomes.filter((o) => o.event === 'held');
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.pid as number;
    for (const o of outcomes.filter((x) => x.event === 'refused')) expect(o.line).toMatch(new RegExp(`in use: pid ${winner} \\(certlab racer \\d\\)`));
    await Promise.all(racers.map((r) => r.exited));
    // The winner released it and nothing else is left: no claim, no temporary file, no directory.
    expect(existsSync(ctx.paths.root)).toBe(false);
  }, 60_000);

  it('is released when its holder is stopped with SIGTERM (exit 130) or SIGINT', async () => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const ctx = labCtx();
      const h = holder(ctx, 'certlab down');
      await h.next('held');
      h.child.kill(sig);
      expect(await h.exited).toBe(130);
      expect(existsSync(join(ctx.paths.root, 'lock.json'))).toBe(false);
    }
  });

  it('with wait, waits until the holder releases it, saying so', async () => {
    const ctx = labCtx();
    const h = holder(ctx, 'certlab run all');
    await h.next('held');
    const said: string[] = [];
    const taking = acquireLabLock(ctx, { command: 'certlab down --wait', wait: true, pollMs: 50, say: (l) => said.push(l) });
    await new Promise((r) => setTimeout(r, 500));
    expect(said).toEqual([expect.stringMatching(new RegExp(`^certlab: lab certlab-lock is in use by pid ${h.pid} \\(certlab run all\\) since .*; waiting for it to finish`))]);
    h.child.stdin!.write('release\n');
    const lock = await taking;
    expect(lock.holder.command).toBe('certlab down --wait');
    expect(said.at(-1)).toMatch(/^certlab: lab certlab-lock is free; going ahead \(waited \d+\.\d s\)$/);
    lock.release();
  });

  it('with wait, stops waiting when the signal aborts', async () => {
    const ctx = labCtx();
    const h = holder(ctx, 'certlab up');
    await h.next('held');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted (SIGINT)')), 300);
    await expect(acquireLabLock(ctx, { command: 'certlab down', wait: true, pollMs: 50, signal: controller.signal, say: () => undefined })).rejects.toThrow('interrupted (SIGINT)');
    expect((await readLabLock(ctx))?.holder?.pid).toBe(h.pid);
  });

  it('a waiting process takes the lock once the holder exits', async () => {
    const ctx = labCtx();
    const first = holder(ctx, 'certlab up');
    await first.next('held');
    const second = holder(ctx, 'certlab down --wait', ['--wait']);
    expect((await second.next('say')).line).toMatch(new RegExp(`in use by pid ${first.pid}`));
    first.child.stdin!.end();
    expect((await second.next('held')).tookOverFrom).toBeNull();
    second.child.stdin!.end();
    expect(await second.exited).toBe(0);
  });

  it('records the command line as typed', () => {
    expect(cliCommandLine(['node', 'certlab.mjs', 'run', 'vault-leader-failover', '--quick'])).toBe('certlab run vault-leader-failover --quick');
    expect(cliCommandLine(['node', 'certlab.mjs', 'up', '--config', 'my lab.json'])).toBe(`certlab up --config 'my lab.json'`);
  });
});
