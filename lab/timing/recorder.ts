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
      this.push(group, name, start, t0);
      return result;
    } catch (err) {
      this.push(group, name, start, t0, err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  private push(group: string, name: string, start: Date, t0: number, error?: string): void {
    this.record(group, name, start, Math.round(performance.now() - t0), error);
  }

  /** A step timed elsewhere (a release the release stack ran and timed): failed when it has an error. */
  record(group: string, name: string, start: Date, durationMs: number, error?: string): void {
    const ok = error === undefined;
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
