import { accountOrders, pebbleActivity } from '../lab/acme/index.ts';
import { CERT_MANAGER_DNS01_WAIT_S, certManagerWorkers, http01SelfCheckWaitS } from '../lab/kube/index.ts';
import {
  certificateRequestsPerCertificate, certManagerFixedWaitMs, connectPlatform, ISSUER_KINDS, issueAtOnce, issuanceBatch, publishNames, quantile, runTag,
  type IssuanceBatch, type IssuedCertificate, type IssuerKind, type Platform,
} from '../lab/platform/index.ts';
import { acmeOrderUrls, certManagerLog } from '../lab/platform/issuance-facts.ts';
import type { Scenario, ScenarioRun } from '../lab/runner/scenario.ts';
import { activeEndpoint } from '../lab/vault/cluster.ts';
import { loginAs } from '../lab/vault/approle.ts';
import { useVaultCluster } from '../lab/vault/connect.ts';
import { timeDirectSigns } from '../lab/vault/issue.ts';
import { CERT_MANAGER_APPROLE } from '../lab/vault/pki-layout.ts';

/** Certificates requested at once from each ClusterIssuer. */
const CERTIFICATES_PER_ISSUER = { quick: 5, full: 50 };
/** Longest a batch may take to be Ready and served beyond cert-manager's fixed waits (10 rounds of 60 s for 50 DNS-01). */
const BATCH_WAIT_MS = 180_000;

/**
 * The issue sets its issuance targets for the full variant (50 Certificates per issuer at once); a quick run
 * reports the same figures without a verdict, on a CI machine shared with other work.
 */
function heldTo(run: ScenarioRun, value: number): { threshold?: { op: '<='; value: number } } {
  return run.quick ? {} : { threshold: { op: '<=', value } };
}

/** Figures and timelines of one batch: time to Ready and to served, p50/p95/max, each Certificate's moments. */
function recordBatch(run: ScenarioRun, batch: IssuanceBatch, issued: IssuedCertificate[]): void {
  const { targets } = run.ctx.config;
  const labels = { issuer: batch.issuer };
  const target = (value: number) => heldTo(run, value);
  const toReady = issued.map((c) => c.readyAt - c.requestedAt);
  const toServed = issued.map((c) => c.servedAt - c.requestedAt);
  // Each Certificate's share of cert-manager's fixed waits, by the order they finished (5 challenges wait at a time).
  const beyondFixed = [...toReady].sort((a, b) => a - b).map((ms, i) => ms - certManagerFixedWaitMs(run.ctx.config.versions.certManager, batch.kind, i));
  const vault = batch.kind === 'vault';
  run.figure('time to Ready p50', quantile(toReady, 0.5), 'ms', { labels, ...(vault ? target(targets.vaultIssuanceP50Ms) : {}) });
  run.figure('time to Ready p95', quantile(toReady, 0.95), 'ms', { labels, ...(vault ? target(targets.vaultIssuanceP95Ms) : {}) });
  run.figure('time to Ready max', Math.max(...toReady), 'ms', { labels });
  if (!vault) {
    // The ACME target holds what is left once cert-manager's own fixed sleeps are taken out; the raw figures stand above.
    run.figure('time to Ready beyond cert-manager\'s fixed waits p50', quantile(beyondFixed, 0.5), 'ms', { labels, ...target(targets.acmeBeyondFixedWaitsP50Ms) });
  }
  run.figure('time to served p50', quantile(toServed, 0.5), 'ms', { labels });
  run.figure('time to served max', Math.max(...toServed), 'ms', { labels });
  for (const c of issued) {
    run.timeline(c.name, 'requested', c.requestedAt, `${batch.issuer}, ${c.hostname}`);
    run.timeline(c.name, 'Ready', c.readyAt);
    run.timeline(c.name, 'served', c.servedAt, `serial ${c.serial}`);
  }
  run.note(`served chain from ${batch.issuer} (${issued[0]!.servername})`, issued[0]!.chain);
}

/**
 * Pebble's orders, authorizations and validations for one ACME batch, held against the Orders cert-manager
 * recorded: each Certificate is issued from one order whose challenge was validated once. An order
 * cert-manager made but lost is counted apart: it creates a new ACME order whenever an Order's status.url
 * is empty (acmeorders/sync.go createOrder), so an order whose URL it could not write back (a failed status
 * write, a response it gave up on) is made again and the first is left pending at the CA. That costs a
 * Let's Encrypt account an order against its rate limits, not a second issuance; the report shows it.
 */
