import type { KubeCluster } from '../lab/kube/connect.ts';
import { connectPlatform, secretLeaf } from '../lab/platform/index.ts';
import { useDrillClusterIssuer } from '../lab/platform/drill-issuer.ts';
import {
  certificateRequests, certificateStatus, certManagerLog, countRequestsUntil, describeCertificateStatus, describeRequest, eventsOf, issuedAlreadyExpired, type RequestCount,
} from '../lab/platform/issuance-facts.ts';
import { issueCertificateSet, recoverUnder, revisions, unhealthyUnder } from '../lab/platform/scenario-certificates.ts';
import type { Scenario } from '../lab/runner/scenario.ts';
import { loginAs, secretIdUsesLeft } from '../lab/vault/approle.ts';
import { activeEndpoint } from '../lab/vault/cluster.ts';
import { useVaultCluster } from '../lab/vault/connect.ts';
import { answersUnder, newDrillIssuingCa, useDrillIssuer, type LeafNotAfterBehavior } from '../lab/vault/drill-issuer.ts';
import { ISSUING_CA_TTL } from '../lab/vault/issuing-ca.ts';
import { CERT_MANAGER_APPROLE } from '../lab/vault/pki-layout.ts';

/**
 * Each variant: how many Certificates, how long the drill's issuing CA lives, how long cert-manager is
 * watched once it has expired and once it is healthy again, and how often the CertificateRequests are counted.
 */
const VARIANTS = {
  quick: { certificates: 3, caLifetimeS: 150, expiredWindowMs: 30_000, settleWindowMs: 15_000, countEveryMs: 2_000 },
  full: { certificates: 10, caLifetimeS: 600, expiredWindowMs: 180_000, settleWindowMs: 60_000, countEveryMs: 5_000 },
} as const;
/** What the Vault docs suggest for an intermediate (api-docs/secret/pki, leaf_not_after_behavior): cut a leaf at the CA's not-after. */
const BEHAVIOR: LeafNotAfterBehavior = 'truncate';
/** A leaf TTL the drill CA cannot cover, for Vault's direct answers under each behaviour. */
const DIRECT_SIGN_TTL = '24h';
/** The scenario's namespace (removed on every path) and its Certificates' prefix. */
const NAMESPACE = 'incident-intermediate-expiry';
const CERTIFICATE_PREFIX = 'expiry';
/** Longest an issuer or a set of Certificates may take to be Ready. */
const WAIT_MS = 180_000;

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
const requestsBetween = (counts: RequestCount[]) => counts.at(-1)!.count - counts[0]!.count;

/** cert-manager's controller log lines about renewing an expired certificate (the optimistic-locking retries left out). */
const RENEWAL_LOG = /^(?!.*optimistic locking).*(must be re-issued|expired|Expired|Backing off)/;

/**
 * What cert-manager shows about the drill's Certificates at a moment, as evidence: the newest
 * CertificateRequests, one Certificate's status and events, the leaf its Secret holds (the not-after Vault
 * gave it), and the controller's log lines since `since`.
 */
async function expiryEvidence(kubeCluster: KubeCluster, namespace: string, names: string[], since: number): Promise<string> {
  const requests = await certificateRequests(kubeCluster, namespace, names);
  const sample = await certificateStatus(kubeCluster, namespace, names[0]!);
  const leaf = await secretLeaf(kubeCluster, namespace, sample.spec?.secretName);
  return [
    `${requests.length} CertificateRequests in all; the newest three:`,
    ...requests.slice(-3).map((f) => `CertificateRequest ${describeRequest(f)}`),
    `Certificate ${names[0]}: ${describeCertificateStatus(sample)}`,
    `its Secret's leaf: serial ${leaf.serialNumber}, not before ${new Date(leaf.validFrom).toISOString()}, not after ${new Date(leaf.validTo).toISOString()}`,
    ...(await eventsOf(kubeCluster, namespace, names[0]!, 'Certificate')).slice(-5).map((e) => `event: ${e}`),
    ...(await certManagerLog(kubeCluster, RENEWAL_LOG, (Date.now() - since) / 1000 + 5, 6)).map((l) => `log: ${l}`),
  ].join('\n');
}

