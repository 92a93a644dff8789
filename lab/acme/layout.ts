import { join } from 'node:path';
import type { LabConfig } from '../config/schema.ts';
import type { LabPaths } from '../paths.ts';

export interface AcmeContainer {
  container: string;
  component: string;
  aliases: string[];
}

/** Names and the mounted directory of the ACME component for one lab. */
export interface AcmeLayout {
  pebble: AcmeContainer;
  challtestsrv: AcmeContainer;
  /** pebble-config.json and Pebble's HTTPS certificate, mounted read-only as /certlab. */
  dir: string;
  /** Names Pebble's HTTPS certificate is valid for, its common name first. */
  tlsNames: { dns: string[]; ips: string[] };
}

export const ACME_PORT = 14000;
export const MANAGEMENT_PORT = 15000;
export const CHALLTESTSRV_MANAGEMENT_PORT = 8055;

export function acmeLayout(config: LabConfig, paths: LabPaths): AcmeLayout {
  const privateName = `pebble.${config.domains.private}`;
  return {
    pebble: { container: `${config.name}-pebble`, component: 'pebble', aliases: ['pebble', privateName] },
    challtestsrv: { container: `${config.name}-challtestsrv`, component: 'challtestsrv', aliases: ['challtestsrv', `challtestsrv.${config.domains.private}`] },
    dir: join(paths.mounts, 'acme'),
    tlsNames: { dns: [privateName, 'pebble', 'localhost'], ips: ['127.0.0.1'] },
  };
}
