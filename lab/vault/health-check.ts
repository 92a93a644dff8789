import type { LabContext } from '../context.ts';
import { execCapture } from '../host/exec.ts';
import { activeEndpoint, type VaultCluster } from './cluster.ts';

export type HealthCheckStatus = 'ok' | 'informational' | 'warning' | 'critical' | 'not_applicable' | 'invalid_version' | 'insufficient_permissions';

/** One result of `pki health-check`: which check, how bad, the endpoint it looked at, what it says. */
export interface HealthCheckFinding {
  check: string;
  status: HealthCheckStatus;
  endpoint: string;
  message: string;
}

/**
 * Vault's own verdict on a PKI mount: the flavour's `pki health-check -format=json <mount>` run inside the
 * active node's container (docker exec) against https://127.0.0.1:8200 with the lab CA, as the lab's
 * admin token, which goes to that process's environment only and is never printed. Every finding, ok ones
 * included; the command's exit code only sums them up, so it is not an error.
 */
export async function pkiHealthCheck(ctx: LabContext, cluster: VaultCluster, mount: string): Promise<HealthCheckFinding[]> {
  const { flavor } = cluster.topology;
  const active = await activeEndpoint(cluster);
  const node = cluster.topology.nodes.find((n) => cluster.endpoints.get(n.name) === active);
  if (!node) throw new Error(`no node of lab ${ctx.config.name} serves ${active}`);
  const env = {
    [`${flavor.envPrefix}_ADDR`]: 'https://127.0.0.1:8200',
    [`${flavor.envPrefix}_CACERT`]: '/certlab/tls/ca-chain.pem',
    [`${flavor.envPrefix}_TOKEN`]: cluster.adminToken,
  };
  const res = await execCapture(node.container, [flavor.binary, 'pki', 'health-check', '-format=json', mount], { env });
  let parsed: Record<string, Array<{ status: HealthCheckStatus; endpoint?: string; message?: string }>>;
  try {
    parsed = JSON.parse(res.stdout);
  } catch {
    const said = `${res.stderr}\n${res.stdout}`.replaceAll(cluster.adminToken, '<token>').trim().split('\n').slice(0, 5).join(' | ');
    throw new Error(`${flavor.binary} pki health-check ${mount} in ${node.container} exited ${res.exitCode} without a JSON answer: ${said}`);
  }
  return Object.entries(parsed).flatMap(([check, results]) => (results ?? []).map((r) => ({ check, status: r.status, endpoint: r.endpoint ?? '', message: r.message ?? '' })));
}

/** Findings as lines, for a report or a failure message. */
export function formatFindings(findings: HealthCheckFinding[]): string {
  return findings.map((f) => `${f.status.padEnd(13)} ${f.check} ${f.endpoint}: ${f.message}`).join('\n');
}