async function recordAcmeOrders(run: ScenarioRun, kubeCluster: Platform['kubeCluster'], namespace: string, batch: IssuanceBatch, count: number, since: number): Promise<void> {
  const [pebble, urls] = await run.step(`Pebble's orders and authorizations for ${batch.issuer}, against cert-manager's Orders`, () => Promise.all([
    pebbleActivity(run.ctx, since), acmeOrderUrls(kubeCluster, namespace, batch.issuer),
  ]));
  const orders = accountOrders(pebble.orderIds, urls);
  const labels = { issuer: batch.issuer };
  run.figure('ACME orders', pebble.orderIds.length, 'count', { labels });
  run.figure('ACME orders cert-manager abandoned', orders.abandoned.length, 'count', { labels });
  run.figure('ACME authorizations', pebble.authorizations, 'count', { labels });
  run.figure('ACME challenges validated', pebble.validations, 'count', { labels });
  run.check(
    `${batch.issuer}: each Certificate issued from one ACME order, its new authorization validated once`,
    urls.length === count && orders.used === count && orders.unknown.length === 0 && pebble.validations === count && pebble.authorizations === pebble.orderIds.length,
    `${urls.length} Orders pointing at ${orders.used} of Pebble's ${pebble.orderIds.length} new orders${orders.unknown.length ? ` (and at ${orders.unknown.length} it did not make in this batch)` : ''}, `
      + `${pebble.authorizations} new authorizations, ${pebble.validations} validations, for ${count} Certificates`,
  );
  if (orders.abandoned.length === 0) return;
  // The errors logged about this namespace's Orders (by the "orders" controller, of resource_kind "Order").
  const why = await certManagerLog(kubeCluster, new RegExp(`^(?=.*${namespace})(?=.*order)(?=.*(error|fail))`, 'i'), (Date.now() - since) / 1000);
  run.note(`${batch.issuer}: ${orders.abandoned.length} ACME order(s) cert-manager made and lost (${orders.abandoned.join(', ')})`, [
    'cert-manager makes a new ACME order whenever an Order has no status.url; an order it made but could not',
    'record (its status write failed, or it gave up waiting for the CA\'s answer) is made again, and the first',
    'stays pending at the CA, counted against the account\'s new-orders rate limit. Its error lines in the window:',
    ...(why.length ? why : ['(none in the controller\'s log)']),
  ].join('\n'));
}

/**
 * For each ClusterIssuer of the platform, many Certificates at once, each on a listener of a Gateway of the
 * scenario's own: time to Ready and to a verifying client served, CertificateRequests per Certificate,
 * Pebble's orders and authorizations, and cert-manager's Vault path against a direct sign.
 */
