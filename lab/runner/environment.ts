import { cpus, hostname, release, totalmem, type } from 'node:os';
import type { LabConfig } from '../config/schema.ts';
import { imageExists } from '../host/docker.ts';
import { catalogFor } from '../images/catalog.ts';
import { withDependencies } from '../images/supply.ts';
import type { Environment } from '../report/model.ts';

/** The machine and the exact images a run used, so figures are read with what produced them. */
export async function describeEnvironment(config: LabConfig, imageKeys: string[]): Promise<Environment> {
  const images = await Promise.all(withDependencies(imageKeys, catalogFor(config)).map(async (i) => ({
    key: i.key, ref: i.ref, version: i.version, source: (await imageExists(i.ref)) ? 'local engine' : 'missing',
  })));
  return {
    host: { hostname: hostname(), cores: cpus().length, memoryBytes: totalmem(), os: `${type()} ${release()}`, node: process.version, cpuModel: cpus()[0]?.model ?? 'unknown' },
    // The user's own Vault (vault.address) is whatever it is: named by its address, not by the lab's flavour.
    vaultFlavor: config.vault.address ? `yours, at ${config.vault.address}` : config.vault.flavor,
    images,
  };
}
