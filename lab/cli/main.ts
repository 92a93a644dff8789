import { Command, Option } from 'commander';
import { LabError, errorText } from '../errors.ts';
import { INTERRUPTED_EXIT_CODE, Interrupted } from '../interrupt.ts';
import { registerImageCommands } from './images.ts';
import { registerLabCommands } from './lab.ts';
import { registerRunCommands } from './run.ts';
import type { Scenario } from '../runner/scenario.ts';

/**
 * The certlab command line, with the scenarios it can run (given by the entry point, so that lab/ never
 * imports scenarios/). Exit codes: 0 all held, 1 a check or threshold failed or the command failed, 130
 * interrupted. Ends the process when the command is done.
 */
export async function runCli(scenarios: readonly Scenario[]): Promise<never> {
  const program = new Command('certlab')
    .description('A local end-to-end lab for TLS certificate management')
    .addOption(new Option('-c, --config <file>', 'configuration file').env('CERTLAB_CONFIG'))
    .showHelpAfterError('(certlab --help lists the commands)');
  registerLabCommands(program);
  registerImageCommands(program);
  registerRunCommands(program, scenarios);
  await execute(program);
  // The command's work is done and what it started was released: nothing a library left open (a
  // keep-alive socket, a timer) may keep the process, and with it a lock or a terminal, waiting.
  process.exit(process.exitCode ?? 0);
}

async function execute(program: Command): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    // One line for the user: what is wrong and how to fix it. CERTLAB_DEBUG=1 shows the stack.
    if (process.env.CERTLAB_DEBUG) console.error(err);
    if (err instanceof Interrupted) {
      process.stderr.write(`certlab: ${err.message}\n`);
      process.exitCode = INTERRUPTED_EXIT_CODE;
    } else {
      const line = err instanceof LabError ? err.line : errorText(err).split('\n')[0];
      process.stderr.write(`certlab: ${line}\n`);
      process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
    }
  }
}
