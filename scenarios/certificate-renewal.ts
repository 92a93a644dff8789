import { pebbleActivity } from '../lab/acme/index.ts';
import { GATEWAY_HTTPS_PORT } from '../lab/platform/connect.ts';
import { holdTlsConnection } from '../lab/host/tls-probe.ts';
import {
  batchCertificateName, certManagerFixedWaitMs, connectPlatform, describeChain, followRenewal, forceRenewal, gatewayPods, ISSUER_KINDS, issueAtOnce,
  issuanceBatch, nameUnder, plannedRenewal, publishNames, runTag, sameKey, type IssuanceBatch, type Platform, type Renewal,
} from '../lab/platform/index.ts';
import { servedChainProblem } from '../lab/pki/verify.ts';
import type { Scenario, ScenarioRun } from '../lab/runner/scenario.ts';

/** Each issuer's Certificate for the forced renewal, with the key policy it shows: rotated, or kept. */
const ROTATION = { vault: 'Always', http01: 'Never', dns01: 'Always' } as const;
/**
 * The scheduled renewal: cert-manager's shortest duration (1 h) with a renewBefore that puts status.renewalTime
 * about a minute after each issuance. Full runs watch it renew by itself twice.
 */
const SCHEDULED = { duration: '1h', renewBefore: '59m', renewals: { quick: 1, full: 2 } };
/** Longest one issuance or renewal may take (a DNS-01 challenge costs cert-manager's fixed 60 s). */
const WAIT_MS = 180_000;

function recordRenewal(run: ScenarioRun, name: string, r: Renewal, startedAt: number, startEvent: string): void {
  run.timeline(name, startEvent, startedAt);
  run.timeline(name, 'renewed', r.renewedAt, `serial ${r.newLeaf.serialNumber}`);
  run.timeline(name, 'served', r.servedAt, `serial ${r.served.serial}`);
}

/** One issuer's Certificate renewed as `cmctl renew` does it, followed to the new serial served. */
async function forcedRenewal(run: ScenarioRun, platform: Platform, namespace: string, batch: IssuanceBatch): Promise<void> {
  const name = batchCertificateName(batch, 0);
  const probe = { servername: nameUnder(batch.hostnames[0]!), anchor: await platform.trustAnchor(batch.issuer) };
  const since = Date.now();
  let triggeredAt = 0;
  const r = await run.step(`${batch.issuer}: renewal forced (Issuing=True, ManuallyTriggered), new serial in the Secret and served`, () => followRenewal(platform, namespace, name, probe, WAIT_MS, run.ctx.signal, async () => {
    triggeredAt = await forceRenewal(platform.kubeCluster, namespace, name);
  }));
  recordRenewal(run, name, r, triggeredAt, 'renewal triggered');
  const labels = { issuer: batch.issuer };
  run.figure('trigger to Secret updated', r.renewedAt - triggeredAt, 'ms', { labels });
  const toServed = r.servedAt - triggeredAt;
  const target = { op: '<=' as const, value: run.ctx.config.targets.renewalServedMs };
  if (batch.kind === 'vault') run.figure('trigger to served', toServed, 'ms', { labels, threshold: target });
  else {
    // Pebble reuses a valid authorization half the time: then no challenge is solved, and none of cert-manager's fixed waits is spent.
    const pebble = await run.step(`Pebble's validations for the renewal from ${batch.issuer}`, () => pebbleActivity(run.ctx, since));
    const fixed = pebble.validations > 0 ? certManagerFixedWaitMs(run.ctx.config.versions.certManager, batch.kind) : 0;
    run.figure('trigger to served', toServed, 'ms', { labels: { ...labels, challenge: pebble.validations > 0 ? 'solved' : 'authorization reused' } });
    run.figure('trigger to served beyond cert-manager\'s fixed waits', toServed - fixed, 'ms', { labels, threshold: target });
  }
  run.check(`${batch.issuer}: the Secret holds a new serial`, r.newLeaf.serialNumber !== r.oldLeaf.serialNumber, `${r.oldLeaf.serialNumber} -> ${r.newLeaf.serialNumber}`);
  const policy = ROTATION[batch.kind];
  run.check(`${batch.issuer}: the private key ${policy === 'Always' ? 'rotated' : 'stayed'} (rotationPolicy ${policy})`, sameKey(r.oldLeaf, r.newLeaf) === (policy === 'Never'));
}

