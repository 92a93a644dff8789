/**
 * `-o`, as kubectl has it: without it, text for people; `-o wide`, the table with its detail columns;
 * `-o json`, the same facts for scripts, on stdout alone (progress goes to stderr).
 */
import { Option } from 'commander';
import { InputError } from '../errors.ts';

export type OutputFormat = 'wide' | 'json';

/** A value outside `allowed` is bad input: one line naming the values the command takes. */
export function parseOutputFormat(value: string, allowed: readonly OutputFormat[]): OutputFormat {
  const format = allowed.find((f) => f === value);
  if (format) return format;
  throw new InputError(`unknown output format "${value}"`, `use ${allowed.map((f) => `-o ${f}`).join(' or ')}, or no -o for text`);
}

export function outputOption(allowed: readonly OutputFormat[], description: string): Option {
  return new Option('-o, --output <format>', description).argParser((value: string) => parseOutputFormat(value, allowed));
}

/** Two-space indented, one trailing newline: what `jq` and people diffing two outputs both read well. */
export function writeJson(value: unknown, stream: NodeJS.WritableStream = process.stdout): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
