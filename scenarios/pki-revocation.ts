import { normalizeSerial } from '../lab/pki/crl.ts';
import { parseCertificates, verifyChain } from '../lab/pki/verify.ts';
import type { Scenario } from '../lab/runner/scenario.ts';
import { loginAs } from '../lab/vault/approle.ts';
import { activeEndpoint } from '../lab/vault/cluster.ts';
import { countAuditRequests } from '../lab/vault/audit.ts';
import { useVaultCluster } from '../lab/vault/connect.ts';
import { issueLeaves, listedSerials } from '../lab/vault/issue.ts';
import { CERT_MANAGER_APPROLE, ISSUER_MOUNT } from '../lab/vault/pki-layout.ts';
import { allExpired, fetchCrl, rebuildCrl, revoke, tidy } from '../lab/vault/revocation.ts';
import { rotateIntermediate } from '../lab/vault/rotation.ts';

function describeChain(chain: { subject: string; serialNumber: string }[]): string {
  return chain.map((c, i) => `${'  '.repeat(i)}${c.subject}  (serial ${c.serialNumber})`).join('\n');
}

/**
 * Revocation as operators do it: issue, revoke some, rebuild the CRL, fetch it as clients do and check it
 * lists exactly the revoked serials. Tidy, shown to work: expired leaves (one of them revoked) leave the
 * store and the CRL, what has not expired stays. Then rotate the intermediate under the offline root:
 * issuance goes on under the new one and what the old one issued still verifies.
 */
