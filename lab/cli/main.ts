import { Command, Option } from 'commander';
import { LabError, errorText } from '../errors.ts';
import { registerImageCommands } from './images.ts';
import { registerLabCommands } from './lab.ts';
import { registerRunCommands } from './run.ts';

const program = new Command('certlab')
  .description('A local end-to-end lab for TLS certificate management')
  .addOption(new Option('-c, --config <file>', 'configuration file').env('CERTLAB_CONFIG'))
  .showHelpAfterError('(certlab --help lists the commands)');

registerLabCommands(program);
registerImageCommands(program);
registerRunCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // One line for the user: what is wrong and how to fix it. CERTLAB_DEBUG=1 shows the stack.
  if (process.env.CERTLAB_DEBUG) console.error(err);
  const line = err instanceof LabError ? err.line : errorText(err).split('\n')[0];
  process.stderr.write(`certlab: ${line}\n`);
  process.exit(process.exitCode && process.exitCode !== 0 ? process.exitCode : 1);
}
