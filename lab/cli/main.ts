import { Command, CommanderError, Option } from 'commander';
import { BAD_INPUT_EXIT_CODE, InputError, LabError, errorText } from '../errors.ts';
import { INTERRUPTED_EXIT_CODE, Interrupted } from '../interrupt.ts';
import { registerImageCommands } from './images.ts';
import { registerLabCommands } from './lab.ts';
import { registerRunCommands } from './run.ts';
import { registerDrillCommand } from './drill.ts';
import type { Scenario } from '../runner/scenario.ts';

const EXIT_CODES_HELP = `
Exit codes:
  0    done; for run, every check and threshold held
  1    a check or threshold failed, or the command failed (the lab, an engine, a port)
  ${BAD_INPUT_EXIT_CODE}    bad input: an unknown command, flag, -o value, name or configuration value; nothing was done
  ${INTERRUPTED_EXIT_CODE}  interrupted (Ctrl-C or SIGTERM) after undoing what the command started

Errors are one line on stderr, what is wrong and how to fix it (CERTLAB_DEBUG=1 adds the stack).
Output: tables fit the terminal and are coloured there only (NO_COLOR turns colour off, FORCE_COLOR
forces it); piped, cells stay whole. -o json on status, images list and run prints JSON on stdout alone.`;

/**
 * The certlab command line, with the scenarios it can run (given by the entry point, so that lab/ never
 * imports scenarios/). Exit codes are in EXIT_CODES_HELP. Ends the process when the command is done.
 */
export async function runCli(scenarios: readonly Scenario[]): Promise<never> {
  const program = new Command('certlab')
    .description('A local end-to-end lab for TLS certificate management')
    .addOption(new Option('-c, --config <file>', 'configuration file').env('CERTLAB_CONFIG'))
    .addHelpText('after', EXIT_CODES_HELP)
    // Set before the subcommands are added, which inherit both: commander's errors reach execute() as
    // exceptions instead of ending the process, and are printed there, as one line.
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  registerLabCommands(program);
  registerImageCommands(program);
  registerRunCommands(program, scenarios);
  registerDrillCommand(program, scenarios);
  await execute(program);
  // The command's work is done and what it started was released: nothing a library left open (a
  // keep-alive socket, a timer) may keep the process, and with it a lock or a terminal, waiting.
  process.exit(process.exitCode ?? 0);
}

/** The (sub)command the arguments name, e.g. `certlab images list`, for a hint to its --help. */
function commandNamed(program: Command, args: string[]): string {
  const names = [program.name()];
  let command = program;
  for (const arg of args) {
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) continue;
    names.push(sub.name());
    command = sub;
  }
  return names.join(' ');
}

/** Commander's message ("error: unknown option '--x'\n(Did you mean --y?)") as one line with its fix. */
function usageLine(err: CommanderError, program: Command): string {
  const what = err.message.replace(/^error: /, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ').replace(/\.$/, '');
  return `${what}; see \`${commandNamed(program, process.argv.slice(2))} --help\``;
}

async function execute(program: Command): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    // One line for the user: what is wrong and how to fix it. CERTLAB_DEBUG=1 shows the stack.
    if (process.env.CERTLAB_DEBUG) console.error(err);
    if (err instanceof CommanderError) {
      // Help and --version end through here too, with their own exit code 0; help for a missing
      // command has been printed already and needs no line of its own.
      if (err.exitCode !== 0 && err.code !== 'commander.help') process.stderr.write(`certlab: ${usageLine(err, program)}\n`);
      process.exitCode = err.exitCode === 0 ? 0 : BAD_INPUT_EXIT_CODE;
    } else if (err instanceof Interrupted) {
      process.stderr.write(`certlab: ${err.message}\n`);
      process.exitCode = INTERRUPTED_EXIT_CODE;
    } else {
      const line = err instanceof LabError ? err.line : errorText(err).split('\n')[0];
      process.stderr.write(`certlab: ${line}\n`);
      process.exitCode = err instanceof InputError ? BAD_INPUT_EXIT_CODE
        : process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
    }
  }
}
