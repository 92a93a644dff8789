import { injectFault, type FaultKind } from '../lab/faults/container-faults.ts';
import type { KubeCluster } from '../lab/kube/index.ts';
import { connectPlatform, waitCertificatesReady } from '../lab/platform/index.ts';
import { forceRenewal, restartIssuance } from '../lab/platform/forced-renewal.ts';
import { certificateRequests, describeRequest, type RequestFact } from '../lab/platform/issuance-facts.ts';
import { issueCertificateSet, revisions, waitRenewed } from '../lab/platform/scenario-certificates.ts';
import type { Scenario, ScenarioRun } from '../lab/runner/scenario.ts';
import { waitForVoters } from '../lab/vault/cluster.ts';
import { activeServer, useVaultCluster } from '../lab/vault/connect.ts';

const WAIT_MS = 300_000;

interface Burst {
  /** Forced renewal of every Certificate to every one renewed. */
  ms: number;
  /** Each Certificate's renewal, from the burst's start to its request's Ready (1 s resolution, the API's). */
  perCertificateMs: number[];
  /** This burst's requests that did not end issued (failed, or left pending and replaced by the remedy). */
  notIssued: RequestFact[];
  /** Certificates that needed the remedy (their stuck requests deleted, Issuing set again). */
  remedied: string[];
}

/** Renewal of every Certificate forced at once, `during` run right after; stuck renewals get the runbook's remedy after `stuckAfterMs`. */
async function renewalBurst(run: ScenarioRun, kubeCluster: KubeCluster, namespace: string, names: string[], label: string, stuckAfterMs: number, during?: () => Promise<void>): Promise<Burst> {
  const before = await revisions(kubeCluster, namespace, names);
  const t0 = Date.now();
  await run.step(`${label}: renewal of ${names.length} Certificates forced`, () => forceRenewal(kubeCluster, namespace, names));
  if (during) await during();
  let remedied: string[] = [];
  await run.step(`${label}: every Certificate renewed`, () => waitRenewed(kubeCluster, namespace, before, stuckAfterMs).catch(async () => {
    const now = await revisions(kubeCluster, namespace, names);
    remedied = names.filter((n) => now.get(n)! <= before.get(n)!);
    await restartIssuance(kubeCluster, namespace, remedied);
    return waitRenewed(kubeCluster, namespace, before, WAIT_MS);
  }));
  const ms = Date.now() - t0;
  const requests = (await certificateRequests(kubeCluster, namespace, names)).filter((f) => f.revision === before.get(f.certificate)! + 1);
  const issued = requests.filter((f) => f.status === 'True');
  return {
    ms, remedied,
    perCertificateMs: issued.map((f) => Math.max(0, (f.readyAt ?? t0) - Math.floor(t0 / 1000) * 1000)),
    notIssued: requests.filter((f) => f.status !== 'True'),
  };
}

/**
 * Issue 10 item 1. A burst of renewals (quick 5, full 50 Certificates from vault-private) while the Vault
 * leader is killed, then frozen; the same burst without a fault first, for the comparison. Every
 * Certificate ends renewed; the figures say what the fault cost: the extra time over the fault-free
 * burst, the renewals delayed beyond the slowest fault-free one, the requests that did not end issued.
 */
export const renewalDuringVaultFailover: Scenario = {
  name: 'renewal-during-vault-failover',
  description: 'A burst of Vault renewals through cert-manager while the Vault leader is killed, then frozen: every Certificate renewed; extra time over the fault-free burst, renewals delayed, failed requests.',
  needs: ['platform'],
  labMadeOnly: { vault: 'kills and freezes the Vault leader' },
  async run(run) {
    const { ctx } = run;
    const { targets, domains } = ctx.config;
    const platform = await connectPlatform(ctx);
    const { layout, kubeCluster } = platform;
    const vaultCluster = await useVaultCluster(ctx);
    const count = run.quick ? 5 : 50;
    const stuckAfterMs = run.quick ? 60_000 : 120_000;
    const namespace = await run.step('a namespace for the scenario\'s Certificates', () => kubeCluster.useNamespace('incident-failover-burst'));
    const names = await run.step(`${count} Certificates from ${layout.issuers.vault}`, () => issueCertificateSet(kubeCluster, 'burst', count, namespace, layout.issuers.vault, domains.private, WAIT_MS));

    const baseline = await renewalBurst(run, kubeCluster, namespace, names, 'no fault', stuckAfterMs);
    const slowest = Math.max(...baseline.perCertificateMs);
    run.figure('burst without a fault', baseline.ms, 'ms');
    const kinds: FaultKind[] = ['sigkill', 'freeze'];
    for (const kind of kinds) {
      const leader = await activeServer(vaultCluster);
      let undo: (() => Promise<void>) | undefined;
      const burst = await renewalBurst(run, kubeCluster, namespace, names, `${kind} of leader ${leader.name}`, stuckAfterMs, async () => {
        undo = await run.step(`${kind}: fault on leader ${leader.name}`, () => injectFault(ctx, leader.container, kind));
      });
      await run.step(`${kind}: ${leader.name} back`, () => undo!());
      await run.step(`${kind}: every Vault voter healthy again`, () => waitForVoters(ctx, vaultCluster, vaultCluster.topology.nodes.length, 120_000));
      const labels = { fault: kind };
      run.figure('burst through the fault', burst.ms, 'ms', { labels });
      run.figure('extra time over the fault-free burst', burst.ms - baseline.ms, 'ms', { labels, threshold: { op: '<=', value: targets.renewalBurstExtraMs } });
      run.figure('renewals delayed beyond the slowest fault-free one', burst.perCertificateMs.filter((ms) => ms > slowest + 1_000).length, 'count', { labels });
      run.figure('CertificateRequests not issued (failed or stuck)', burst.notIssued.length, 'count', { labels });
      run.figure('Certificates that needed the remedy', burst.remedied.length, 'count', { labels });
      run.note(`${kind} of the leader: requests that did not end issued`, [
        ...burst.notIssued.map(describeRequest),
        burst.remedied.length ? `stuck after ${stuckAfterMs / 1000} s, remedied (stuck requests deleted, Issuing set): ${burst.remedied.join(', ')}` : 'no Certificate needed the remedy',
      ].join('\n') || 'every request issued');
    }
    const final = await revisions(kubeCluster, namespace, names);
    run.check('every Certificate ends renewed (three bursts: revision 4)', names.every((n) => final.get(n)! >= 4), [...final].map(([n, r]) => `${n} #${r}`).join(', '));
    run.note('operational lesson', [
      'A leader failover costs cert-manager only the requests in flight at that moment: the load balancer sends the next login and sign to the new leader, so a renewal burst completes within seconds of the fault-free one.',
      'What can turn seconds into hours is the fate of a request that hit the fault: a failed login leaves it Pending and nothing retries it; a failed sign marks it Failed and puts the Certificate in the 1 h backoff. The figures say whether that happened here; the runbook check after any Vault incident: Certificates whose Issuing condition is still True, or with failedIssuanceAttempts > 0.',
    ].join('\n'));
  },
};
