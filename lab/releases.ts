/**
 * What a scenario (or any piece of lab work) started and must undo: a fault, a load, a pool, a marker
 * writer, an HTTP client. Each is registered when it starts; whoever owns the stack (the runner) releases
 * what is left, newest first, on every path: success, failed check, thrown error, timeout, Ctrl-C.
 */
export interface Released { what: string; ok: boolean; startedAt: Date; durationMs: number; error?: string }

/** Undoes one thing once; calling it again does nothing. */
export type Release = () => Promise<void>;

interface Entry { what: string; undo: () => unknown; done: boolean }

export class Releases {
  private readonly entries: Entry[] = [];

  /**
   * Registers `undo` for something just started. The returned function undoes it now (for the normal
   * path, in the order the work wants) and takes it off the stack, so it is never undone twice.
   */
  defer(what: string, undo: () => unknown): Release {
    const entry: Entry = { what, undo, done: false };
    this.entries.push(entry);
    return async () => {
      if (entry.done) return;
      entry.done = true;
      await entry.undo();
    };
  }

  /** What is still to be undone, newest first. */
  get pending(): string[] {
    return this.entries.filter((e) => !e.done).map((e) => e.what).reverse();
  }

  /**
   * Undoes everything still registered, newest first. A failing undo is recorded and the rest still run;
   * each gets `timeoutMs`, so one that hangs cannot keep the lab from being put back.
   */
  async releaseAll(timeoutMs = 60_000): Promise<Released[]> {
    const out: Released[] = [];
    for (const entry of [...this.entries].reverse()) {
      if (entry.done) continue;
      entry.done = true;
      const startedAt = new Date();
      const t0 = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(entry.undo),
          new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`did not finish within ${timeoutMs} ms`)), timeoutMs); }),
        ]);
        out.push({ what: entry.what, ok: true, startedAt, durationMs: Math.round(performance.now() - t0) });
      } catch (err) {
        out.push({ what: entry.what, ok: false, startedAt, durationMs: Math.round(performance.now() - t0), error: err instanceof Error ? err.message : String(err) });
      } finally {
        clearTimeout(timer);
      }
    }
    return out;
  }
}
