import { renderFixture } from '../fixtures.ts';
import { AUDIT_DEVICE } from './audit.ts';
import { TRANSIT_KEY } from './pki-layout.ts';
import type { VaultServer, VaultTopology } from './topology.ts';

export async function renderNodeConfig(topology: VaultTopology, node: VaultServer, performanceMultiplier: number, transitToken: string, transitKey = TRANSIT_KEY): Promise<string> {
  const peers = topology.nodes.filter((n) => n.name !== node.name);
  const retryJoin = (await Promise.all(peers.map((p) => renderFixture('vault/retry-join.hcl', { peer: p.name, leaderTlsServername: topology.leaderTlsServername })))).join('');
  const audit = topology.flavor.auditDevice === 'config' ? await renderFixture('vault/audit.hcl', { ...AUDIT_DEVICE }) : '';
  return renderFixture('vault/node.hcl', {
    clusterName: topology.clusterName,
    nodeName: node.name,
    dataDir: topology.flavor.dataDir,
    performanceMultiplier,
    retryJoin: retryJoin.trimEnd(),
    sealHost: topology.seal.name,
    sealToken: transitToken,
    transitKey,
    audit: audit.trimEnd(),
  });
}

export function renderSealConfig(topology: VaultTopology): Promise<string> {
  return renderFixture('vault/seal.hcl', { nodeName: topology.seal.name, dataDir: topology.flavor.dataDir });
}
