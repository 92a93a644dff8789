import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReportCopies, writeReportCopies } from '../../lab/cli/report-copies.ts';
import { InputError } from '../../lab/errors.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'certlab-copies-')); });
afterAll(() => rm(dir, { recursive: true, force: true }));

const refusal = (copies: Parameters<typeof checkReportCopies>[0]) => checkReportCopies(copies).then(() => undefined, (e: unknown) => e);

describe('run --junit FILE --json FILE', () => {
  it('refuses, as bad input, a file in a directory that does not exist', async () => {
    const err = await refusal({ junit: join(dir, 'missing', 'junit.xml') });
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).line).toBe(`--junit ${join(dir, 'missing', 'junit.xml')}: directory ${join(dir, 'missing')} does not exist; create it, or pass a file in an existing directory`);
  });

  it('refuses a target that is a directory', async () => {
    const err = await refusal({ json: dir });
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(`--json ${dir} is a directory`);
  });

  it.skipIf(process.getuid?.() === 0)('refuses a directory it cannot write to', async () => {
    const locked = join(dir, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o500);
    expect(await refusal({ json: join(locked, 'r.json') })).toBeInstanceOf(InputError);
  });

  it('accepts files in existing directories, and nothing asked', async () => {
    expect(await refusal({ junit: join(dir, 'j.xml'), json: join(dir, 'r.json') })).toBeUndefined();
    expect(await refusal({})).toBeUndefined();
  });

  it('writes byte-for-byte copies of the run directory\'s junit.xml and report.json', async () => {
    const run = join(dir, 'run');
    await mkdir(run);
    await writeFile(join(run, 'junit.xml'), '<testsuites/>\n');
    await writeFile(join(run, 'report.json'), '{"runId":"r"}\n');
    await writeReportCopies(run, { junit: join(dir, 'ci-junit.xml'), json: join(dir, 'ci-report.json') });
    expect(await readFile(join(dir, 'ci-junit.xml'), 'utf8')).toBe('<testsuites/>\n');
    expect(await readFile(join(dir, 'ci-report.json'), 'utf8')).toBe('{"runId":"r"}\n');
  });
});
