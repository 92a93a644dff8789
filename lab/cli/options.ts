/** Options more than one command takes, defined once so their names, values and help agree. */
import { Option } from 'commander';
import { SUPPLY_MODES } from '../images/supply.ts';

/** `--images <mode>`; a value outside SUPPLY_MODES is refused by commander as bad input (exit 2). */
export function imageModeOption(): Option {
  return new Option('--images <mode>', 'how to supply a missing image').choices(SUPPLY_MODES).default(SUPPLY_MODES[0]);
}
