import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SnapshotStore } from '../../lab/vault/snapshot-store.ts';

const dirs: string[] = [];
function store(retain: number): SnapshotStore {
  const dir = mkdtempSync(join(tmpdir(), 'certlab-snapshots-'));
  dirs.push(dir);
  return new SnapshotStore(join(dir, 'snapshots'), retain);
}

afterEach(() => { vi.useRealTimers(); });
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('the snapshot store (the S3 bucket stand-in)', () => {
  it('keeps the newest N of N+5 puts; newest() is the last put', async () => {
    const retain = 4;
    const s = store(retain);
    // One put per millisecond of a fixed clock, so the names are known and distinct.
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2026-11-22T07:45:00.000Z');
    const names: string[] = [];
    for (let i = 0; i < retain + 5; i++) {
      vi.setSystemTime(t0 + i);
      names.push(await s.put(Buffer.from(`snapshot ${i}`)));
    }
    expect(names[0]).toBe('20261122T074500000Z-000-vault.snap');
    expect(await s.list()).toEqual(names.slice(-retain));
    expect(readdirSync(s.dir).sort()).toEqual(names.slice(-retain)); // nothing else in the directory
    const newest = await s.newest();
    expect(newest?.name).toBe(names.at(-1));
    expect(newest?.data.toString()).toBe(`snapshot ${retain + 4}`);
  });

  it('names sort by time across seconds, minutes and days (fixed-width stamps)', async () => {
    const s = store(10);
    vi.useFakeTimers({ toFake: ['Date'] });
    for (const at of ['2026-11-22T23:59:59.999Z', '2026-11-23T00:00:00.000Z', '2026-11-23T00:00:00.010Z', '2026-11-23T00:00:00.100Z']) {
      vi.setSystemTime(Date.parse(at));
      await s.put(Buffer.from(at));
    }
    expect((await s.newest())?.data.toString()).toBe('2026-11-23T00:00:00.100Z');
    expect((await s.list()).map((n) => n.slice(0, 19))).toEqual(['20261122T235959999Z', '20261123T000000000Z', '20261123T000000010Z', '20261123T000000100Z']);
  });

  it('an empty store has no newest snapshot', async () => {
    expect(await store(3).newest()).toBeUndefined();
    expect(await store(3).list()).toEqual([]);
  });

  // Two puts within one millisecond, and snapshots under different labels, stay in the order they were put.
  it('keeps two snapshots put within the same millisecond, in the order they were put', async () => {
    const s = store(10);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-22T07:45:00.000Z'));
    const first = await s.put(Buffer.from('first'));
    const second = await s.put(Buffer.from('second'));
    expect(second).not.toBe(first);
    expect(await s.list()).toEqual([first, second]);
    expect((await s.newest())?.data.toString()).toBe('second');
  });

  it('orders snapshots of different labels by time, not by label', async () => {
    const s = store(10);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-22T07:45:00.000Z'));
    await s.put(Buffer.from('older'), 'vault');
    vi.setSystemTime(Date.parse('2026-11-22T07:46:00.000Z'));
    await s.put(Buffer.from('newer'), 'before-restore');
    expect((await s.newest())?.data.toString()).toBe('newer');
  });
});
