import type { VaultClient } from './api.ts';

export interface AutopilotServer { id: string; name: string; status: string; healthy: boolean; address: string }
export interface AutopilotState { healthy: boolean; failureTolerance: number; leader: string; voters: string[]; servers: AutopilotServer[] }

/** Raft autopilot's view of the cluster: who votes, who leads, how many failures it survives. */
export async function autopilotState(client: VaultClient): Promise<AutopilotState> {
  const res = await client.read('sys/storage/raft/autopilot/state');
  const data = res.data as { healthy: boolean; failure_tolerance: number; leader: string; voters: string[]; servers: Record<string, { id: string; name: string; status: string; healthy: boolean; address: string }> };
  return {
    healthy: data.healthy,
    failureTolerance: data.failure_tolerance,
    leader: data.leader,
    voters: data.voters ?? [],
    servers: Object.values(data.servers ?? {}).map((s) => ({ id: s.id, name: s.name, status: s.status, healthy: s.healthy, address: s.address })),
  };
}

/**
 * Autopilot as the article's cluster runs it: dead servers cleaned up, never below `minQuorum` voters.
 * A short stabilisation time lets new nodes vote within seconds in the lab; the dead-server threshold is
 * long enough that no scenario's fault (seconds) gets a node removed.
 */
export async function configureAutopilot(client: VaultClient, minQuorum: number): Promise<void> {
  await client.write('sys/storage/raft/autopilot/configuration', {
    cleanup_dead_servers: true,
    min_quorum: minQuorum,
    dead_server_last_contact_threshold: '5m',
    server_stabilization_time: '2s',
    last_contact_threshold: '5s',
  });
}
