/** The run directory's report files: report.json is the source of truth, the others derive from it. */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RunReportSchema, type RunReport } from './model.ts';
import { renderMarkdown } from './markdown.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';

export const REPORT_FILES = { json: 'report.json', markdown: 'report.md', html: 'report.html', junit: 'junit.xml' } as const;

/** Raised for a report.json that is missing, not JSON or not a report; the message is one line. */
export class ReportFileError extends Error {
  override name = 'ReportFileError';
}

/** "scenarios[1].figures[0].value", the way one would point at the key in an editor. */
function keyPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '') || '(root)';
}

/** Validates and fills defaults; the first bad key is named, the rest counted, so the line stays short. */
export function parseReport(data: unknown, source: string): RunReport {
  const result = RunReportSchema.safeParse(data);
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues;
  const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
  throw new ReportFileError(`${source}: invalid report at ${keyPath(first?.path ?? [])}: ${first?.message ?? 'unknown problem'}${more}`);
}

/** Accepts the run directory or the report.json itself, so `--compare` takes whichever a user has at hand. */
async function reportJsonPath(runDirOrFile: string): Promise<string> {
  const isDir = await stat(runDirOrFile).then((s) => s.isDirectory(), () => !runDirOrFile.endsWith('.json'));
  return isDir ? join(runDirOrFile, REPORT_FILES.json) : runDirOrFile;
}

export async function loadReport(runDir: string): Promise<RunReport> {
  const file = await reportJsonPath(runDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ReportFileError(`${file}: cannot read report: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ReportFileError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  return parseReport(data, file);
}

/** Derived files only: rerendering after a renderer change must never rewrite the measured data. */
async function writeRendered(runDir: string, report: RunReport): Promise<void> {
  await Promise.all([
    writeFile(join(runDir, REPORT_FILES.markdown), renderMarkdown(report)),
    writeFile(join(runDir, REPORT_FILES.html), renderHtml(report)),
    writeFile(join(runDir, REPORT_FILES.junit), renderJunit(report)),
  ]);
}

/** Writes the run directory's reports; returns the report as report.json holds it (validated, defaults filled). */
export async function writeReport(runDir: string, report: RunReport): Promise<RunReport> {
  // Validated before anything is written, so a run never leaves a report.json that loadReport refuses.
  const valid = parseReport(report, `report for ${runDir}`);
  await mkdir(runDir, { recursive: true });
  await writeFile(join(runDir, REPORT_FILES.json), `${JSON.stringify(valid, null, 2)}\n`);
  await writeRendered(runDir, valid);
  return valid;
}

export async function rerender(runDir: string): Promise<void> {
  const file = await reportJsonPath(runDir);
  await writeRendered(dirname(file), await loadReport(file));
}