export const pkiRevocation: Scenario = {
  name: 'pki-revocation',
  description: 'Issue, revoke some, rebuild and fetch the CRL (DER and PEM), exactly the revoked serials listed; tidy removes expired leaves from store and CRL; rotate the intermediate, both chains verify.',
  needs: ['vault'],
  async run(run) {
    const startedAt = new Date();
    const vaultCluster = await useVaultCluster(run.ctx);
    const domain = run.ctx.config.domains.private;
    const endpoint = await activeEndpoint(vaultCluster);
    const admin = vaultCluster.admin(endpoint);
    const { client } = await loginAs(run.ctx.paths, endpoint, vaultCluster.ca, CERT_MANAGER_APPROLE);
    const count = run.quick ? 6 : 20;
    const leaves = await run.step(`issue ${count} leaves`, () => issueLeaves(client, 'revocation', domain, count));
    const revoked = leaves.filter((_, i) => i % 3 === 0);
    await run.step(`revoke ${revoked.length}`, async () => { for (const l of revoked) await revoke(admin, ISSUER_MOUNT, l.serial); });
    await run.step('rebuild the CRL', () => rebuildCrl(admin, ISSUER_MOUNT));
    const t0 = Date.now();
    const crls = await run.step('fetch the CRL (DER and PEM)', () => fetchCrl(vaultCluster.http, endpoint, ISSUER_MOUNT));
    run.figure('CRL fetch', Date.now() - t0, 'ms');
    const want = new Set(revoked.map((l) => normalizeSerial(l.serial)));
    const issuedHere = new Set(leaves.map((l) => normalizeSerial(l.serial)));
    for (const [form, parsed] of Object.entries(crls)) {
      const listed = [...parsed.serials].filter((s) => issuedHere.has(s));
      const missing = [...want].filter((s) => !parsed.serials.has(s));
      const extra = listed.filter((s) => !want.has(s));
      run.check(`${form} CRL lists exactly the revoked serials`, missing.length === 0 && extra.length === 0, `missing ${missing.length}, not revoked but listed ${extra.length}, entries ${parsed.serials.size}`);
    }
    const issuing = parseCertificates(leaves[0]!.caChain[0]!)[0]!;
    run.check('the CRL is signed by the issuing CA', await crls.der.crl.verify({ publicKey: issuing.publicKey }));
    run.figure('CRL entries', crls.der.serials.size, 'count');

    // Tidy's effect, not just its run: leaves that expired (one revoked) go, the rest stay.
    const shortLived = await run.step('issue 3 leaves valid for 5 s and revoke one', async () => {
      const out = await issueLeaves(client, 'short-lived', domain, 3, '5s');
      await revoke(admin, ISSUER_MOUNT, out[0]!.serial);
      await rebuildCrl(admin, ISSUER_MOUNT);
      return out;
    });
    await run.step('they expire', () => allExpired(shortLived, run.ctx.signal));
    const tidyStarted = Date.now();
    await run.step('tidy the store and the revocation list (safety buffer 1 s)', () => tidy(vaultCluster.http, endpoint, admin, ISSUER_MOUNT, { tidy_cert_store: true, tidy_revoked_certs: true, safety_buffer: '1s' }, run.ctx.signal));
    run.figure('tidy', Date.now() - tidyStarted, 'ms');
    await run.step('rebuild the CRL after tidy', () => rebuildCrl(admin, ISSUER_MOUNT));
    const [stored, afterTidy] = await Promise.all([listedSerials(admin), fetchCrl(vaultCluster.http, endpoint, ISSUER_MOUNT)]);
    const expiredLeft = shortLived.filter((l) => stored.has(normalizeSerial(l.serial)));
    run.check('tidy removed the expired leaves from the store', expiredLeft.length === 0, `${expiredLeft.length} of ${shortLived.length} still stored`);
    run.check('tidy removed the expired revoked leaf from the CRL', !afterTidy.der.serials.has(normalizeSerial(shortLived[0]!.serial)), shortLived[0]!.serial);
    const keptRevoked = revoked.filter((l) => afterTidy.der.serials.has(normalizeSerial(l.serial)));
    run.check('tidy kept the revoked leaves that have not expired', keptRevoked.length === revoked.length, `${keptRevoked.length} of ${revoked.length} still listed`);

    const rotation = await run.step('rotate the intermediate (signed by the offline root)', () => rotateIntermediate(admin, vaultCluster.pki, `CN=certlab Intermediate CA ${new Date().toISOString().slice(0, 10)} rotated, O=certlab`));
    const [after] = await run.step('issue under the new intermediate', () => issueLeaves(client, 'after-rotation', domain, 1));
    const newChain = await verifyChain(parseCertificates(after!.certificate)[0]!, [...after!.caChain.flatMap(parseCertificates), rotation.intermediate.cert], vaultCluster.pki.root.cert);
    run.check('a new leaf chains through the new intermediate to the offline root', newChain[2]?.serialNumber === rotation.intermediate.cert.serialNumber, describeChain(newChain));
    const old = leaves[1]!;
    const oldChain = await verifyChain(parseCertificates(old.certificate)[0]!, [...old.caChain.flatMap(parseCertificates), vaultCluster.pki.intermediate.cert], vaultCluster.pki.root.cert);
    // The old intermediate is the lab's first one, or the one an earlier run of this scenario rotated to.
    run.check('a leaf from before the rotation still verifies under the old intermediate', !!oldChain[2] && oldChain[2].serialNumber !== rotation.intermediate.cert.serialNumber, describeChain(oldChain));
    // Vault's own record of the work: every leaf this scenario signed is one sign request in the audit log.
    const signed = count + shortLived.length + 1;
    const logged = await run.step('count the sign requests in Vault\'s audit log', () => countAuditRequests(run.ctx.paths, vaultCluster.topology, { since: startedAt, path: new RegExp(`^${ISSUER_MOUNT}/sign/`), type: 'request' }));
    run.figure('sign requests in Vault\'s audit log', logged, 'count');
    run.check('Vault\'s audit log has one sign request per leaf signed', logged === signed, `${logged} logged, ${signed} signed`);
    run.note('chain before the rotation', describeChain(oldChain));
    run.note('chain after the rotation', describeChain(newChain));
  },
};
