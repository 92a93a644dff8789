import { renderFixture } from '../../fixtures.ts';
import type { VaultTopology } from '../topology.ts';
import type { VaultLbLayout } from './layout.ts';

/** Where the official image reads its configuration; the lab mounts `configDir` there. */
export const LB_CONFIG_DIR = '/usr/local/etc/haproxy';

/** haproxy.cfg for the topology's nodes (fixtures/vault-lb/*), deterministic so an unchanged lab keeps its LB. */
export async function renderHaproxyConfig(topology: VaultTopology, layout: VaultLbLayout, privateZone: string): Promise<string> {
  const servers = await Promise.all(topology.nodes.map((n) => renderFixture('vault-lb/server.cfg', { node: n.name, address: `${n.name}.${privateZone}`, port: 8200 })));
  return renderFixture('vault-lb/haproxy.cfg', {
    lbName: layout.name,
    statsPort: layout.statsPort,
    listenPort: layout.listenPort,
    backend: layout.backend,
    caFile: `${LB_CONFIG_DIR}/ca-chain.pem`,
    servers: servers.join('').trimEnd(),
  });
}
