import { X509Certificate } from 'node:crypto';
import { pebbleRoots } from '../lab/acme/index.ts';
import { restartPebble } from '../lab/acme/restart.ts';
import { fetchServedChain, type ServedChain } from '../lab/host/tls-probe.ts';
import { pollUntil } from '../lab/host/wait.ts';
import { connectPlatform, GATEWAY_HTTPS_PORT, waitListenersServe, type Platform, type ServedListener } from '../lab/platform/index.ts';
import { forceRenewal } from '../lab/platform/forced-renewal.ts';
import { certificateStatus, certManagerLog, describeCertificateStatus, nextAttemptAfterBackoff, describeRequest, eventsOf, waitRequestDecided } from '../lab/platform/issuance-facts.ts';
import { acmeAccountUri, reregisterAcmeAccount } from '../lab/platform/issuer-sync.ts';
import { revisions, waitRenewed } from '../lab/platform/scenario-certificates.ts';
import type { Scenario } from '../lab/runner/scenario.ts';

const WAIT_MS = 180_000;

// Pebble's leaves have an empty subject: they are named by their SANs.
const subjects = (chain: ServedChain) => chain.certificates.map((c) => (c.subject || c.subjectAltName || '?').replace(/\n/g, ', ')).join(' ← ');

/** What a client that trusts only `root` gets from the listener: the chain it verified, or its TLS error. */
async function asClientTrusting(platform: Platform, s: ServedListener, root: string): Promise<{ ok: boolean; text: string }> {
  return fetchServedChain({ host: platform.gatewayAddress, port: GATEWAY_HTTPS_PORT, servername: s.servername, ca: root }).then(
    (c) => ({ ok: true, text: `verified: ${subjects(c)}` }),
    (e: Error) => ({ ok: false, text: `fails: ${e.message}` }),
  );
}

/**
 * Issue 10 item 3 (pebble #373). Pebble restarts and comes back with a new root, and without the ACME
 * accounts it had (it keeps everything in memory). Certificates already issued keep being served; a
 * renewal chains to the new root once the issuer has an account again; a client that trusts only the old
 * root fails on the renewed certificate, one that trusts only the new root on the one not yet renewed.
 */
