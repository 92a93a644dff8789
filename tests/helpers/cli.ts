// The real CLI as a user runs it, for the tests that spawn it: `node bin/certlab.mjs …` in a working
// directory of its own, with piped (not terminal) output.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

export const CLI = resolve('bin/certlab.mjs');

/** A working directory with its own certlab.config.json, so each case is a lab of its own. */
export function labDir(config: Record<string, unknown>, prefix = 'certlab-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'certlab.config.json'), JSON.stringify({ stateDir: join(dir, 'state'), reportsDir: join(dir, 'reports'), ...config }));
  return dir;
}

/**
 * Runs the CLI to its end. NO_COLOR and FORCE_COLOR are not passed on from the test runner (which may
 * set them), so a case gets exactly the colour settings it names in `env`.
 */
export function certlab(cwd: string, args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd, env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env }, encoding: 'utf8', timeout: 120_000,
  });
  return { status: r.status, stderr: r.stderr.trim(), stdout: r.stdout };
}

/**
 * The same, without blocking the test's event loop: for commands that take long (a `down` that waits for
 * namespaces to go), during which the test runner's own messages must still be answered.
 */
export function certlabAsync(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<ReturnType<typeof certlab>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env }, timeout: 300_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr: stderr.trim(), stdout }));
  });
}

/** stderr is one line, `certlab: …`, matching `pattern`, with no stack trace; returns that line. */
export function expectOneClearLine(stderr: string, pattern: RegExp = /./): string {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^certlab: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}
