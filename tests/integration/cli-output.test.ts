/**
 * The CLI's manners with scripts and terminals (issue 11, items 5 and 8): `-o json` for scripts, tables
 * without colour or overlong lines when piped, a table that fits a terminal, exit 2 for bad input.
 * Nothing here brings a lab up: `status` of a lab that does not run reports its components down.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, certlab, expectOneClearLine, labDir } from '../helpers/cli.ts';
import { announceSkip, skipReason } from './support.ts';

const ESC = '\u001b';
const reason = skipReason([]);
announceSkip('CLI output (status needs a container engine)', reason);
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasScript) console.log('SKIPPED: status on a terminal: `script` (util-linux) is not installed');

/** A lab name no one runs, so status sees every component down. */
const LAB = `clioutput${process.pid}`;
const lines = (text: string) => text.split('\n').filter(Boolean);
const dirs: string[] = [];
const workDir = () => { const dir = labDir({ name: LAB }); dirs.push(dir); return dir; };
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** The CLI on a pseudo-terminal `columns` wide (util-linux `script`), as a person would run it. */
function onTerminal(cwd: string, args: string[], columns: number, env: Record<string, string> = {}): string {
  const command = `stty cols ${columns}; exec ${process.execPath} ${CLI} ${args.join(' ')}`;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm', ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.replaceAll('\r', '');
}

describe.skipIf(reason)('certlab status', () => {
  const cwd = workDir();

  it('-o json: the lab, every component with all its keys, and the lock, on stdout alone', () => {
    const r = certlab(cwd, ['status', '-o', 'json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as { lab: string; components: Array<Record<string, unknown>>; lock: unknown };
    expect(Object.keys(doc).sort()).toEqual(['components', 'lab', 'lock']);
    expect(doc.lab).toBe(LAB);
    expect(doc.lock).toBeNull();
    expect(doc.components.map((c) => c.component)).toEqual(expect.arrayContaining(['bind', 'coredns', 'pebble', 'vault-1', 'kubernetes']));
    for (const c of doc.components) {
      expect(Object.keys(c).sort()).toEqual(['address', 'component', 'detail', 'health', 'role']);
      expect(c.health).toBe('down');
    }
  });

  it('piped: no colour, no line wider than 120 columns, the detail only with -o wide', () => {
    for (const env of [{}, { NO_COLOR: '1' }]) {
      const r = certlab(cwd, ['status'], env);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).not.toContain(ESC);
      expect(lines(r.stdout)[0]!.split(/\s{3,}/)).toEqual(['COMPONENT', 'ADDRESS', 'HEALTH', 'ROLE']);
      for (const line of lines(r.stdout)) expect(line.length, line).toBeLessThanOrEqual(120);
    }
    const wide = certlab(cwd, ['status', '-o', 'wide']);
    expect(lines(wide.stdout)[0]!.split(/\s{3,}/)).toEqual(['COMPONENT', 'ADDRESS', 'HEALTH', 'ROLE', 'DETAIL']);
    expect(wide.stdout).toMatch(/^bind\s.*\snot running$/m);
  });

  it('FORCE_COLOR colours health even when piped, and NO_COLOR wins over it', () => {
    expect(certlab(cwd, ['status'], { FORCE_COLOR: '1' }).stdout).toContain(`${ESC}[31mdown${ESC}[39m`);
    expect(certlab(cwd, ['status'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toContain(ESC);
  });

  it.skipIf(!hasScript)('on a terminal: fits its width, cuts long cells with "…", colours health unless NO_COLOR', () => {
    const out = onTerminal(cwd, ['status', '-o', 'wide'], 60);
    for (const line of lines(out)) expect(line.replaceAll(/\u001b\[\d+m/g, '').length, line).toBeLessThanOrEqual(60);
    expect(out).toContain('…');
    expect(out).toContain(`${ESC}[31mdown${ESC}[39m`);
    expect(onTerminal(cwd, ['status'], 60, { NO_COLOR: '1' })).not.toContain(ESC);
  });
});

describe('certlab images list', () => {
  const cwd = workDir();

  it('-o json: every image with the same keys, known ones among them', () => {
    const r = certlab(cwd, ['images', 'list', '-o', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { images: Array<Record<string, unknown>> };
    expect(Object.keys(doc)).toEqual(['images']);
    for (const image of doc.images) expect(Object.keys(image).sort()).toEqual(['binary', 'build', 'buildable', 'group', 'key', 'needs', 'ref', 'version']);
    expect(doc.images).toContainEqual(expect.objectContaining({ key: 'openbao', group: 'core', ref: expect.stringMatching(/^openbao\/openbao:/), binary: '/bin/bao' }));
  });

  it('piped: a plain table', () => {
    const r = certlab(cwd, ['images', 'list']);
    expect(r.stdout).not.toContain(ESC);
    expect(lines(r.stdout)[0]!.split(/\s{3,}/)).toEqual(['KEY', 'GROUP', 'REFERENCE']);
  });
});

describe('bad input: exit 2, one line, nothing done', () => {
  const cwd = workDir();
  // Should some input be taken after all, the command fails at once (exit 1) instead of making a lab.
  const noEngine = { DOCKER_HOST: 'unix:///nonexistent/certlab-no-engine.sock' };

  it.each([
    [['status', '-o', 'yaml'], /unknown output format "yaml"; use -o wide or -o json/],
    [['images', 'list', '-o', 'yaml'], /unknown output format "yaml"/],
    [['run', '-o', 'wide'], /unknown output format "wide"; use -o json/],
    [['status', '-o'], /option '-o, --output <format>' argument missing; see `certlab status --help`/],
    [['run', '--frobnicate'], /unknown option '--frobnicate'; see `certlab run --help`/],
    [['run', '--junit'], /option '--junit <file>' argument missing/],
    [['run', '--images', 'borrow'], /argument 'borrow' is invalid\. Allowed choices are pull-or-build, build, pull; see `certlab run --help`/],
    [['run', 'no-such-scenario'], /unknown scenario "no-such-scenario"; use one of: all, /],
    [['stauts'], /unknown command 'stauts'/],
  ])('certlab %j', (args, pattern) => {
    const r = certlab(cwd, args, noEngine);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expectOneClearLine(r.stderr, pattern);
  });

  it('run --junit/--json into a directory that does not exist: refused before the lab is touched', () => {
    for (const flag of ['--junit', '--json']) {
      const r = certlab(cwd, ['run', 'vault-leader-failover', flag, join(cwd, 'no-such-dir', 'out')], noEngine);
      expect(r.status).toBe(2);
      expectOneClearLine(r.stderr, new RegExp(`${flag} .*no-such-dir/out: directory .*no-such-dir does not exist; create it`));
    }
    expect(existsSync(join(cwd, 'state'))).toBe(false);
  });

  it('--help documents the exit codes and exits 0', () => {
    const r = certlab(cwd, ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n\s+0\s.*\n\s+1\s.*\n\s+2\s+bad input.*\n\s+130\s+interrupted/);
  });
});
