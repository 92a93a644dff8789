import { FAULT_KINDS, injectFault, type FaultKind } from '../lab/faults/container-faults.ts';
import type { Scenario, ScenarioRun } from '../lab/runner/scenario.ts';
import { waitForVoters, type VaultCluster } from '../lab/vault/cluster.ts';
import { activeServer, lbEndpoint, nodeNamer, useVaultCluster, type VaultLbEndpoint } from '../lab/vault/connect.ts';
import { failureBreakdown, faultWindow, offset, startLbIssuance, startSteadyIssuance } from '../lab/vault/load.ts';

/** The bound a fault is held to: the tight SIGKILL target in full runs, a loaded-machine bound in quick ones. */
function recoveryTarget(run: ScenarioRun, kind: FaultKind): number {
  const t = run.ctx.config.targets;
  if (kind !== 'sigkill') return t.leaderFaultRecoveryMs;
  return run.quick ? t.leaderKillRecoveryQuickMs : t.leaderKillRecoveryMs;
}

async function failLeader(run: ScenarioRun, vaultCluster: VaultCluster, lb: VaultLbEndpoint, kind: FaultKind): Promise<void> {
  const voters = vaultCluster.topology.nodes.length;
  const issuance = await run.step(`${kind}: steady issuance load`, () => startSteadyIssuance(run.ctx, vaultCluster));
  const viaLb = await run.step(`${kind}: steady issuance load through the load balancer`, () => startLbIssuance(run.ctx, vaultCluster, lb));
  const leader = await run.step(`${kind}: find the leader`, () => activeServer(vaultCluster));
  const injectedAt = Date.now();
  const undo = await run.step(`${kind}: fault on leader ${leader.name}`, () => injectFault(run.ctx, leader.container, kind));
  // Recovery is timed from the fault having landed; what failed is counted from its injection.
  const faultAt = Date.now();
  const fault = { injectedAt, landedAt: faultAt };
  const newLeaderAt = await run.step(`${kind}: new leader elected`, () => issuance.pool.activeOtherThan(vaultCluster.endpoints.get(leader.name), 120_000, run.ctx.signal));
  await run.step(`${kind}: issuance flowing again`, () => issuance.load.successesAfter(faultAt, 10, 120_000, run.ctx.signal));
  await run.step(`${kind}: issuance flowing again through the load balancer`, () => viaLb.load.successesAfter(faultAt, 10, 120_000, run.ctx.signal));
  await run.step(`${kind}: load stopped`, async () => { await viaLb.stop(); await issuance.stop(); });

  const window = faultWindow(issuance.load.attempts, fault);
  const labels = { fault: kind, via: 'pool' };
  run.figure('time to new leader', newLeaderAt - faultAt, 'ms', { labels: { fault: kind } });
  run.figure('no active node behind the pool', issuance.pool.noActiveMs(injectedAt, newLeaderAt), 'ms', { labels: { fault: kind } });
  run.figure('failed requests', window.failed, 'count', { labels });
  run.figure('failure window', window.failureWindowMs, 'ms', { labels });
  run.figure('first successful issuance after fault', window.firstSuccessAfterMs ?? Number.NaN, 'ms', { labels, threshold: { op: '<=', value: recoveryTarget(run, kind) } });
  // The same figures as a client of the one Vault address sees them; the pool's are the ones held to targets.
  const lbWindow = faultWindow(viaLb.load.attempts, fault);
  const lbLabels = { fault: kind, via: 'load balancer' };
  run.figure('failed requests', lbWindow.failed, 'count', { labels: lbLabels });
  run.figure('failure window', lbWindow.failureWindowMs, 'ms', { labels: lbLabels });
  run.figure('first successful issuance after fault', lbWindow.firstSuccessAfterMs ?? Number.NaN, 'ms', { labels: lbLabels });
  const nodeOf = nodeNamer(vaultCluster);
  run.note(`${kind}: what the clients and the pool saw`, [
    `times are relative to the fault having landed (${faultAt - injectedAt} ms after injection began)`,
    ...failureBreakdown(issuance.load.attempts, fault, nodeOf),
    ...issuance.pool.transitions.filter((t) => t.at >= injectedAt).map((t) => `pool: ${offset(t.at - faultAt)} ${nodeOf(t.endpoint)} ${t.from} → ${t.to}`),
    ...failureBreakdown(viaLb.load.attempts, fault, () => `load balancer ${lb.servername}`),
  ].join('\n') || 'no failed request');

  await run.step(`${kind}: ${leader.name} back`, undo);
  await run.step(`${voters} healthy voters again`, () => waitForVoters(run.ctx, vaultCluster, voters, 120_000));
  const newLeader = await activeServer(vaultCluster);
  run.check(`${kind}: leadership moved off ${leader.name}`, newLeader.name !== leader.name, `leader now ${newLeader.name}`);
}

/**
 * Steady issuance through a load balancer that sends to the active node (HashiCorp's reference setup)
 * while the leader is killed, stopped, frozen and cut off the network: time to a new leader, what the
 * clients lost, time to the first issuance after the fault.
 */
export const vaultLeaderFailover: Scenario = {
  name: 'vault-leader-failover',
  description: 'Steady issuance while the active node is killed, stopped, frozen and cut off the network; measures the time to a new leader and the issuance gap.',
  needs: ['vault'],
  labMadeOnly: { vault: 'kills, stops, freezes and cuts off the active Vault node' },
  async run(run) {
    const vaultCluster = await useVaultCluster(run.ctx);
    const lb = await lbEndpoint(run.ctx);
    const kinds: readonly FaultKind[] = run.quick ? ['sigkill', 'freeze'] : FAULT_KINDS;
    for (const kind of kinds) await failLeader(run, vaultCluster, lb, kind);
  },
};
