// What every benchmark shares: how many runs, the figures with their targets, the verdict, and where the
// raw results go.
//
// Conventions (issue 7 item 6):
// - A figure with a target is the median of at least MIN_RUNS_WITH_TARGET runs (BENCH_RUNS, default 3;
//   a smaller BENCH_RUNS is raised to that), shown with min and max.
// - A benchmark exits 1 when a median misses its target, printing `MISSED: <figure>: median … > target …`;
//   2 when it could not measure at all (SKIPPED: an image missing); otherwise 0.
// - The raw results (every sample, the machine, the date, the targets) go to
//   reports/bench-<id>/<bench>.json, <id> from BENCH_ID or a new run id (lab/lifecycle/run-id.ts), so
//   `BENCH_ID=x npm run bench` puts all three benchmarks in one directory; the markdown table is printed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { imageExists } from '../../lab/host/docker.ts';
import { imageByKey } from '../../lab/images/catalog.ts';
import { newRunId } from '../../lab/lifecycle/run-id.ts';

export interface Target { op: '<=' | '>='; value: number }

export interface Sample {
  name: string;
  unit: string;
  /** One value per run. */
  values: number[];
  /** What the median must hold; a figure with a target needs at least MIN_RUNS_WITH_TARGET runs. */
  target?: Target;
  /** Per-run detail kept in the raw results (e.g. step times, requests that failed). */
  detail?: Array<Record<string, unknown>>;
}

export interface Summary { median: number; min: number; max: number; n: number }

export const MIN_RUNS_WITH_TARGET = 3;
export const EXIT_MISSED = 1;
export const EXIT_SKIPPED = 2;

/** BENCH_RUNS (default 3), raised to MIN_RUNS_WITH_TARGET: every timed figure here has a target. */
export function benchRuns(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_RUNS ?? String(MIN_RUNS_WITH_TARGET);
  const asked = Number(raw);
  if (!Number.isInteger(asked) || asked < 1) throw new Error(`BENCH_RUNS=${raw}: must be a whole number of runs, at least 1`);
  if (asked < MIN_RUNS_WITH_TARGET) {
    process.stderr.write(`BENCH_RUNS=${asked} raised to ${MIN_RUNS_WITH_TARGET}: a figure with a target is the median of at least ${MIN_RUNS_WITH_TARGET} runs\n`);
  }
  return Math.max(asked, MIN_RUNS_WITH_TARGET);
}

/** BENCH_SECONDS (default 10): how long a throughput cell measures. */
export function benchSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_SECONDS ?? '10';
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0) throw new Error(`BENCH_SECONDS=${raw}: must be a positive number of seconds`);
  return s;
}

let id: string | undefined;
/** This benchmark run's id: BENCH_ID, or a new run id such as 20261122-074500-ab12. */
export function benchId(): string {
  id ??= process.env.BENCH_ID || newRunId();
  return id;
}

export function summarize(s: Pick<Sample, 'values'>): Summary {
  const v = s.values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = v.length;
  const median = n === 0 ? Number.NaN : n % 2 ? v[(n - 1) / 2]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
  return { median, min: v[0] ?? Number.NaN, max: v.at(-1) ?? Number.NaN, n };
}

/** Why a figure misses its target (undefined when it holds or has none). */
export function missed(s: Sample): string | undefined {
  if (!s.target) return undefined;
  const { median, n } = summarize(s);
  const bad = s.values.length - n;
  if (bad) return `${bad} of ${s.values.length} runs gave no value`;
  if (n < MIN_RUNS_WITH_TARGET) return `only ${n} run(s); a figure with a target needs at least ${MIN_RUNS_WITH_TARGET}`;
  const holds = s.target.op === '<=' ? median <= s.target.value : median >= s.target.value;
  return holds ? undefined : `median ${fmt(median, s.unit)} ${s.target.op === '<=' ? '>' : '<'} target ${fmt(s.target.value, s.unit)}`;
}

