import { stopNode } from '../lab/faults/container-faults.ts';
import { normalizeSerial } from '../lab/pki/crl.ts';
import { createCsr } from '../lab/pki/csr.ts';
import type { Scenario } from '../lab/runner/scenario.ts';
import { loginAs } from '../lab/vault/approle.ts';
import { activeEndpoint, waitForVoters } from '../lab/vault/cluster.ts';
import { activeServer, useVaultCluster } from '../lab/vault/connect.ts';
import { issueLeaves, listedSerials } from '../lab/vault/issue.ts';
import { CERT_MANAGER_APPROLE } from '../lab/vault/pki-layout.ts';
import { anyActive, believedLeader, electionFailureLogged, majorityOf, writeWithoutQuorum } from '../lab/vault/quorum.ts';

/**
 * A majority of the voters down (the leader among them): no leader can be elected and nothing can be
 * written. The lab shows what a client really gets then (measured on OpenBao 2.4: an immediate redirect
 * to the lost leader, not an error), what the survivors log, and times the recovery from the moment
 * quorum returns; every certificate issued before the fault must still be there.
 */
export const vaultQuorumLoss: Scenario = {
  name: 'vault-quorum-loss',
  description: 'A majority of nodes down: writes are answered at once but not done (a redirect to the lost leader), survivors log failed elections; nodes return one at a time; issued certificates survive.',
  needs: ['vault'],
  labMadeOnly: { vault: 'stops a majority of the Vault nodes' },
  async run(run) {
    const vaultCluster = await useVaultCluster(run.ctx);
    const { domains, targets } = run.ctx.config;
    const voters = vaultCluster.topology.nodes.length;
    const majority = majorityOf(voters);
    const { client, token } = await loginAs(run.ctx.paths, await activeEndpoint(vaultCluster), vaultCluster.ca, CERT_MANAGER_APPROLE);
    const issued = await run.step('issue certificates before the fault', () => issueLeaves(client, 'before-quorum-loss', domains.private, 5));
    const leader = await run.step('find the leader', () => activeServer(vaultCluster));
    const down = [leader, ...vaultCluster.topology.nodes.filter((n) => n.name !== leader.name).slice(0, voters - majority)];
    const survivors = vaultCluster.topology.nodes.filter((n) => !down.includes(n));
    const backs = await run.step(`${down.length} of ${voters} nodes down (the leader and ${down.length - 1} standbys)`, () => Promise.all(down.map((n) => stopNode(run.ctx, n.container))));

    const name = `during-quorum-loss.${domains.private}`;
    const { csrPem } = await createCsr([name]);
    const answer = await run.step('a write to a survivor', () => writeWithoutQuorum(vaultCluster, survivors[0]!, down, token, csrPem, name, targets.quorumWriteFailsMs + 5_000));
    run.figure('write answered after', answer.ms, 'ms', { threshold: { op: '<=', value: targets.quorumWriteFailsMs } });
    run.check('the write is not done: the survivor redirects to the lost leader', answer.kind === 'redirect to a lost leader', answer.text);
    const active = await anyActive(vaultCluster, survivors);
    run.check('no survivor is active', !active.any, active.states);
    const election = await run.step('a survivor logs that it cannot win an election', () => electionFailureLogged(run.ctx, survivors[0]!, 60_000));
    run.check(`Raft needs ${majority} votes and cannot get them`, election.votesNeeded === majority, election.line);
    run.note('what quorum loss looks like', [
      `${down.map((n) => n.name).join(', ')} down; survivors: ${active.states}.`,
      `A sign request to ${survivors[0]!.name}: ${answer.text} (after ${answer.ms} ms).`,
      `sys/leader on ${survivors[0]!.name} still names ${await believedLeader(vaultCluster, survivors[0]!)}.`,
      `Its log: ${election.line}`,
    ].join('\n'));

    let up = survivors.length;
    for (const [i, node] of down.entries()) {
      await run.step(`${node.name} back (${++up} of ${voters} up)`, backs[i]!);
      if (up === majority) {
        // Recovery is timed from the moment a majority can vote again, not from the fault.
        const quorumAt = Date.now();
        await run.step('a leader elected with quorum back', () => activeEndpoint(vaultCluster, 120_000));
        run.figure('time to a leader after quorum returned', Date.now() - quorumAt, 'ms');
      }
    }
    await run.step(`${voters} healthy voters again`, () => waitForVoters(run.ctx, vaultCluster, voters, 120_000));
    const listed = await run.step('list the certificates issued before the fault', async () => listedSerials(vaultCluster.admin(await activeEndpoint(vaultCluster))));
    const missing = issued.map((l) => l.serial).filter((s) => !listed.has(normalizeSerial(s)));
    run.check('every certificate issued before the fault is still listed', missing.length === 0, missing.length ? `missing: ${missing.join(', ')}` : `${issued.length} serials found`);
  },
};
