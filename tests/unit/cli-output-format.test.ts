import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../lab/errors.ts';
import { outputOption, parseOutputFormat, writeJson, type OutputFormat } from '../../lab/cli/output-format.ts';

describe('parseOutputFormat', () => {
  it('takes the formats the command allows', () => {
    expect(parseOutputFormat('json', ['wide', 'json'])).toBe('json');
    expect(parseOutputFormat('wide', ['wide', 'json'])).toBe('wide');
  });

  it.each([
    ['yaml', ['wide', 'json'], 'unknown output format "yaml"; use -o wide or -o json, or no -o for text'],
    ['wide', ['json'], 'unknown output format "wide"; use -o json, or no -o for text'],
    ['JSON', ['json'], 'unknown output format "JSON"; use -o json, or no -o for text'],
  ] as const)('refuses %s as bad input, in one line naming what works', (value, allowed, line) => {
    const err = (() => { try { return parseOutputFormat(value, allowed); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).line).toBe(line);
  });
});

/** A command with -o as certlab defines it, parsed without ending the process. */
function parse(args: string[], allowed: readonly OutputFormat[] = ['wide', 'json']): { output?: OutputFormat } {
  const cmd = new Command('status').exitOverride().configureOutput({ outputError: () => undefined }).addOption(outputOption(allowed, 'format'));
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
}

describe('-o on a command', () => {
  it('is absent by default (text for people) and takes -o, --output and --output=', () => {
    expect(parse([]).output).toBeUndefined();
    expect(parse(['-o', 'json']).output).toBe('json');
    expect(parse(['--output', 'wide']).output).toBe('wide');
    expect(parse(['--output=json']).output).toBe('json');
  });

  it('an unknown value reaches the CLI as an InputError (exit 2), a missing one as a commander error', () => {
    expect(() => parse(['-o', 'yaml'])).toThrow(InputError);
    expect(() => parse(['-o'])).toThrow(CommanderError);
  });
});

describe('writeJson', () => {
  it('writes one indented document and a newline', () => {
    let out = '';
    writeJson({ a: [1] }, { write: (s: string) => { out += s; return true; } } as unknown as NodeJS.WritableStream);
    expect(out).toBe('{\n  "a": [\n    1\n  ]\n}\n');
  });
});
