import { $ } from 'zx';

export interface CommandOptions {
  /** Added to this process's environment for the command. */
  env?: Record<string, string>;
  /** Stops the command (SIGTERM) and throws the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Gets each non-empty line the command writes to stderr, as it comes (progress). */
  onStderrLine?: (line: string) => void;
  /** How many of the last output lines a failure quotes (default 5). */
  tailLines?: number;
  /** Names the command in a failure (default: its first three words, the program without its directory). */
  what?: string;
}

/**
 * Runs a host command quietly and returns its stdout. A non-zero exit is an error naming the command with
 * its exit code and the last lines it printed, so the cause shows without a log file.
 */
export async function runCommand(argv: string[], opts: CommandOptions = {}): Promise<string> {
  const p = $({
    quiet: true, nothrow: true,
    ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  })`${argv}`;
  if (opts.onStderrLine) {
    for await (const chunk of p.stderr) {
      for (const line of String(chunk).split('\n')) if (line.trim()) opts.onStderrLine(line.trim());
    }
  }
  const r = await p;
  opts.signal?.throwIfAborted();
  if (r.exitCode !== 0) {
    const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-(opts.tailLines ?? 5)).join(' | ');
    const what = opts.what ?? argv.slice(0, 3).map((a) => a.split('/').pop()).join(' ');
    throw new Error(`${what} failed (exit ${r.exitCode}): ${tail}`);
  }
  return r.stdout;
}
