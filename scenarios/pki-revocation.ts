import { normalizeSerial } from '../lab/pki/crl.ts';
import { parseCertificates, verifyChain } from '../lab/pki/verify.ts';
import type { Scenario } from '../lab/runner/scenario.ts';
import { countAuditRequests } from '../lab/vault/audit.ts';
import { useVaultPki } from '../lab/vault/connect.ts';
import { issueLeaves, listedSerials } from '../lab/vault/issue.ts';
import { allExpired, fetchCrl, rebuildCrl, revoke, tidy } from '../lab/vault/revocation.ts';
import { rotateIntermediate } from '../lab/vault/rotation.ts';

function describeChain(chain: { subject: string; serialNumber: string }[]): string {
  return chain.map((c, i) => `${'  '.repeat(i)}${c.subject}  (serial ${c.serialNumber})`).join('\n');
}

/**
 * Revocation as operators do it: issue, revoke some, rebuild the CRL, fetch it as clients do and check it
 * lists exactly the revoked serials. Tidy, shown to work: expired leaves (one of them revoked) leave the
 * store and the CRL, what has not expired stays. Then rotate the intermediate under the offline root:
 * issuance goes on under the new one and what the old one issued still verifies. Runs on the lab's own
 * Vault and on the user's (vault.address), under the lab's mounts there.
 */
export const pkiRevocation: Scenario = {
  name: 'pki-revocation',
  description: 'Issue, revoke some, rebuild and fetch the CRL (DER and PEM), exactly the revoked serials listed; tidy removes expired leaves from store and CRL; rotate the intermediate, both chains verify.',
  needs: ['vault'],
  async run(run) {
    const startedAt = new Date();
    const vault = await useVaultPki(run.ctx);
    const { endpoint, admin, layout, pki } = vault;
    const { issuerMount } = layout;
    const domain = run.ctx.config.domains.private;
    const { client } = await vault.login(layout.certManagerAppRole);
    const issue = (prefix: string, n: number, ttl?: string) => issueLeaves(client, prefix, domain, n, ttl, layout);
    const count = run.quick ? 6 : 20;
    const leaves = await run.step(`issue ${count} leaves`, () => issue('revocation', count));
    const revoked = leaves.filter((_, i) => i % 3 === 0);
    await run.step(`revoke ${revoked.length}`, async () => { for (const l of revoked) await revoke(admin, issuerMount, l.serial); });
    await run.step('rebuild the CRL', () => rebuildCrl(admin, issuerMount));
    const t0 = Date.now();
    const crls = await run.step('fetch the CRL (DER and PEM)', () => fetchCrl(vault.http, endpoint, issuerMount));
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
      const out = await issue('short-lived', 3, '5s');
      await revoke(admin, issuerMount, out[0]!.serial);
      await rebuildCrl(admin, issuerMount);
      return out;
    });
    await run.step('they expire', () => allExpired(shortLived, run.ctx.signal));
    const tidyStarted = Date.now();
    await run.step('tidy the store and the revocation list (safety buffer 1 s)', () => tidy(vault.http, endpoint, admin, issuerMount, { tidy_cert_store: true, tidy_revoked_certs: true, safety_buffer: '1s' }, run.ctx.signal));
    run.figure('tidy', Date.now() - tidyStarted, 'ms');
    await run.step('rebuild the CRL after tidy', () => rebuildCrl(admin, issuerMount));
    const [stored, afterTidy] = await Promise.all([listedSerials(admin, layout), fetchCrl(vault.http, endpoint, issuerMount)]);
    const expiredLeft = shortLived.filter((l) => stored.has(normalizeSerial(l.serial)));
    run.check('tidy removed the expired leaves from the store', expiredLeft.length === 0, `${expiredLeft.length} of ${shortLived.length} still stored`);
    run.check('tidy removed the expired revoked leaf from the CRL', !afterTidy.der.serials.has(normalizeSerial(shortLived[0]!.serial)), shortLived[0]!.serial);
    const keptRevoked = revoked.filter((l) => afterTidy.der.serials.has(normalizeSerial(l.serial)));
    run.check('tidy kept the revoked leaves that have not expired', keptRevoked.length === revoked.length, `${keptRevoked.length} of ${revoked.length} still listed`);

    const rotation = await run.step('rotate the intermediate (signed by the offline root)', () => rotateIntermediate(admin, pki, `CN=certlab Intermediate CA ${new Date().toISOString().slice(0, 10)} rotated, O=certlab`, layout));
    const [after] = await run.step('issue under the new intermediate', () => issue('after-rotation', 1));
    const newChain = await verifyChain(parseCertificates(after!.certificate)[0]!, [...after!.caChain.flatMap(parseCertificates), rotation.intermediate.cert], pki.root.cert);
    run.check('a new leaf chains through the new intermediate to the offline root', newChain[2]?.serialNumber === rotation.intermediate.cert.serialNumber, describeChain(newChain));
    const old = leaves[1]!;
    const oldChain = await verifyChain(parseCertificates(old.certificate)[0]!, [...old.caChain.flatMap(parseCertificates), pki.intermediate.cert], pki.root.cert);
    // The old intermediate is the lab's first one, or the one an earlier run of this scenario rotated to.
    run.check('a leaf from before the rotation still verifies under the old intermediate', !!oldChain[2] && oldChain[2].serialNumber !== rotation.intermediate.cert.serialNumber, describeChain(oldChain));
    // Vault's own record of the work: every leaf this scenario signed is one sign request in the audit log.
    const signed = count + shortLived.length + 1;
    if (vault.vaultCluster) {
      const topology = vault.vaultCluster.topology;
      const logged = await run.step('count the sign requests in Vault\'s audit log', () => countAuditRequests(run.ctx.paths, topology, { since: startedAt, path: new RegExp(`^${issuerMount}/sign/`), type: 'request' }));
      run.figure('sign requests in Vault\'s audit log', logged, 'count');
      run.check('Vault\'s audit log has one sign request per leaf signed', logged === signed, `${logged} logged, ${signed} signed`);
    } else {
      run.note('audit log', `not counted: the audit log of a Vault the lab did not make is its operator's (${signed} leaves signed under ${issuerMount})`);
    }
    run.note('chain before the rotation', describeChain(oldChain));
    run.note('chain after the rotation', describeChain(newChain));
  },
};
