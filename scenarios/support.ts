import { pollUntil } from '../lab/host/wait.ts';
import type { ScenarioRun } from '../lab/runner/scenario.ts';
import { loginAs } from '../lab/vault/approle.ts';
import { activeEndpoint, connectVaultCluster, waitForVoters, type VaultCluster } from '../lab/vault/cluster.ts';
import { IssuanceLoad } from '../lab/vault/load.ts';
import { CERT_MANAGER_APPROLE } from '../lab/vault/pki-layout.ts';
import { HealthCheckedPool } from '../lab/vault/pool.ts';

/** The running cluster the scenario works on; the runner has brought it up. */
export async function cluster(run: ScenarioRun): Promise<VaultCluster> {
  const c = await connectVaultCluster(run.ctx);
  if (!c) throw new Error('the Vault cluster is not running');
  return c;
}

/** Steady issuance through the cert-manager AppRole behind a health-checking pool, started and warmed up. */
export async function startIssuanceLoad(run: ScenarioRun, c: VaultCluster, concurrency = 4): Promise<{ load: IssuanceLoad; pool: HealthCheckedPool; stop: () => Promise<void> }> {
  const pool = new HealthCheckedPool(c);
  await pool.start();
  const { token } = await loginAs(run.ctx.paths, await activeEndpoint(c), c.ca, CERT_MANAGER_APPROLE);
  const load = new IssuanceLoad({ endpoints: () => pool.healthy(), ca: c.ca, token, concurrency, pauseMs: 50 });
  await load.start();
  await successesAfter(load, Date.now(), 5, 30_000);
  return { load, pool, stop: async () => { await load.stop(); pool.stop(); } };
}

/** Waits for `count` successful issuances that started after `since` (a real signal that issuance flows). */
export function successesAfter(load: IssuanceLoad, since: number, count: number, timeoutMs: number): Promise<number> {
  return pollUntil(async () => {
    const ok = load.attempts.filter((a) => a.ok && a.startedAt >= since);
    return ok.length >= count ? ok[count - 1]!.endedAt : undefined;
  }, { timeoutMs, what: `${count} successful issuances`, intervalMs: 20 });
}

export async function backToFullStrength(run: ScenarioRun, c: VaultCluster): Promise<void> {
  await run.step('five healthy voters again', () => waitForVoters(run.ctx, c, c.topology.nodes.length, 120_000));
}

export function serverOf(c: VaultCluster, endpoint: string) {
  const name = [...c.endpoints].find(([, e]) => e === endpoint)?.[0];
  const server = c.topology.nodes.find((n) => n.name === name);
  if (!server) throw new Error(`no node serves ${endpoint}`);
  return server;
}