/** cert-manager renews a short Certificate by itself at status.renewalTime; a client holding the old one still connects. */
async function scheduledRenewal(run: ScenarioRun, platform: Platform, namespace: string, batch: IssuanceBatch, round: number): Promise<void> {
  const name = batchCertificateName(batch, 0);
  const probe = { servername: batch.hostnames[0]!, anchor: await platform.trustAnchor(batch.issuer) };
  const planned = await plannedRenewal(platform.kubeCluster, namespace, name);
  // The client asks for a page at once, as one does: a connection that carries no request is closed by
  // Traefik after its readTimeout (60 s in v3), whatever the certificate; an idle one after a request lasts
  // its idleTimeout (180 s), longer than the wait for the renewal.
  const held = await run.step(`round ${round}: a client connects before the renewal, gets a page and keeps its connection`, async () => {
    const connection = await holdTlsConnection({ host: platform.gatewayAddress, port: GATEWAY_HTTPS_PORT, ...probe, ca: probe.anchor });
    run.ctx.releases.defer(`close the held connection (round ${round})`, () => connection.close());
    await connection.get('/');
    return connection;
  });
  const wait = planned - Date.now() + WAIT_MS;
  const r = await run.step(`round ${round}: cert-manager renews it by itself at ${new Date(planned).toISOString()}, new serial served`, () => followRenewal(platform, namespace, name, probe, wait, run.ctx.signal));
  recordRenewal(run, name, r, planned, 'renewal planned');
  const labels = { round: String(round) };
  // status.renewalTime has whole seconds: a renewal up to a second "early" is on time.
  run.figure('scheduled renewal: actual - planned', r.renewedAt - planned, 'ms', { labels });
  run.figure('scheduled renewal: Secret updated to served', r.servedAt - r.renewedAt, 'ms', { labels });
  run.check(`round ${round}: renewed at the planned time, not before`, r.renewedAt >= planned - 1_000, `planned ${new Date(planned).toISOString()}, renewed ${new Date(r.renewedAt).toISOString()}`);
  const problem = await servedChainProblem(held.served.certificates);
  run.check(`round ${round}: the old certificate still verifies (until its not-after ${held.served.certificates[0]!.validTo})`, !problem, problem ?? `serial ${held.served.serial}`);
  const status = await held.get('/').catch((err: Error) => err.message);
  run.check(`round ${round}: the client that fetched the old certificate still gets answers on its connection`, typeof status === 'number', `HTTP ${status}`);
  held.close();
  run.note(`served chain after scheduled renewal ${round}`, describeChain(r.served.certificates));
}

/**
 * Renewal as a user lives it: forced for one Certificate of each issuer (as `cmctl renew` does), the new
 * serial in the Secret and served by the Gateway without a restart, the key rotated or kept as the policy
 * says; and scheduled, cert-manager renewing a 1 h Certificate by itself at the time it planned.
 */
export const certificateRenewal: Scenario = {
  name: 'certificate-renewal',
  description: 'Forced renewal (cmctl renew: Issuing=True) for a Certificate of each issuer: trigger -> Secret updated -> served, key per rotationPolicy, no Gateway restart; scheduled renewal of a 1 h Certificate at status.renewalTime (actual - planned), old certificate still verifying, held client connection still answered.',
  needs: ['platform'],
  timeLimitMs: { quick: 10 * 60_000, full: 20 * 60_000 },
  async run(run) {
    const tag = runTag();
    const platform = await connectPlatform(run.ctx);
    const namespace = await run.step('a namespace of its own', () => platform.kubeCluster.useNamespace(`certificate-renewal-${tag}`));
    const batches = ISSUER_KINDS.map((kind) => issuanceBatch(platform, kind, 1, tag, 'r', { rotationPolicy: ROTATION[kind] }));
    const scheduled = issuanceBatch(platform, 'vault', 1, tag, 's', { duration: SCHEDULED.duration, renewBefore: SCHEDULED.renewBefore, rotationPolicy: 'Always' });
    await run.step('publish the HTTP-01 name (External-DNS)', () => publishNames(run.ctx, platform, namespace, batches.find((b) => b.kind === 'http01')!.hostnames, WAIT_MS));
    const issued = await run.step('a Certificate from each issuer and the scheduled one, Ready and served', () => Promise.all([...batches, scheduled].map((b) => issueAtOnce(run.ctx, platform, namespace, b, WAIT_MS))));
    for (const c of issued.flat()) {
      run.timeline(c.name, 'requested', c.requestedAt);
      run.timeline(c.name, 'Ready', c.readyAt);
      run.timeline(c.name, 'served', c.servedAt, `serial ${c.serial}`);
    }
    // The scheduled renewal's clock runs from its issuance: watched while the forced renewals go on.
    const rounds = run.quick ? SCHEDULED.renewals.quick : SCHEDULED.renewals.full;
    const podsBefore = await gatewayPods(platform.kubeCluster);
    const watching = (async () => {
      for (let round = 1; round <= rounds; round++) await scheduledRenewal(run, platform, namespace, scheduled, round);
    })();
    watching.catch(() => undefined);
    // One after another, so Pebble's validations in each window are that renewal's own.
    for (const batch of batches) await forcedRenewal(run, platform, namespace, batch);
    await watching;
    const podsAfter = await gatewayPods(platform.kubeCluster);
    run.check('the Gateway served every new certificate without a restart (same Traefik pods, no restarts)', podsBefore === podsAfter, `${podsBefore} -> ${podsAfter}`);
  },
};
