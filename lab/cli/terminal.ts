/**
 * What the CLI may assume about where its output goes: whether to colour it and how wide a table may
 * be. The one place that decides; everything that prints asks here.
 */

/** The part of a stream the decisions look at (process.stdout, process.stderr, or a test's stand-in). */
export interface OutputStream {
  isTTY?: boolean;
  columns?: number;
}

/**
 * Colour only for a person at a terminal: never with NO_COLOR set to anything (https://no-color.org);
 * FORCE_COLOR forces it where no terminal is (a CI log that renders colour), FORCE_COLOR=0 turns it off
 * as in Node and chalk; otherwise every stream must be a terminal. Empty values count as unset.
 */
export function useColour(streams: readonly OutputStream[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force) return force !== '0' && force !== 'false';
  return streams.every((s) => s.isTTY === true);
}

/**
 * Makes libraries that decide colour on their own follow the decision: listr2 (through colorette)
 * fixes its palette when it loads, from NO_COLOR and whether fd 1 is a terminal, while the task list
 * may go to stderr. Both streams count, since progress can go to either. Call before the CLI loads;
 * child processes inherit NO_COLOR too, so their output, which the lab parses, stays plain.
 */
export function settleColour(env: NodeJS.ProcessEnv = process.env, streams: readonly OutputStream[] = [process.stdout, process.stderr]): boolean {
  const colour = useColour(streams, env);
  if (!colour) env.NO_COLOR = '1';
  return colour;
}

/**
 * How wide a table may be on this stream: the terminal's width, or no limit when the output goes to a
 * file or a pipe (what reads it there wants whole values, not cut ones).
 */
export function tableWidth(stream: OutputStream): number | undefined {
  return stream.isTTY ? stream.columns ?? 80 : undefined;
}