/** When each CertificateRequest of one Certificate was made, counted from the CA's not-after: renewals closing in on it. */
async function renewalTimes(kubeCluster: KubeCluster, namespace: string, name: string, expiresAt: number): Promise<string> {
  const requests = await certificateRequests(kubeCluster, namespace, [name]);
  return `${name}'s CertificateRequests, made at (seconds from the CA's not-after): ${requests.map((f) => Math.round((f.createdAt - expiresAt) / 1000)).join(', ')}`;
}

/**
 * Issue 10 item 4 (cert-manager #7741). A Vault issuing CA of the scenario's own (its own mount, signed by
 * the offline-signed intermediate) that expires within minutes, its issuer set to truncate leaves at its
 * not-after: issuance and renewal as it nears expiry, what cert-manager does once it has expired (the
 * CertificateRequests counted over a fixed window), then the rotation to a new issuing CA under the same
 * offline root and the time until every Certificate is healthy again.
 */
export const intermediateExpiry: Scenario = {
  name: 'intermediate-expiry',
  description: 'An issuing CA that expires within minutes (leaf_not_after_behavior truncate): leaves truncated and renewed as it nears expiry, cert-manager\'s CertificateRequests counted after it expired (cert-manager #7741), rotation to a new issuing CA under the offline root: time to every Certificate healthy.',
  needs: ['platform'],
  labMadeOnly: { vault: 'mounts a drill issuing CA and changes the admin policy through a generated root token' },
  async run(run) {
    const { ctx } = run;
    const { targets, domains } = ctx.config;
    const v = run.quick ? VARIANTS.quick : VARIANTS.full;
    const platform = await connectPlatform(ctx);
    const { kubeCluster } = platform;
    const vaultCluster = await useVaultCluster(ctx);
    const root = vaultCluster.pki.root.cert;

    const drill = await run.step(`the drill's issuing CA: its own mount, signed by pki for ${v.caLifetimeS} s, leaf_not_after_behavior ${BEHAVIOR}`, () => useDrillIssuer(ctx, vaultCluster, `${v.caLifetimeS}s`, BEHAVIOR));
    const expiresAt = drill.first.notAfter.getTime();
    run.check(`the drill issuer's leaf_not_after_behavior reads back ${BEHAVIOR}`, drill.first.behavior === BEHAVIOR, drill.first.behavior);
    run.note('the drill issuing CA', `${drill.mount}, issuer ${drill.first.issuerId}, serial ${drill.first.serialNumber}, not after ${drill.first.notAfter.toISOString()} (${seconds(expiresAt - Date.now())} from now)`);

    // Vault's own answer to a leaf that would outlive the CA, under both rules, as the cert-manager AppRole gets it.
    const answers = await run.step(`Vault's answer to a ${DIRECT_SIGN_TTL} leaf under err and under ${BEHAVIOR}`, async () => {
      const { client } = await loginAs(ctx.paths, await activeEndpoint(vaultCluster), vaultCluster.ca, CERT_MANAGER_APPROLE);
      return answersUnder(drill, client, ['err', BEHAVIOR], domains.private, DIRECT_SIGN_TTL);
    });
    run.note('leaf_not_after_behavior: Vault\'s answers', answers.map(([b, a]) => `${b}: ${'error' in a ? `refused, ${a.error}` : `issued, not after ${a.notAfter.toISOString()}${a.notAfter.getTime() === expiresAt ? ' (the CA\'s not-after)' : ''}`}`).join('\n'));

    const namespace = await run.step('a namespace for the scenario\'s Certificates', () => kubeCluster.useNamespace(NAMESPACE));
    const issuer = await run.step(`ClusterIssuer on ${drill.signPath} Ready`, () => useDrillClusterIssuer(ctx, kubeCluster, drill.signPath, WAIT_MS));
    const usesBefore = await secretIdUsesLeft(await drill.admin(), ctx.paths, CERT_MANAGER_APPROLE);
    const names = await run.step(`${v.certificates} Certificates from ${issuer} (cert-manager's default duration, 90 days)`, () => issueCertificateSet(kubeCluster, CERTIFICATE_PREFIX, v.certificates, namespace, issuer, domains.private, WAIT_MS));
    const issuedAt = Date.now();
    const firstProblems = (await Promise.all(names.map((n) => unhealthyUnder(kubeCluster, namespace, n, drill.first.serialNumber, root)))).filter(Boolean);
    run.check('the Certificates were issued by the drill CA, chains verified to the offline root', firstProblems.length === 0, firstProblems.join('; '));
    const issued = await Promise.all(names.map((n) => certificateStatus(kubeCluster, namespace, n)));
    const truncated = issued.filter((c) => Date.parse(c.status?.notAfter ?? '') === expiresAt).length;
    run.figure('leaves cut at the CA\'s not-after', truncated, 'count', { labels: { of: String(names.length), behavior: BEHAVIOR } });
    run.note('as issued', issued.map((c) => `${c.metadata?.name}: ${describeCertificateStatus(c)}`).join('\n'));
    for (const n of names) run.timeline(n, 'Ready', issuedAt);

    const before = await run.step('renewals as the CA nears its not-after (CertificateRequests counted until it passes)', () => countRequestsUntil(kubeCluster, namespace, expiresAt + 1_000, v.countEveryMs, ctx.signal));
    run.figure('CertificateRequests made before the CA expired', requestsBetween(before), 'count', { labels: { after: 'the first issuance' } });
    run.note('renewals up to the CA\'s not-after', [await renewalTimes(kubeCluster, namespace, names[0]!, expiresAt), await expiryEvidence(kubeCluster, namespace, names, issuedAt)].join('\n'));

    const revisionsAtExpiry = await revisions(kubeCluster, namespace, names);
    const window = await run.step(`after expiry: CertificateRequests counted for ${seconds(v.expiredWindowMs)}`, () => countRequestsUntil(kubeCluster, namespace, Date.now() + v.expiredWindowMs, v.countEveryMs, ctx.signal));
    const stormCount = requestsBetween(window);
    const windowMs = window.at(-1)!.at - window[0]!.at;
    run.figure('CertificateRequests in the window after expiry', stormCount, 'count', { labels: { window: seconds(windowMs) } });
    run.figure('CertificateRequests per minute after expiry', Math.round((stormCount / windowMs) * 60_000), 'count/min');
    const revisionsAfter = await revisions(kubeCluster, namespace, names);
    run.figure('issuances in the window after expiry (revisions)', [...revisionsAfter].reduce((sum, [n, r]) => sum + r - revisionsAtExpiry.get(n)!, 0), 'count');
    // Made after the CA's not-after (whole seconds in the API) and issued: a certificate expired before it was asked for.
    const afterExpiry = await issuedAlreadyExpired(kubeCluster, namespace, expiresAt + 1_000);
    run.figure('requests issued an already expired certificate after the CA expired', afterExpiry.expired.length, 'count', { labels: { of: `${afterExpiry.issued} issued` } });
    const usesAfter = await secretIdUsesLeft(await drill.admin(), ctx.paths, CERT_MANAGER_APPROLE);
    run.figure('AppRole logins spent, issuance to the window\'s end', usesBefore - usesAfter, 'count', { labels: { left: String(usesAfter) } });
    run.note('what cert-manager does after the CA expired', [
      `CertificateRequests: ${window[0]!.count} when the window opened, ${window.at(-1)!.count} ${seconds(windowMs)} later`,
      ...afterExpiry.expired.slice(-3).map((c) => `CertificateRequest ${c.name}: made ${new Date(c.createdAt).toISOString()}, issued a certificate not after ${new Date(c.notAfter).toISOString()}`),
      await renewalTimes(kubeCluster, namespace, names[0]!, expiresAt),
      await expiryEvidence(kubeCluster, namespace, names, expiresAt),
    ].join('\n'));
    run.timeline(issuer, 'issuing CA expired', expiresAt);

    const rotated = await run.step(`rotate: a new issuing CA in ${drill.mount}, signed by pki for ${ISSUING_CA_TTL}, made the default (${BEHAVIOR})`, async () => newDrillIssuingCa(await drill.admin(), ISSUING_CA_TTL, BEHAVIOR));
    const rotatedAt = Date.now();
    run.timeline(issuer, 'rotated', rotatedAt, `issuing CA serial ${rotated.serialNumber}`);
    const { at: healthyAt, remedy } = await run.step('every Certificate Ready with a chain through the new issuing CA to the offline root (by itself, else forced)', () => recoverUnder(ctx, kubeCluster, namespace, names, rotated.serialNumber, root, targets.intermediateRotationRecoveryMs, WAIT_MS));
    const healthyProblems = (await Promise.all(names.map((n) => unhealthyUnder(kubeCluster, namespace, n, rotated.serialNumber, root)))).filter(Boolean);
    run.check('after the rotation every Certificate is Ready with a chain through the new issuing CA to the offline root', healthyProblems.length === 0, healthyProblems.join('; ') || `remedy: ${remedy}`);
    run.figure('rotation to every Certificate healthy', healthyAt - rotatedAt, 'ms', { labels: { objective: 'RTO', remedy }, threshold: { op: '<=', value: targets.intermediateRotationRecoveryMs } });
    for (const n of names) run.timeline(n, 'healthy under the new issuing CA', healthyAt);

    const settle = await run.step(`after recovery: CertificateRequests counted for ${seconds(v.settleWindowMs)}`, () => countRequestsUntil(kubeCluster, namespace, Date.now() + v.settleWindowMs, v.countEveryMs, ctx.signal));
    run.figure('CertificateRequests in the window after recovery', requestsBetween(settle), 'count', { labels: { window: seconds(settle.at(-1)!.at - settle[0]!.at) } });

    run.note('operational lesson', [
      `cert-manager #7741: with ${BEHAVIOR} (what the Vault docs suggest for an intermediate), a leaf is cut at the issuing CA's not-after, so as the CA nears its end every renewal gets a shorter certificate and cert-manager renews it sooner (2/3 of whatever lifetime it got, pkg/controller/certificates/util.go RenewalTime); once the CA has expired, Vault keeps issuing certificates that are already expired, cert-manager v1.11.5 stores each one, finds it expired (Ready=False, Expired) and due for renewal at once, and asks again: a request storm that no failure counter records, so the trigger controller's backoff (1 h × 2^(failedIssuanceAttempts − 1), at most 32 h, pkg/controller/certificates/trigger) never applies. cert-manager v1.21.0 rejects an already expired certificate and backs off (PR #8610). With err (Vault's default), issuance stops instead as soon as a Certificate's duration passes the CA's not-after, months before it expires for 90-day certificates.`,
      'The issuer stays Ready throughout: it checks Vault, not the CA. Alert on the issuing CA\'s not-after (rotate well before: at least one leaf duration plus the renewal margin), on the rate of CertificateRequests per namespace, and on Certificates Ready=False; an AppRole secret ID with a use limit runs down with every request.',
      `Runbook: sign a new issuing CA under the offline-signed intermediate and make it the mount's default (rotation, here ${seconds(healthyAt - rotatedAt)} to every Certificate healthy, remedy: ${remedy}); then count CertificateRequests again to see the storm end.`,
    ].join('\n'));
  },
};
