import { connectPlatform, waitCertificatesReady } from '../lab/platform/index.ts';
import { forceRenewal, restartIssuance } from '../lab/platform/forced-renewal.ts';
import {
  certificateRequests, certificateRequestsPath, certificateStatus, certManagerLog, describeCertificateStatus, describeRequest, eventsOf, failedRequests, requestFact, type RequestFact,
} from '../lab/platform/issuance-facts.ts';
import { issueCertificateSet, revisions, waitRenewed } from '../lab/platform/scenario-certificates.ts';
import type { Scenario } from '../lab/runner/scenario.ts';
import { useVaultCluster } from '../lab/vault/connect.ts';
import { sealOutage } from '../lab/vault/seal-outage.ts';

const WAIT_MS = 180_000;

/**
 * Issue 10 item 2 (cert-manager #3941, #4620). Vault sealed (its transit seal node stopped and the
 * servers restarted) while Certificates need renewing. Records what cert-manager does (the
 * CertificateRequests, the Certificates' conditions, the retry time it sets), then brings Vault back and
 * times two ways back: no action, and the operator's forced renewal.
 */
export const renewalVaultSealed: Scenario = {
  name: 'renewal-vault-sealed',
  description: 'Vault sealed (transit seal node stopped, servers restarted) while Certificates renew: what cert-manager records and retries; after the unseal, time to renewed with no action and with a forced renewal.',
  needs: ['platform'],
  labMadeOnly: { vault: 'seals Vault (stops its seal node and restarts its servers)' },
  async run(run) {
    const { ctx } = run;
    const { targets, domains } = ctx.config;
    const platform = await connectPlatform(ctx);
    const { layout, kubeCluster } = platform;
    const vaultCluster = await useVaultCluster(ctx);
    const count = run.quick ? 4 : 10;
    const namespace = await run.step('a namespace for the scenario\'s Certificates', () => kubeCluster.useNamespace('incident-vault-sealed'));
    const names = await run.step(`${count} Certificates from ${layout.issuers.vault}`, () => issueCertificateSet(kubeCluster, 'sealed', count, namespace, layout.issuers.vault, domains.private, WAIT_MS));
    const issued = await revisions(kubeCluster, namespace, names);

    const outage = await run.step('seal Vault: the transit seal node stopped, every server restarted', () => sealOutage(ctx, vaultCluster));
    const sealedAt = Date.now();
    run.note('Vault without its seal', outage.evidence.join('\n'));
    await run.step(`renewal of the ${count} Certificates comes due (forced, as cmctl renew)`, () => forceRenewal(kubeCluster, namespace, names));
    const newRevision = (n: string) => issued.get(n)! + 1;
    // What cert-manager makes of it is the finding, not a condition of the run: watched for a while, then recorded as it is.
    const answered = (f: RequestFact) => f.revision === newRevision(f.certificate) && f.status === 'False' && ['Failed', 'Pending'].includes(f.reason) && !!f.message;
    const settled = await run.step('each renewal\'s CertificateRequest answered by cert-manager (watched up to 90 s)', () => kubeCluster.waitUntil({
      path: certificateRequestsPath(namespace), what: 'a Ready=False condition with a reason on each renewal\'s CertificateRequest', timeoutMs: 90_000,
      ready: (cr) => answered(requestFact(cr)),
      all: (crs) => names.every((n) => crs.map(requestFact).some((f) => f.certificate === n && answered(f))),
      explain: (cr) => describeRequest(requestFact(cr)),
    }).then(() => true, () => false));
    const during = (await certificateRequests(kubeCluster, namespace, names)).filter((f) => f.revision === newRevision(f.certificate));
    const sample = await certificateStatus(kubeCluster, namespace, names[0]!);
    const issuer = await kubeCluster.get(`/apis/cert-manager.io/v1/clusterissuers/${layout.issuers.vault}`);
    run.figure('failed CertificateRequests while sealed', failedRequests(during).length, 'count');
    run.figure('pending CertificateRequests while sealed', during.filter((f) => f.reason === 'Pending').length, 'count');
    run.note('what cert-manager does while Vault is sealed', [
      settled ? 'every renewal\'s CertificateRequest was answered within 90 s:' : 'not every renewal\'s CertificateRequest was answered within 90 s; as they stood then:',
      ...during.map((f) => `CertificateRequest ${describeRequest(f)}`),
      `Certificate ${names[0]}: ${describeCertificateStatus(sample)}`,
      ...(await eventsOf(kubeCluster, namespace, names[0]!, 'Certificate')).slice(-4).map((e) => `event: ${e}`),
      `ClusterIssuer ${layout.issuers.vault}: ${(issuer.status?.conditions ?? []).map((c: { type: string; status: string; reason?: string; message?: string }) => `${c.type}=${c.status} (${c.reason}): ${c.message}`).join('; ')}`,
      ...(await certManagerLog(kubeCluster, /Backing off|next be attempted|vault|Vault/, (Date.now() - sealedAt) / 1000 + 30, 6)).map((l) => `log: ${l}`),
    ].join('\n'));

    await run.step('Vault back: the seal node started and unsealed, the servers started', outage.end);
    const unsealedAt = Date.now();
    // Half wait with no action, half get the operator's remedy; both clocks start at the unseal.
    const half = Math.ceil(count / 2);
    const untouched = new Map(names.slice(0, half).map((n) => [n, issued.get(n)!]));
    const remedied = new Map(names.slice(half).map((n) => [n, issued.get(n)!]));
    const noActionWindowMs = run.quick ? 60_000 : 300_000;
    const deleted: string[] = [];
    const [noAction, remedy] = await Promise.all([
      run.step(`no action: watch ${untouched.size} Certificates for ${noActionWindowMs / 1000} s`, () => waitRenewed(kubeCluster, namespace, untouched, noActionWindowMs).then(() => Date.now() - unsealedAt, () => undefined)),
      run.step(`remedy: forced renewal of ${remedied.size} Certificates (their stuck CertificateRequests deleted, Issuing set)`, async () => {
        deleted.push(...await restartIssuance(kubeCluster, namespace, [...remedied.keys()]));
        await waitRenewed(kubeCluster, namespace, remedied, WAIT_MS);
        return Date.now() - unsealedAt;
      }),
    ]);
    run.figure('unseal to every Certificate renewed, forced renewal', remedy, 'ms', { labels: { objective: 'RTO' }, threshold: { op: '<=', value: targets.forcedRenewalAfterUnsealMs } });
    // Not renewed within the window: the figure is the window, marked as a lower bound.
    run.figure('unseal to every Certificate renewed, no action', noAction ?? noActionWindowMs, 'ms', { labels: { bound: noAction === undefined ? 'not renewed within the window (lower bound)' : 'measured' } });
    const after = await Promise.all([...untouched.keys()].map((n) => certificateStatus(kubeCluster, namespace, n)));
    run.note('no action after the unseal', noAction !== undefined
      ? `every Certificate left alone was renewed ${Math.round(noAction / 1000)} s after the unseal`
      : [`not renewed within ${noActionWindowMs / 1000} s of the unseal:`, ...after.map((c) => `${c.metadata?.name}: ${describeCertificateStatus(c)}`),
        ...(await certManagerLog(kubeCluster, /Backing off|next be attempted/, (Date.now() - sealedAt) / 1000 + 30, 3)).map((l) => `log: ${l}`)].join('\n'));
    const back = await revisions(kubeCluster, namespace, [...remedied.keys()]);
    run.check('the forced renewal brought every remedied Certificate to a new revision', [...remedied].every(([n, r]) => back.get(n)! > r), [...back].map(([n, r]) => `${n} #${r}`).join(', '));
    run.note('the remedy', `deleted the CertificateRequests left Pending (${deleted.join(', ') || 'none'}) and set Issuing=True (ManuallyTriggered) as cmctl renew does. cmctl renew alone would not do: Issuing is already True, and the request manager keeps a Pending request of the next revision (pkg/controller/certificates/requestmanager: "Nothing to do as we've already verified that the CertificateRequest is up to date").`);
    run.note('which one a runbook should use', noAction === undefined
      ? `Forced renewal: every Certificate back ${Math.round(remedy / 1000)} s after the unseal; with no action none was renewed within ${noActionWindowMs / 1000} s.`
      : `Forced renewal: ${Math.round(remedy / 1000)} s after the unseal; no action: ${Math.round(noAction / 1000)} s. The forced renewal is the one that does not depend on cert-manager's retry timers.`);

    // The lab left whole: the untouched ones renewed too, by the runbook's remedy.
    if (noAction === undefined) {
      await run.step(`remedy for the ${untouched.size} left alone too`, async () => {
        await restartIssuance(kubeCluster, namespace, [...untouched.keys()]);
        await waitRenewed(kubeCluster, namespace, untouched, WAIT_MS);
      });
    }
    run.note('operational lesson', [
      'A sealed Vault behind cert-manager pages no one by itself: the Vault ClusterIssuer stays Ready (cert-manager checks Vault only when it syncs the issuer), and served certificates keep working until they expire.',
      'How a renewal waits depends on where it fails. A failed login (what a client of a sealed cluster behind a load balancer gets) leaves the CertificateRequest Pending ("Failed to initialise vault client for signing"), with no failedIssuanceAttempts and no backoff, and nothing retries it. A failed sign marks it Failed, and the Certificate then waits out the trigger controller\'s backoff: 1 h after the first failure, doubling up to 32 h (pkg/controller/certificates/trigger, status.failedIssuanceAttempts, lastFailureTime).',
      'Runbook: after the unseal, delete the CertificateRequests left Pending and force the renewal of every Certificate of the Vault issuers (cmctl renew --all); alert on Certificates whose Issuing condition stays True, or with failedIssuanceAttempts > 0, rather than on the issuer\'s Ready condition.',
    ].join('\n'));
  },
};
