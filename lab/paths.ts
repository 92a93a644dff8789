import { join } from 'node:path';
import type { LabConfig } from './config/schema.ts';

/**
 * The lab's state directory. `offlineRoot` holds the root key and is never mounted into any container;
 * only `mounts` is. `secrets` holds tokens and keys (files mode 0600), read by the lab, never logged.
 */
export interface LabPaths {
  root: string;
  offlineRoot: string;
  pki: string;
  mounts: string;
  secrets: string;
  snapshots: string;
  /** Vault audit logs, one directory per node (`audit/<node>/audit.log`), written by the servers' user. */
  audit: string;
}

export function labPaths(config: Pick<LabConfig, 'stateDir' | 'name'>): LabPaths {
  const root = join(config.stateDir, config.name);
  return {
    root,
    offlineRoot: join(root, 'offline-root'),
    pki: join(root, 'pki'),
    mounts: join(root, 'mounts'),
    secrets: join(root, 'secrets'),
    snapshots: join(root, 'snapshots'),
    audit: join(root, 'audit'),
  };
}
