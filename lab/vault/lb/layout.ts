import { join } from 'node:path';
import type { LabConfig } from '../../config/schema.ts';
import type { LabPaths } from '../../paths.ts';
import { vaultTopology } from '../topology.ts';

/** Names, ports and directories of the load balancer in front of the Vault nodes, for one lab. */
export interface VaultLbLayout {
  container: string;
  /** Value of the certlab.component label. */
  component: string;
  /** The one Vault address clients use, `vault.<private zone>`: also the nodes' leader_tls_servername. */
  name: string;
  /** Names on the lab network (and so in the lab's DNS). */
  aliases: string[];
  /** HAProxy's backend of Vault nodes. */
  backend: string;
  /** Where HAProxy listens in the container, as the nodes do. */
  listenPort: number;
  /** The runtime API, on the container's loopback only. */
  statsPort: number;
  /** Published on 127.0.0.1 (config.ports.vaultLb; 0: engine-picked). */
  hostPort: number;
  /** haproxy.cfg and the CA chain its health checks verify with, mounted at the official image's config directory. */
  configDir: string;
}

export function vaultLbLayout(config: LabConfig, paths: LabPaths): VaultLbLayout {
  const name = vaultTopology(config).leaderTlsServername;
  return {
    container: `${config.name}-vault-lb`,
    component: 'vault-lb',
    name,
    aliases: ['vault-lb', name],
    backend: 'vault-nodes',
    listenPort: 8200,
    statsPort: 9999,
    hostPort: config.ports.vaultLb,
    configDir: join(paths.mounts, 'vault-lb'),
  };
}