function fmt(x: number, unit: string): string {
  if (!Number.isFinite(x)) return 'n/a';
  const digits = Number.isInteger(x) ? 0 : Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return `${Number(x.toFixed(digits))} ${unit}`;
}

function targetText(t: Target | undefined, unit: string): string {
  return t ? `${t.op === '<=' ? '≤' : '≥'} ${fmt(t.value, unit)}` : '';
}

function quiet(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The machine the figures come from; the load average says how much else was running. */
export function machine(): Record<string, unknown> {
  const osRelease = (() => {
    try {
      return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    } catch {
      return undefined;
    }
  })();
  return {
    cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: osRelease ?? process.platform, kernel: release(), node: process.version,
    docker: quiet('docker', ['version', '--format', '{{.Server.Version}}']) ?? 'unknown',
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function machineLine(m: Record<string, unknown>): string {
  return `${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, ${m.os}, Docker ${m.docker}, Node ${m.node}, load average ${(m.loadAverage as number[]).join(' ')}`;
}

/** `SKIPPED: …` and exit 2 when an image a benchmark needs is not on this machine (nothing is built). */
export async function requireImages(bench: string, keys: string[], beforeExit: () => void = () => undefined): Promise<void> {
  const missing: string[] = [];
  for (const key of keys) {
    const ref = imageByKey(key).ref;
    if (!(await imageExists(ref))) missing.push(ref);
  }
  if (missing.length) {
    process.stdout.write(`SKIPPED: ${bench} benchmark: image(s) missing: ${missing.join(', ')} (run certlab images build)\n`);
    beforeExit();
    process.exit(EXIT_SKIPPED);
  }
}

/**
 * Prints the markdown table (with targets) and any `MISSED:` lines, writes the raw results to
 * reports/bench-<id>/<bench>.json, and returns whether every target held. Call `finish(ok)` after cleanup.
 */
export async function publish(bench: string, samples: Sample[], extra: { runs?: number; notes?: string[]; startedAt?: Date } = {}): Promise<boolean> {
  const m = machine();
  const date = new Date();
  const lines = [`${bench} on ${machineLine(m)}, ${date.toISOString().slice(0, 10)}`, '', '| measure | target | median | min | max | runs |', '|---|---|---:|---:|---:|---:|'];
  const misses: string[] = [];
  const rows = samples.map((s) => {
    const sum = summarize(s);
    const miss = missed(s);
    if (miss) misses.push(`MISSED: ${s.name}: ${miss}`);
    lines.push(`| ${s.name} | ${targetText(s.target, s.unit)} | ${fmt(sum.median, s.unit)} | ${fmt(sum.min, s.unit)} | ${fmt(sum.max, s.unit)} | ${sum.n} |`);
    return { ...s, ...sum, ...(s.target ? { met: !miss } : {}), ...(miss ? { missed: miss } : {}) };
  });
  for (const note of extra.notes ?? []) lines.push('', note);
  process.stdout.write(lines.join('\n') + '\n');
  const dir = join('reports', `bench-${benchId()}`);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${bench}.json`);
  await writeFile(file, JSON.stringify({
    bench, id: benchId(), startedAt: extra.startedAt?.toISOString(), endedAt: date.toISOString(), machine: m,
    runs: extra.runs, minRunsWithTarget: MIN_RUNS_WITH_TARGET, passed: misses.length === 0, missed: misses, notes: extra.notes ?? [],
    samples: rows,
  }, null, 2) + '\n');
  process.stdout.write(`raw results: ${file}\n`);
  for (const line of misses) process.stderr.write(`${line}\n`);
  return misses.length === 0;
}

/** Ends the benchmark: 0 when every target held, 1 when one missed. Keep-alive sockets cannot hold it open. */
export function finish(ok: boolean): never {
  process.exit(ok ? 0 : EXIT_MISSED);
}
