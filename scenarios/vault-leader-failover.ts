import { FAULT_KINDS, injectFault, type FaultKind } from '../lab/faults/container-faults.ts';
import { pollUntil } from '../lab/host/wait.ts';
import type { Scenario, ScenarioRun } from '../lab/runner/scenario.ts';
import { activeEndpoint, type VaultCluster } from '../lab/vault/cluster.ts';
import { faultWindow } from '../lab/vault/load.ts';
import { backToFullStrength, cluster, serverOf, startIssuanceLoad, successesAfter } from './support.ts';

/** The benchmark target: a killed leader costs at most 5 s of issuance. */
const SIGKILL_RECOVERY_MS = 5_000;
/** Any fault: issuance must come back, not hang. */
const ANY_FAULT_RECOVERY_MS = 30_000;

async function failLeader(run: ScenarioRun, c: VaultCluster, kind: FaultKind): Promise<void> {
  const { load, pool, stop } = await run.step(`${kind}: steady issuance load`, () => startIssuanceLoad(run, c));
  const leader = serverOf(c, await activeEndpoint(c));
  const faultAt = Date.now();
  const undo = await run.step(`${kind}: fault on leader ${leader.name}`, () => injectFault(leader.container, kind, run.ctx.config.network.name, [leader.name, `${leader.name}.${run.ctx.config.domains.private}`]));
  const newLeaderAt = await run.step(`${kind}: new leader elected`, () => pollUntil(async () => {
    const active = pool.active();
    return active && active !== c.endpoints.get(leader.name) ? Date.now() : undefined;
  }, { timeoutMs: 120_000, what: 'a new active node', intervalMs: 20 }));
  await run.step(`${kind}: issuance flowing again`, () => successesAfter(load, faultAt, 10, 120_000));
  await stop();
  const window = faultWindow(load.attempts, faultAt);
  const labels = { fault: kind };
  run.figure('time to new leader', newLeaderAt - faultAt, 'ms', { labels });
  run.figure('failed requests', window.failed, 'count', { labels });
  run.figure('failure window', window.failureWindowMs, 'ms', { labels });
  run.figure('first successful issuance after fault', window.firstSuccessAfterMs ?? Number.NaN, 'ms', {
    labels, threshold: { op: '<=', value: kind === 'sigkill' ? SIGKILL_RECOVERY_MS : ANY_FAULT_RECOVERY_MS },
  });
  await run.step(`${kind}: ${leader.name} back`, undo);
  await backToFullStrength(run, c);
  const newLeader = serverOf(c, await activeEndpoint(c));
  run.check(`${kind}: leadership moved off ${leader.name}`, newLeader.name !== leader.name, `leader now ${newLeader.name}`);
}

export const vaultLeaderFailover: Scenario = {
  name: 'vault-leader-failover',
  description: 'Steady issuance while the active node is killed, stopped, frozen and cut off the network; measures the time to a new leader and the issuance gap.',
  needs: ['vault'],
  async run(run) {
    const c = await cluster(run);
    const kinds: readonly FaultKind[] = run.quick ? ['sigkill', 'freeze'] : FAULT_KINDS;
    for (const kind of kinds) await failLeader(run, c, kind);
    c.http.close();
  },
};