export const acmeServerRestart: Scenario = {
  name: 'acme-server-restart',
  description: 'Pebble restarts with a new root and no accounts: issued certificates still served, what cert-manager does on renewal, renewal to the new root after the account is registered again, who breaks.',
  needs: ['platform'],
  async run(run) {
    const { ctx } = run;
    const platform = await connectPlatform(ctx);
    const { layout, kubeCluster } = platform;
    const issuers = [layout.issuers.http01, layout.issuers.dns01];
    const [kept, renewed] = (await platform.listeners()).filter((l) => l.gateway === layout.gateways.public);
    if (!kept || !renewed) throw new Error(`the public Gateway ${layout.gateways.public} has fewer than two HTTPS listeners`);
    const oldRoot = (await pebbleRoots(ctx)).root;
    const before = await run.step('both public listeners served under Pebble\'s current root', () => Promise.all([platform.served(kept, ctx.signal), platform.served(renewed, ctx.signal)]));
    const accounts = new Map(await Promise.all(issuers.map(async (i) => [i, await acmeAccountUri(kubeCluster, i)] as const)));

    const restartedAt = Date.now();
    const newRoot = (await run.step('restart Pebble', () => restartPebble(ctx))).root;
    run.check('Pebble came back with a new root', !new X509Certificate(newRoot).raw.equals(new X509Certificate(oldRoot).raw), new X509Certificate(newRoot).subject.replace(/\n/g, ', '));
    const stillServed = await Promise.all(before.map(async (s) => ({ s, chain: await fetchServedChain({ host: platform.gatewayAddress, port: GATEWAY_HTTPS_PORT, servername: s.servername, ca: oldRoot }) })));
    run.check('certificates already issued keep being served (same serial, old root)', stillServed.every(({ s, chain }) => chain.serial === s.served.serial), stillServed.map(({ s, chain }) => `${s.listener.secret} ${chain.serial}`).join(', '));

    // The renewal as cert-manager does it with the account it registered before the restart.
    const revision = (await revisions(kubeCluster, layout.namespace, [renewed.secret])).get(renewed.secret)!;
    const firstTry = await run.step(`forced renewal of ${renewed.secret}, the issuer's account unknown to Pebble`, async () => {
      await forceRenewal(kubeCluster, layout.namespace, [renewed.secret]);
      return waitRequestDecided(kubeCluster, layout.namespace, renewed.secret, revision + 1, WAIT_MS);
    });
    const failed = firstTry.status !== 'True';
    const afterFailure = await certificateStatus(kubeCluster, layout.namespace, renewed.secret);
    const issuerReady = await kubeCluster.get(`/apis/cert-manager.io/v1/clusterissuers/${layout.issuers.http01}`);
    run.figure('failed CertificateRequests before the remedy', failed ? 1 : 0, 'count');
    run.note('what cert-manager does after the restart', [
      `ClusterIssuer ${layout.issuers.http01}: ${(issuerReady.status?.conditions ?? []).map((c: { type: string; status: string; reason?: string }) => `${c.type}=${c.status} (${c.reason})`).join(', ')}, account ${issuerReady.status?.acme?.uri} (registered before the restart; cert-manager does not check it again while the issuer is Ready: pkg/issuer/acme/setup.go "skipping re-verifying ACME account as cached registration details look sufficient").`,
      `CertificateRequest: ${describeRequest(firstTry)}`,
      `Certificate: ${describeCertificateStatus(afterFailure)}`,
      ...(failed ? [`the trigger controller's next attempt without an operator: ${nextAttemptAfterBackoff(afterFailure) ?? 'none scheduled'} (1 h after lastFailureTime, doubling with failedIssuanceAttempts: pkg/controller/certificates/trigger)`] : []),
      ...(await eventsOf(kubeCluster, layout.namespace, renewed.secret, 'Certificate')).slice(-4).map((e) => `event: ${e}`),
      ...(await certManagerLog(kubeCluster, /accountDoesNotExist|Backing off|next be attempted/i, (Date.now() - restartedAt) / 1000 + 5, 3)).map((l) => `log: ${l}`),
    ].join('\n'));

    if (failed) {
      await run.step('remedy: each ACME issuer registers a new account (account key Secret deleted)', () => Promise.all(issuers.map((i) => reregisterAcmeAccount(kubeCluster, i, accounts.get(i), WAIT_MS))));
      const again = await revisions(kubeCluster, layout.namespace, [renewed.secret]);
      await run.step(`forced renewal of ${renewed.secret} again`, async () => {
        await forceRenewal(kubeCluster, layout.namespace, [renewed.secret]);
        await waitRenewed(kubeCluster, layout.namespace, again, WAIT_MS);
      });
    } else {
      await run.step(`${renewed.secret} renewed`, () => waitRenewed(kubeCluster, layout.namespace, new Map([[renewed.secret, revision]]), WAIT_MS));
    }
    run.figure('Pebble restart to the renewal served', Date.now() - restartedAt, 'ms');
    // Traefik serves the old certificate until it has read the renewed Secret.
    const now = await run.step('the Gateway serves the renewed certificate', () => pollUntil(async () => {
      const s = await platform.served(renewed, ctx.signal);
      if (s.served.serial === before[1]!.served.serial) throw new Error('still the old certificate');
      return s;
    }, { timeoutMs: WAIT_MS, what: `${renewed.gateway}/${renewed.listener} to serve the renewed certificate under the new root`, ...(ctx.signal ? { signal: ctx.signal } : {}) }));

    const matrix = {
      keptOld: await asClientTrusting(platform, before[0]!, oldRoot), keptNew: await asClientTrusting(platform, before[0]!, newRoot),
      renewedOld: await asClientTrusting(platform, now, oldRoot), renewedNew: await asClientTrusting(platform, now, newRoot),
    };
    run.check('the renewal chains to the new root', matrix.renewedNew.ok && now.served.certificates.at(-1)!.raw.equals(new X509Certificate(newRoot).raw), matrix.renewedNew.text);
    run.check('a client that trusts only the old root fails on the renewed certificate', !matrix.renewedOld.ok, matrix.renewedOld.text);
    run.check('a client that trusts only the old root still verifies the certificate not renewed', matrix.keptOld.ok, matrix.keptOld.text);
    run.note('both chains and who breaks', [
      `${kept.hostname} (not renewed): ${subjects(before[0]!.served)}`,
      `${renewed.hostname} (renewed): ${subjects(now.served)}`,
      `client trusting the old root only: ${kept.hostname} ${matrix.keptOld.text}; ${renewed.hostname} ${matrix.renewedOld.text}`,
      `client trusting the new root only: ${kept.hostname} ${matrix.keptNew.text}; ${renewed.hostname} ${matrix.renewedNew.text}`,
    ].join('\n'));

    // The runbook's last step, which also leaves the platform whole: everything re-issued under the new root.
    const rest = await revisions(kubeCluster, layout.namespace, [kept.secret]);
    await run.step(`remedy: renew ${kept.secret} under the new root too`, async () => {
      await forceRenewal(kubeCluster, layout.namespace, [kept.secret]);
      await waitRenewed(kubeCluster, layout.namespace, rest, WAIT_MS);
    });
    await run.step('every public listener verifies against the new root', () => waitListenersServe(ctx, platform, [kept, renewed], WAIT_MS));
    run.note('operational lesson', [
      'A restarted (or replaced) ACME CA changes what clients must trust, and nothing in the cluster says so: the Gateways keep serving the old chain, and each renewal moves one hostname to the new root, so clients that pin or bundle the old root break one certificate at a time, as renewals come due.',
      'cert-manager keeps using the account it cached; when the CA no longer knows it, every order fails until the issuer registers again (delete the account key Secret), and a failed Certificate then waits out the trigger controller\'s backoff (1 h, doubling) unless renewed by hand.',
      'Runbook: distribute the new root first, re-register the ACME issuers, then force the renewal of every Certificate of those issuers (cmctl renew --all) so no hostname stays on the old chain.',
    ].join('\n'));
  },
};
