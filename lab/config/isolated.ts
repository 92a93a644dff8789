import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type LabContext } from '../context.ts';
import { parseConfig } from './load.ts';

/**
 * A lab of its own for a test file or a benchmark: its own name, network and subnet, engine-picked host
 * ports and a temporary state directory, so it never touches the user's lab.
 */
export function isolatedLabContext(name: string, subnet: string, overrides: Record<string, unknown> = {}): LabContext {
  return createContext(parseConfig({
    name, network: { name, subnet },
    ports: { vaultBase: 0, pebble: 0, pebbleManagement: 0, dns: 0, vaultLb: 0 },
    stateDir: mkdtempSync(join(tmpdir(), `${name}-`)),
    ...overrides,
  }, 'test'));
}
