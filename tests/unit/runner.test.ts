import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lab/config/load.ts';
import { createContext } from '../../lab/context.ts';
import { Interrupted } from '../../lab/interrupt.ts';
import { Releases } from '../../lab/releases.ts';
import { runScenario } from '../../lab/runner/record.ts';
import type { Scenario } from '../../lab/runner/scenario.ts';
import { pollUntil } from '../../lab/host/wait.ts';

function labCtx(signal?: AbortSignal) {
  return createContext(parseConfig({ stateDir: mkdtempSync(join(tmpdir(), 'certlab-runner-')) }, 'test'), signal ? { signal } : {});
}

/** A scenario that starts two things (registered), then does `then`. */
function scenario(then: (run: Parameters<Scenario['run']>[0]) => Promise<void>, log: string[], timeLimitMs?: number): Scenario {
  return {
    name: 'test', description: 'a test scenario', needs: [],
    ...(timeLimitMs ? { timeLimitMs: { quick: timeLimitMs, full: timeLimitMs } } : {}),
    async run(run) {
      run.ctx.releases.defer('first thing', () => { log.push('undo first'); });
      run.ctx.releases.defer('second thing', async () => { log.push('undo second'); });
      await then(run);
    },
  };
}

describe('Releases', () => {
  it('undoes newest first, once, and records a failing undo without stopping the rest', async () => {
    const log: string[] = [];
    const r = new Releases();
    r.defer('a', () => { log.push('a'); });
    const b = r.defer('b', () => { log.push('b'); });
    r.defer('c', () => { throw new Error('c broke'); });
    await b();
    await b();
    expect(r.pending).toEqual(['c', 'a']);
    const released = await r.releaseAll();
    expect(log).toEqual(['b', 'a']);
    expect(released.map((x) => [x.what, x.ok])).toEqual([['c', false], ['a', true]]);
    expect(released[0]!.error).toBe('c broke');
    expect(await r.releaseAll()).toEqual([]);
  });

  it('gives up on an undo that hangs, and goes on', async () => {
    const r = new Releases();
    const log: string[] = [];
    r.defer('quick', () => { log.push('quick'); });
    r.defer('hangs', () => new Promise(() => undefined));
    const released = await r.releaseAll(200);
    expect(released[0]).toMatchObject({ what: 'hangs', ok: false, error: 'did not finish within 200 ms' });
    expect(log).toEqual(['quick']);
  });
});

describe('the runner releases what a scenario started on every path', () => {
  it('success: everything released, newest first, recorded as cleanup steps', async () => {
    const log: string[] = [];
    const result = await runScenario(labCtx(), scenario(async (run) => { run.check('fine', true); }, log), { quick: true, runId: 'r1' });
    expect(result.status).toBe('passed');
    expect(log).toEqual(['undo second', 'undo first']);
    expect(result.steps.filter((s) => s.group === 'cleanup').map((s) => s.name)).toEqual(['release: second thing', 'release: first thing']);
  });

  it('a thrown error fails the scenario and still releases everything', async () => {
    const log: string[] = [];
    const result = await runScenario(labCtx(), scenario(async () => { throw new Error('boom'); }, log), { quick: true, runId: 'r2' });
    expect(result.status).toBe('failed');
    expect(result.assertions).toContainEqual({ name: 'scenario ran to the end', passed: false, detail: 'boom' });
    expect(log).toEqual(['undo second', 'undo first']);
  });

  it('a failed check fails the scenario; the run goes on to its end', async () => {
    const log: string[] = [];
    const result = await runScenario(labCtx(), scenario(async (run) => { run.check('holds', false, 'it did not'); log.push('went on'); }, log), { quick: true, runId: 'r3' });
    expect(result.status).toBe('failed');
    expect(log).toEqual(['went on', 'undo second', 'undo first']);
  });

  it('a figure past its threshold fails the scenario', async () => {
    const result = await runScenario(labCtx(), scenario(async (run) => { run.figure('gap', 7_000, 'ms', { threshold: { op: '<=', value: 5_000 } }); }, []), { quick: true, runId: 'r4' });
    expect(result.status).toBe('failed');
    expect(result.figures[0]).toMatchObject({ passed: false });
  });

  it('the time limit stops a scenario that waits forever, aborts its waits, and releases', async () => {
    const log: string[] = [];
    let waitEnded = '';
    const result = await runScenario(labCtx(), scenario(async (run) => {
      await run.step('wait for something that never comes', () => pollUntil(async () => undefined, { timeoutMs: 60_000, what: 'never', signal: run.ctx.signal }).catch((e: Error) => { waitEnded = e.message; throw e; }));
    }, log, 300), { quick: true, runId: 'r5' });
    expect(result.status).toBe('failed');
    expect(result.assertions[0]!.detail).toMatch(/time limit of 0 s|time limit/);
    expect(log).toEqual(['undo second', 'undo first']);
    await pollUntil(async () => (waitEnded ? true : undefined), { timeoutMs: 2_000, what: 'the wait to end' });
    expect(waitEnded).toMatch(/time limit/);
  });

  it('Ctrl-C (the command\'s signal) stops the scenario, releases, and says it was interrupted', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const done = runScenario(labCtx(controller.signal), scenario(async (run) => {
      await run.step('long wait', () => pollUntil(async () => undefined, { timeoutMs: 60_000, what: 'never', signal: run.ctx.signal }));
      log.push('never reached');
    }, log), { quick: true, runId: 'r6' });
    setTimeout(() => controller.abort(new Interrupted('SIGINT')), 100);
    const result = await done;
    expect(result.status).toBe('failed');
    expect(result.assertions).toContainEqual({ name: 'scenario was not interrupted', passed: false, detail: 'interrupted (SIGINT)' });
    expect(log).toEqual(['undo second', 'undo first']);
  });

  it('a step after the scenario was stopped does not run', async () => {
    const ran: string[] = [];
    const controller = new AbortController();
    controller.abort(new Interrupted('SIGTERM'));
    await runScenario(labCtx(controller.signal), scenario(async (run) => { await run.step('must not run', async () => { ran.push('ran'); }); }, []), { quick: true, runId: 'r7' });
    expect(ran).toEqual([]);
  });
});