export const certificateIssuance: Scenario = {
  name: 'certificate-issuance',
  description: 'N Certificates at once from each ClusterIssuer (Vault; Pebble HTTP-01; Pebble DNS-01, wildcards), each on a Gateway listener: time to Ready and to served p50/p95/max, CertificateRequests per Certificate, Pebble\'s orders and authorizations, cert-manager\'s Vault path against a direct sign.',
  needs: ['platform'],
  timeLimitMs: { quick: 10 * 60_000, full: 30 * 60_000 },
  async run(run) {
    const count = run.quick ? CERTIFICATES_PER_ISSUER.quick : CERTIFICATES_PER_ISSUER.full;
    const tag = runTag();
    const platform = await connectPlatform(run.ctx);
    const namespace = await run.step('a namespace of its own', () => platform.kubeCluster.useNamespace(`certificate-issuance-${tag}`));
    const vaultP50 = new Map<string, number>();
    // One issuer after another: each batch has the machine to itself, and Pebble's counts are its own.
    for (const kind of ISSUER_KINDS) {
      const batch = issuanceBatch(platform, kind, count, tag, 'i');
      if (kind === 'http01') await run.step(`publish the ${count} HTTP-01 names (External-DNS, before the clock)`, () => publishNames(run.ctx, platform, namespace, batch.hostnames, BATCH_WAIT_MS));
      const since = Date.now();
      const issued = await run.step(`${count} Certificates from ${batch.issuer} at once, Ready and served`, () => issueAtOnce(run.ctx, platform, namespace, batch, BATCH_WAIT_MS + certManagerFixedWaitMs(run.ctx.config.versions.certManager, kind, count - 1)));
      recordBatch(run, batch, issued);
      if (kind === 'vault') {
        vaultP50.set('Certificate', quantile(issued.map((c) => c.readyAt - c.requestedAt), 0.5));
        vaultP50.set('CertificateRequest', quantile(issued.map((c) => c.requestMs), 0.5));
        run.figure('CertificateRequest signed p50', vaultP50.get('CertificateRequest')!, 'ms', { labels: { issuer: batch.issuer } });
      }
      else await recordAcmeOrders(run, platform.kubeCluster, namespace, batch, count, since);
    }
    const requests = await run.step('count CertificateRequests per Certificate', () => certificateRequestsPerCertificate(platform.kubeCluster, namespace));
    const perCertificate = [...requests.values()];
    run.figure('CertificateRequests per Certificate (max)', Math.max(...perCertificate), 'count', { threshold: { op: '<=', value: 1 } });
    run.check('one CertificateRequest per Certificate', perCertificate.length === count * ISSUER_KINDS.length && perCertificate.every((n) => n === 1), [...requests].filter(([, n]) => n !== 1).map(([c, n]) => `${c}: ${n}`).join(', ') || `${perCertificate.length} Certificates, one each`);

    // The cost cert-manager adds: the same number of ECDSA P-256 signs at once, straight to Vault with its AppRole.
    const vaultCluster = await useVaultCluster(run.ctx);
    const { client } = await loginAs(run.ctx.paths, await activeEndpoint(vaultCluster), vaultCluster.ca, CERT_MANAGER_APPROLE);
    const direct = await run.step(`${count} direct signs at once (ECDSA P-256, cert-manager's AppRole)`, () => timeDirectSigns(client, `direct-${tag}`, run.ctx.config.domains.private, count));
    const directP50 = quantile(direct, 0.5);
    run.figure('direct Vault sign p50', directP50, 'ms');
    // cert-manager's Vault path is its Vault issuer signing a CertificateRequest (AppRole login, sign, the
    // request's status); the whole Certificate path (key, request, Secret, readiness) is shown beside it.
    run.figure('cert-manager\'s Vault path / direct sign (CertificateRequest p50)', vaultP50.get('CertificateRequest')! / directP50, 'ratio', heldTo(run, run.ctx.config.targets.certManagerVaultOverhead));
    run.figure('Certificate to Ready / direct sign (p50)', vaultP50.get('Certificate')! / directP50, 'ratio');
    const workers = certManagerWorkers(run.ctx.config.versions.certManager);
    run.note('targets for the ACME issuers', [
      'Time to Ready from an ACME issuer holds cert-manager\'s own fixed sleeps, whatever the CA or the DNS does; the',
      'target is held by what is left once they are taken out (the raw figures stand beside it, without a target):',
      `  HTTP-01: the self-check passes 5 times, 2 s apart: ${http01SelfCheckWaitS(run.ctx.config.versions.certManager)} s (cert-manager pkg/issuer/acme/http/http.go)`,
      `  DNS-01: ${CERT_MANAGER_DNS01_WAIT_S} s after the propagation check passes, hard-coded (pkg/issuer/acme/dns/dns.go \`ttl := 60\`,`,
      '          still in v1.21.2; cert-manager #5430, #5447); a name and its wildcard are solved one after the other.',
      `Both are sleeps inside a worker of the challenge controller, which has ${workers} here (hard-coded 5 up to v1.14,`,
      `cmd/controller/app/controller.go; from v1.15 the lab sets --concurrent-workers): of many challenges at once, ${workers}`,
      `wait at a time, so the k-th to finish has waited k/${workers} rounds (rounded up); that is what is taken out of each`,
      `Certificate's time. With 5 workers, 50 DNS-01 Certificates at once take 10 minutes at least.`,
      'Names are new in every run: Pebble reuses a valid authorization half the time, which would skip validation.',
      'Targets are held in the full variant (50 at once, as the issue sets them); the quick variant reports without a verdict.',
    ].join('\n'));
  },
};
