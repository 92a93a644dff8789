/**
 * `certlab run --junit FILE --json FILE`: the run directory's junit.xml and report.json, copied where a
 * CI job looks for them. Copies, so they cannot differ from the report directory's.
 */
import { access, constants, copyFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { REPORT_FILES } from '../report/index.ts';

export interface ReportCopies {
  junit?: string;
  json?: string;
}

const SOURCE: Record<keyof ReportCopies, string> = { junit: REPORT_FILES.junit, json: REPORT_FILES.json };

function requested(copies: ReportCopies): Array<[keyof ReportCopies, string]> {
  return (Object.keys(SOURCE) as Array<keyof ReportCopies>).flatMap((flag) => (copies[flag] ? [[flag, copies[flag]]] : []));
}

async function checkTarget(flag: string, file: string): Promise<void> {
  const dir = dirname(resolve(file));
  const isDir = (path: string) => stat(path).then((s) => s.isDirectory(), () => false);
  if (!(await isDir(dir))) throw new InputError(`--${flag} ${file}: directory ${dir} does not exist`, 'create it, or pass a file in an existing directory');
  if (await isDir(file)) throw new InputError(`--${flag} ${file} is a directory`, 'pass a file name');
  const writable = await access(dir, constants.W_OK).then(() => true, () => false);
  if (!writable) throw new InputError(`--${flag} ${file}: directory ${dir} is not writable`, 'pass a file in a directory you can write to');
}

/** Before the run starts: minutes of scenarios must not end in "cannot write". */
export async function checkReportCopies(copies: ReportCopies): Promise<void> {
  for (const [flag, file] of requested(copies)) await checkTarget(flag, file);
}

export async function writeReportCopies(runDir: string, copies: ReportCopies): Promise<void> {
  for (const [flag, file] of requested(copies)) await copyFile(join(runDir, SOURCE[flag]), file);
}
