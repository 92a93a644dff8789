import { stopContainer, startContainer } from '../lab/faults/container-faults.ts';
import type { Scenario } from '../lab/runner/scenario.ts';
import { activeEndpoint } from '../lab/vault/cluster.ts';
import { faultWindow } from '../lab/vault/load.ts';
import { autopilotState } from '../lab/vault/raft.ts';
import { backToFullStrength, cluster, serverOf, startIssuanceLoad, successesAfter } from './support.ts';

/**
 * A 5-node cluster tolerates two failures: with one, then two standbys down, issuance goes on. The
 * failed requests are counted (those sent to a node in the moment before the pool noticed it was gone).
 */
export const vaultMinorityFailure: Scenario = {
  name: 'vault-minority-failure',
  description: 'One, then two standby nodes down (failure tolerance 2): issuance goes on; failed requests counted; nodes come back.',
  needs: ['vault'],
  async run(run) {
    const c = await cluster(run);
    const leader = serverOf(c, await activeEndpoint(c));
    const victims = c.topology.nodes.filter((n) => n.name !== leader.name).slice(0, 2);
    const { load, stop } = await run.step('steady issuance load', () => startIssuanceLoad(run, c));
    const faultAt = Date.now();
    for (const [i, victim] of victims.entries()) {
      await run.step(`${victim.name} down (${i + 1} of 5)`, () => stopContainer(victim.container));
      const since = Date.now();
      await run.step(`issuance goes on with ${i + 1} down`, () => successesAfter(load, since, 10, 30_000));
      const tolerance = (await autopilotState(c.admin(await activeEndpoint(c)))).failureTolerance;
      run.figure('failure tolerance left', tolerance, 'nodes', { labels: { down: String(i + 1) } });
    }
    await stop();
    const window = faultWindow(load.attempts, faultAt);
    const okDuring = load.attempts.filter((a) => a.ok && a.startedAt >= faultAt).length;
    run.figure('failed requests', window.failed, 'count', { labels: { down: '1-2' } });
    run.figure('successful issuances while degraded', okDuring, 'count');
    run.check('issuance never stopped with two nodes down', okDuring >= 20, `${okDuring} successes, ${window.failed} failures`);
    for (const victim of victims) await run.step(`${victim.name} back`, () => startContainer(victim.container));
    await backToFullStrength(run, c);
    c.http.close();
  },
};
