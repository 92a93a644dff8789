import type { LabContext } from '../context.ts';
import type { StatusRow } from '../component.ts';
import { health } from './api.ts';
import { connectVaultCluster } from './cluster.ts';
import { vaultLbStatus } from './lb/index.ts';
import { autopilotState } from './raft.ts';
import { vaultTopology } from './topology.ts';

/** One row per server: health from sys/health, Raft role and voter status from autopilot. */
export async function vaultStatus(ctx: LabContext): Promise<StatusRow[]> {
  const topology = vaultTopology(ctx.config);
  const cluster = await connectVaultCluster(ctx);
  if (!cluster) return [...topology.nodes, topology.seal].map((s) => ({ component: s.name, address: '-', health: 'down', role: '-', detail: 'not running' }));
  const active = [...cluster.endpoints.values()];
  const states = new Map(await Promise.all(active.map(async (e) => [e, await health(cluster.http, e, 1_500)] as const)));
  const leaderEndpoint = [...states].find(([, h]) => h.state === 'active')?.[0];
  const raft = leaderEndpoint ? await autopilotState(cluster.admin(leaderEndpoint)).catch(() => undefined) : undefined;
  const rows: StatusRow[] = topology.nodes.map((node) => {
    const endpoint = cluster.endpoints.get(node.name);
    const h = endpoint ? states.get(endpoint) : undefined;
    const server = raft?.servers.find((s) => s.name === node.name || s.id === node.name);
    const ok = h?.state === 'active' || h?.state === 'standby';
    return {
      component: node.name,
      address: endpoint?.replace('https://', '') ?? '-',
      health: ok ? (server && !server.healthy ? 'degraded' : 'ok') : 'down',
      role: h?.state === 'active' ? 'leader' : server ? server.status : h?.state ?? 'stopped',
      detail: h ? (h.state === 'unreachable' ? h.detail : `${h.state}${server ? `, raft ${server.healthy ? 'healthy' : 'unhealthy'}` : ''}`) : 'container not running',
    };
  });
  const seal = await health(cluster.http, cluster.sealEndpoint, 1_500);
  rows.push({ component: topology.seal.name, address: cluster.sealEndpoint.replace('https://', ''), health: seal.state === 'active' ? 'ok' : 'down', role: 'transit seal', detail: seal.state });
  if (raft) rows.push({ component: 'vault raft', address: '-', health: raft.healthy ? 'ok' : 'degraded', role: `${raft.voters.length} voters`, detail: `failure tolerance ${raft.failureTolerance}, leader ${raft.leader}` });
  rows.push(await vaultLbStatus(ctx));
  return rows;
}
