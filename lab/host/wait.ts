import { setTimeout as delay } from 'node:timers/promises';

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Names what is awaited in the timeout error. */
  what: string;
  signal?: AbortSignal;
}

/**
 * Polls a real signal until it yields a value (not undefined). Errors from `probe` count as "not yet";
 * the last one is given in the timeout error so a failing probe is not hidden.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, opts: PollOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what} (last: ${last})`);
    // Aborted while sleeping: say why (Ctrl-C, a time limit), not just "the operation was aborted".
    await delay(opts.intervalMs ?? 250, undefined, { signal: opts.signal }).catch((err: unknown) => {
      opts.signal?.throwIfAborted();
      throw err;
    });
  }
}
