import { describe, expect, it } from 'vitest';
import { settleColour, tableWidth, useColour } from '../../lab/cli/terminal.ts';

const terminal = { isTTY: true, columns: 100 };
const pipe = { isTTY: false };

describe('colour: one decision for every stream', () => {
  it.each([
    ['a terminal, nothing set', [terminal, terminal], {}, true],
    ['stdout piped', [pipe, terminal], {}, false],
    ['stderr redirected', [terminal, pipe], {}, false],
    ['NO_COLOR on a terminal', [terminal, terminal], { NO_COLOR: '1' }, false],
    ['NO_COLOR empty counts as unset', [terminal, terminal], { NO_COLOR: '' }, true],
    ['FORCE_COLOR when piped', [pipe, pipe], { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=0 on a terminal', [terminal, terminal], { FORCE_COLOR: '0' }, false],
    ['FORCE_COLOR=false on a terminal', [terminal, terminal], { FORCE_COLOR: 'false' }, false],
    ['NO_COLOR wins over FORCE_COLOR', [terminal, terminal], { NO_COLOR: 'yes', FORCE_COLOR: '1' }, false],
  ] as const)('%s', (_, streams, env, expected) => {
    expect(useColour(streams, env)).toBe(expected);
  });

  it('settleColour writes NO_COLOR for libraries that decide on their own, and only when colour is off', () => {
    const off: NodeJS.ProcessEnv = {};
    expect(settleColour(off, [terminal, pipe])).toBe(false);
    expect(off.NO_COLOR).toBe('1');
    const on: NodeJS.ProcessEnv = {};
    expect(settleColour(on, [terminal, terminal])).toBe(true);
    expect(on).toEqual({});
  });
});

describe('table width', () => {
  it('is the terminal width on a terminal (80 when unknown) and unlimited elsewhere', () => {
    expect(tableWidth(terminal)).toBe(100);
    expect(tableWidth({ isTTY: true })).toBe(80);
    expect(tableWidth(pipe)).toBeUndefined();
    expect(tableWidth({})).toBeUndefined();
  });
});
