import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Step } from './model.ts';

/** Times steps of one run and writes them as timings.json in the run's report directory. */
export class StepRecorder {
  readonly steps: Step[] = [];

  async time<T>(group: string, name: string, work: () => Promise<T>): Promise<T> {
    const start = new Date();
    const t0 = performance.now();
    try {
      const result = await work();
      this.push(group, name, start, t0, true);
      return result;
    } catch (err) {
      this.push(group, name, start, t0, false, err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  private push(group: string, name: string, start: Date, t0: number, ok: boolean, error?: string): void {
    const durationMs = Math.round(performance.now() - t0);
    this.steps.push({
      name, group, ok, durationMs, ...(error ? { error } : {}),
      startedAt: start.toISOString(),
      endedAt: new Date(start.getTime() + durationMs).toISOString(),
    });
  }

  /** timings.json: these steps (the bring-up) and any others of the run (its scenarios'), in order. */
  async writeTimings(runDir: string, more: Step[] = []): Promise<string> {
    await mkdir(runDir, { recursive: true });
    const file = join(runDir, 'timings.json');
    await writeFile(file, JSON.stringify({ steps: [...this.steps, ...more] }, null, 2) + '\n');
    return file;
  }
}
