/** Options more than one command takes, defined once so their names, values and help agree. */
import { Option } from 'commander';
import { SUPPLY_MODES } from '../images/supply.ts';

/**
 * `--images <mode>` (`--mode <mode>` on `images supply`); a value outside SUPPLY_MODES is refused by
 * commander as bad input (exit 2). The default, pull-or-build, reuses what is here, pulls what it can and
 * builds the rest.
 */
export function imageModeOption(flags = '--images <mode>'): Option {
  return new Option(flags, 'how to supply a missing image').choices(SUPPLY_MODES).default(SUPPLY_MODES[0]);
}
