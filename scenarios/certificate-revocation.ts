import { LabError } from '../lab/errors.ts';
import { pollUntil } from '../lab/host/wait.ts';
import { checkServedRevocation, connectPlatform, describeChain, followRenewal, forceRenewal, listenerServername } from '../lab/platform/index.ts';
import type { Scenario } from '../lab/runner/scenario.ts';
import { activeEndpoint } from '../lab/vault/cluster.ts';
import { useVaultCluster } from '../lab/vault/connect.ts';
import { ISSUER_MOUNT } from '../lab/vault/pki-layout.ts';
import { rebuildCrl, revoke, vaultSerial } from '../lab/vault/revocation.ts';

/** Longest each wait may take: the private Certificate comes from Vault in about a second. */
const WAIT_MS = 60_000;

/**
 * The private Gateway's certificate revoked as an operator does it (Vault's revoke by serial, the CRL
 * rebuilt); Vault's CRL and OCSP responder say so, a client that checks revocation refuses it; a forced
 * renewal replaces it and the client accepts the new one. Timed from the revocation to a trusted
 * certificate served again.
 */
export const certificateRevocation: Scenario = {
  name: 'certificate-revocation',
  description: 'The private Gateway\'s served certificate revoked in Vault by serial: CRL and OCSP say revoked, a revocation-checking client refuses it; a forced renewal replaces it and the client accepts it; time to remediate.',
  needs: ['platform'],
  async run(run) {
    const platform = await connectPlatform(run.ctx);
    const vaultCluster = await useVaultCluster(run.ctx);
    const endpoint = await activeEndpoint(vaultCluster);
    const admin = vaultCluster.admin(endpoint);
    const { layout, kubeCluster } = platform;
    const subject = `${layout.namespace}/${layout.privateCertificate}`;
    const listener = (await platform.listeners()).find((l) => l.gateway === layout.gateways.private);
    if (!listener) throw new LabError(`the platform's Gateway ${layout.gateways.private} has no HTTPS listener`, 'run `certlab up platform`, which applies the platform again');
    const check = () => checkServedRevocation(platform, listener, vaultCluster, endpoint, ISSUER_MOUNT, run.ctx.signal);

    const before = await run.step('a revocation-checking client accepts what the private Gateway serves', check);
    run.check('before: OCSP says good and the CRL does not list it', before.accepted, `OCSP ${before.ocsp}, on the CRL: ${before.onCrl}`);
    run.timeline(subject, 'served', Date.now(), `serial ${before.leaf.serialNumber}`);
    const serial = before.leaf.serialNumber;
    const revokedAt = Date.now();
    await run.step(`revoke serial ${vaultSerial(serial)} in Vault and rebuild the CRL`, async () => {
      await revoke(admin, ISSUER_MOUNT, vaultSerial(serial));
      await rebuildCrl(admin, ISSUER_MOUNT);
    });
    run.timeline(subject, 'revoked', revokedAt, `serial ${serial}`);
    const refused = await run.step('the client refuses it: OCSP and the CRL say revoked', () => pollUntil(async () => {
      const c = await check();
      if (c.leaf.serialNumber !== serial) throw new Error(`the Gateway already serves serial ${c.leaf.serialNumber}`);
      return c.ocsp === 'revoked' && c.onCrl ? c : undefined;
    }, { timeoutMs: WAIT_MS, what: `Vault's OCSP responder and CRL to say serial ${serial} is revoked`, signal: run.ctx.signal }));
    run.check('Vault\'s OCSP responder says revoked', refused.ocsp === 'revoked');
    run.check('Vault\'s CRL lists the served serial', refused.onCrl);
    run.check('a client that checks revocation refuses the served certificate', !refused.accepted);
    run.timeline(subject, 'refused', Date.now(), 'OCSP revoked, on the CRL');

    let triggeredAt = 0;
    const probe = { servername: listenerServername(listener, before.leaf), anchor: await platform.trustAnchor(layout.issuers.vault) };
    const renewal = await run.step('renewal forced (Issuing=True, ManuallyTriggered), the new certificate served', () => followRenewal(platform, layout.namespace, listener.secret, probe, WAIT_MS, run.ctx.signal, async () => {
      triggeredAt = await forceRenewal(kubeCluster, layout.namespace, layout.privateCertificate);
    }));
    run.timeline(subject, 'renewal triggered', triggeredAt);
    run.timeline(subject, 'renewed', renewal.renewedAt, `serial ${renewal.newLeaf.serialNumber}`);
    run.timeline(subject, 'replaced', renewal.servedAt, `serial ${renewal.served.serial}`);
    const trusted = await run.step('the client accepts the new certificate', () => pollUntil(async () => {
      const c = await check();
      return c.accepted && c.leaf.serialNumber !== serial ? { at: Date.now(), check: c } : undefined;
    }, { timeoutMs: WAIT_MS, what: 'a certificate that is not revoked served by the private Gateway', signal: run.ctx.signal }));
    run.timeline(subject, 'trusted', trusted.at, `serial ${trusted.check.leaf.serialNumber}, OCSP ${trusted.check.ocsp}`);
    run.check('the new certificate verifies, OCSP says good and the CRL does not list it', trusted.check.ocsp === 'good' && !trusted.check.onCrl, `serial ${trusted.check.leaf.serialNumber}`);
    run.figure('revocation to a trusted certificate served (time to remediate)', trusted.at - revokedAt, 'ms', { threshold: { op: '<=', value: run.ctx.config.targets.revocationRemediationMs } });
    run.figure('renewal trigger to served', renewal.servedAt - triggeredAt, 'ms');
    run.note('served chain, revoked', describeChain(refused.served.served.certificates));
    run.note('served chain, its replacement', describeChain(trusted.check.served.served.certificates));
    run.note('how the client checks revocation', [
      'It verifies the chain the Gateway serves against the offline root only, then asks Vault\'s OCSP responder',
      `(POST /v1/${ISSUER_MOUNT}/ocsp, the response verified with the issuing CA's key) and fetches the CRL`,
      `(/v1/${ISSUER_MOUNT}/crl); either saying revoked makes it refuse. cert-manager does not watch revocation:`,
      'the renewal that replaces the certificate is the operator\'s, forced as `cmctl renew` does it.',
    ].join('\n'));
  },
};
