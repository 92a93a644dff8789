import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Sample { name: string; unit: string; values: number[] }

export function summarize(s: Sample): { median: number; min: number; max: number; n: number } {
  const v = [...s.values].sort((a, b) => a - b);
  return { median: v[Math.floor(v.length / 2)] ?? Number.NaN, min: v[0] ?? Number.NaN, max: v.at(-1) ?? Number.NaN, n: v.length };
}

export function machine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 **30)} GiB, Node ${process.version}`;
}

/** Prints a markdown table for the README and keeps the raw samples under reports/bench/. */
export async function publish(bench: string, samples: Sample[]): Promise<void> {
  const lines = [`${bench} on ${machine()}, ${new Date().toISOString().slice(0, 10)}`, '', '| measure | median | min | max | runs |', '|---|---:|---:|---:|---:|'];
  for (const s of samples) {
    const { median, min, max, n } = summarize(s);
    const f = (x: number) => `${Number.isInteger(x) ? x : x.toFixed(2)} ${s.unit}`;
    lines.push(`| ${s.name} | ${f(median)} | ${f(min)} | ${f(max)} | ${n} |`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  const dir = join('reports', 'bench');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${bench}.json`), JSON.stringify({ machine: machine(), at: new Date().toISOString(), samples }, null, 2));
}
