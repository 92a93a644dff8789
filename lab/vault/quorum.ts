import { logTail } from '../host/lab-container.ts';
import { pollUntil } from '../host/wait.ts';
import type { LabContext } from '../context.ts';
import { health } from './api.ts';
import { activeEndpoint, type VaultCluster } from './cluster.ts';
import { autopilotState, type AutopilotState } from './raft.ts';
import { ISSUER_MOUNT, PKI_ROLE } from './pki-layout.ts';
import type { VaultServer } from './topology.ts';

/** The smallest number of voters that can elect a leader. */
export function majorityOf(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/**
 * What a surviving node answered to a write once quorum was lost. Measured on OpenBao 2.4: there is no
 * "quorum lost" error; the survivor stays a standby, keeps naming the lost leader in sys/leader, fails to
 * forward to it, and answers every request at once with a 307 redirect to that leader's address.
 */
export interface QuorumLossAnswer {
  kind: 'redirect to a lost leader' | 'succeeded' | 'other';
  status: number;
  ms: number;
  /** Status, Location or error text, as quoted in the report. */
  text: string;
}

/** A sign request sent to `survivor` directly (redirects are not followed: the answer is the evidence). */
export async function writeWithoutQuorum(vaultCluster: VaultCluster, survivor: VaultServer, lost: VaultServer[], token: string, csrPem: string, commonName: string, timeoutMs: number): Promise<QuorumLossAnswer> {
  const t0 = Date.now();
  const endpoint = vaultCluster.endpoints.get(survivor.name)!;
  try {
    const res = await vaultCluster.http.send(`${endpoint}/v1/${ISSUER_MOUNT}/sign/${PKI_ROLE}`, {
      method: 'POST', headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ csr: csrPem, common_name: commonName }), timeoutMs,
    });
    const ms = Date.now() - t0;
    const location = String(res.headers.location ?? '');
    const toLost = lost.some((n) => new URL(location || 'https://none').hostname === n.name);
    if (res.status === 307 && toLost) return { kind: 'redirect to a lost leader', status: res.status, ms, text: `307 Temporary Redirect, Location: ${location}` };
    if (res.status === 200) return { kind: 'succeeded', status: 200, ms, text: '200: signed' };
    return { kind: 'other', status: res.status, ms, text: `${res.status}${location ? ` → ${location}` : ''}: ${res.body.toString('utf8').replace(/\s+/g, ' ').slice(0, 200)}` };
  } catch (err) {
    return { kind: 'other', status: 0, ms: Date.now() - t0, text: err instanceof Error ? err.message : String(err) };
  }
}

/** The leader a node believes in (sys/leader), unauthenticated as clients ask it. */
export async function believedLeader(vaultCluster: VaultCluster, node: VaultServer): Promise<string> {
  const res = await vaultCluster.http.send(`${vaultCluster.endpoints.get(node.name)}/v1/sys/leader`);
  return (res.json() as { leader_address?: string }).leader_address ?? '';
}

/**
 * Waits for the survivor's own log to say that Raft cannot elect a leader: hashicorp/raft's
 * "pre-vote campaign failed ... votesNeeded=N" (or "election ... votesNeeded"). Returns the line and N.
 */
export async function electionFailureLogged(ctx: LabContext, node: VaultServer, timeoutMs: number): Promise<{ line: string; votesNeeded: number }> {
  return pollUntil(async () => {
    const line = (await logTail(node.container, 200)).split('\n').reverse().find((l) => /campaign failed.*votesNeeded=\d+/.test(l));
    return line ? { line: line.trim(), votesNeeded: Number(/votesNeeded=(\d+)/.exec(line)![1]) } : undefined;
  }, { timeoutMs, intervalMs: 250, what: `${node.name} to log a failed Raft election`, ...(ctx.signal ? { signal: ctx.signal } : {}) });
}

/** Whether any of the nodes answers as active. */
export async function anyActive(vaultCluster: VaultCluster, nodes: VaultServer[]): Promise<{ any: boolean; states: string }> {
  const states = await Promise.all(nodes.map(async (n) => [n.name, (await health(vaultCluster.http, vaultCluster.endpoints.get(n.name)!)).state] as const));
  return { any: states.some(([, s]) => s === 'active'), states: states.map(([n, s]) => `${n} ${s}`).join(', ') };
}

/**
 * Waits until autopilot's failure tolerance is `expected` (it lags a fault by its last-contact threshold),
 * read from the active node; returns the state it saw, so the figure is the value autopilot reported.
 */
export async function waitForFailureTolerance(ctx: LabContext, vaultCluster: VaultCluster, expected: number, timeoutMs: number): Promise<AutopilotState> {
  return pollUntil(async () => {
    const state = await autopilotState(vaultCluster.admin(await activeEndpoint(vaultCluster, 5_000)));
    if (state.failureTolerance === expected) return state;
    throw new Error(`failure tolerance ${state.failureTolerance}; ${state.servers.map((s) => `${s.name} ${s.healthy ? 'healthy' : 'unhealthy'}`).join(', ')}`);
  }, { timeoutMs, intervalMs: 250, what: `autopilot to report a failure tolerance of ${expected}`, ...(ctx.signal ? { signal: ctx.signal } : {}) });
}
