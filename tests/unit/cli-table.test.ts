import { describe, expect, it } from 'vitest';
import { styleText } from 'node:util';
import { statusDocument, statusTable } from '../../lab/cli/output.ts';
import { fitColumns, renderTable } from '../../lab/cli/table.ts';
import type { StatusRow } from '../../lab/component.ts';

const sum = (ws: number[], gap = 3) => ws.reduce((a, b) => a + b, 0) + gap * (ws.length - 1);

describe('fitColumns', () => {
  it('leaves columns alone when they fit', () => {
    expect(fitColumns([10, 20, 5], [4, 4, 4], 80)).toEqual([10, 20, 5]);
  });

  it('takes from the widest column first, so short ones stay whole', () => {
    const widths = fitColumns([10, 60, 6, 40], [9, 7, 6, 4], 80);
    expect(sum(widths)).toBe(80);
    expect(widths[0]).toBe(10);
    expect(widths[2]).toBe(6);
    // The two long columns end up about equal: whichever is wider gives way next.
    expect(Math.abs(widths[1]! - widths[3]!)).toBeLessThanOrEqual(1);
  });

  it('stops at the floors (the header, at least 6) when the terminal is narrower than that', () => {
    const widths = fitColumns([30, 30, 30], [9, 2, 7], 10);
    expect(widths).toEqual([9, 6, 7]);
  });
});

const table = {
  headers: ['name', 'detail'],
  rows: [['vault-1', 'a detail long enough to be cut on any narrow terminal'], ['vault-2', 'short']],
};

describe('renderTable', () => {
  it('prints kubectl-style: upper-case headers, three spaces between columns, no borders, no trailing blanks', () => {
    expect(renderTable({ headers: ['name', 'role'], rows: [['vault-1', 'leader'], ['bind', '-']] })).toBe(
      'NAME      ROLE\nvault-1   leader\nbind      -',
    );
  });

  it('without a width keeps every cell whole', () => {
    expect(renderTable(table)).toContain('a detail long enough to be cut on any narrow terminal');
  });

  it('with a width fits every line into it and cuts long cells with "…"', () => {
    const out = renderTable(table, { maxWidth: 30 });
    for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(30);
    expect(out).toMatch(/^vault-1\s{3}a detail.*…$/m);
    expect(out).toMatch(/^vault-2\s{3}short$/m);
  });

  it('keeps a multi-line cell on its row', () => {
    const out = renderTable({ headers: ['a', 'b'], rows: [['x', 'first line\n  second line']] });
    expect(out.split('\n')).toEqual(['A   B', 'x   first line second line']);
  });

  it('paints cells without upsetting the alignment', () => {
    const out = renderTable({ headers: ['health', 'x'], rows: [['ok', '1'], ['down', '2']] }, { paint: (t, i) => (i === 0 ? styleText('red', t, { validateStream: false }) : t) });
    const plain = out.replaceAll(/\u001b\[\d+m/g, '');
    expect(out).toContain('\u001b[31mdown\u001b[39m');
    expect(plain).toBe('HEALTH   X\nok       1\ndown     2');
  });
});

describe('certlab status output', () => {
  const rows: StatusRow[] = [
    { component: 'vault-1', address: '127.0.0.1:8200', health: 'ok', role: 'leader', detail: 'active, raft healthy' },
    { component: 'bind', address: '-', health: 'down', role: 'authoritative', detail: 'not running' },
  ];

  it('has the detail column only when wide', () => {
    expect(statusTable(rows, { wide: false, maxWidth: undefined, colour: false }).split('\n')[0]).toBe('COMPONENT   ADDRESS          HEALTH   ROLE');
    expect(statusTable(rows, { wide: true, maxWidth: undefined, colour: false })).toMatch(/DETAIL\n.*active, raft healthy\n.*not running$/);
  });

  it('colours health only when asked', () => {
    expect(statusTable(rows, { wide: false, maxWidth: undefined, colour: false })).not.toContain('\u001b');
    const coloured = statusTable(rows, { wide: false, maxWidth: undefined, colour: true });
    expect(coloured).toContain('\u001b[32mok\u001b[39m');
    expect(coloured).toContain('\u001b[31mdown\u001b[39m');
  });

  it('-o json: the lock holder without its internal token, null when nothing holds the lab', () => {
    const holder = { pid: 42, command: 'certlab up', host: 'h', since: '2026-01-01T00:00:00.000Z', token: 'secret-ish' };
    const doc = statusDocument('lab', rows, { holder, state: 'held', file: '/s/lab/lock.json' });
    expect(doc.lock).toEqual({ state: 'held', file: '/s/lab/lock.json', holder: { pid: 42, command: 'certlab up', host: 'h', since: '2026-01-01T00:00:00.000Z' } });
    expect(statusDocument('lab', rows, undefined)).toEqual({ lab: 'lab', components: rows, lock: null });
    expect(statusDocument('lab', rows, { state: 'stale', file: 'f' }).lock).toEqual({ state: 'stale', file: 'f', holder: null });
  });
});
