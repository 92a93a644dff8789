import { createCsr } from '../lab/pki/csr.ts';
import { normalizeSerial } from '../lab/pki/crl.ts';
import { parseCertificates, verifyChain } from '../lab/pki/verify.ts';
import type { Scenario } from '../lab/runner/scenario.ts';
import { loginAs } from '../lab/vault/approle.ts';
import { activeEndpoint } from '../lab/vault/cluster.ts';
import { signCsr, type SignedLeaf } from '../lab/vault/issue.ts';
import { CERT_MANAGER_APPROLE, ISSUER_MOUNT } from '../lab/vault/pki-layout.ts';
import { fetchCrl, rebuildCrl, revoke, startTidy } from '../lab/vault/revocation.ts';
import { rotateIntermediate } from '../lab/vault/rotation.ts';
import { pollUntil } from '../lab/host/wait.ts';
import { cluster } from './support.ts';

function describeChain(chain: { subject: string; serialNumber: string }[]): string {
  return chain.map((c, i) => `${'  '.repeat(i)}${c.subject}  (serial ${c.serialNumber})`).join('\n');
}

/**
 * Revocation as operators do it: issue, revoke some, rebuild the CRL, fetch it as clients do and check it
 * lists exactly the revoked serials; tidy. Then rotate the intermediate under the offline root: issuance
 * goes on under the new one and what the old one issued still verifies.
 */
export const pkiRevocation: Scenario = {
  name: 'pki-revocation',
  description: 'Issue, revoke some, rebuild and fetch the CRL (DER and PEM), exactly the revoked serials listed; tidy; rotate the intermediate, both chains verify.',
  needs: ['vault'],
  async run(run) {
    const c = await cluster(run);
    const endpoint = await activeEndpoint(c);
    const admin = c.admin(endpoint);
    const { client } = await loginAs(run.ctx.paths, endpoint, c.ca, CERT_MANAGER_APPROLE);
    const count = run.quick ? 6 : 20;
    const leaves = await run.step(`issue ${count} leaves`, async () => {
      const out: SignedLeaf[] = [];
      for (let i = 0; i < count; i++) {
        const { csrPem } = await createCsr([`revocation-${i}.lab.test`]);
        out.push(await signCsr(client, csrPem, `revocation-${i}.lab.test`));
      }
      return out;
    });
    const revoked = leaves.filter((_, i) => i % 3 === 0);
    await run.step(`revoke ${revoked.length}`, async () => { for (const l of revoked) await revoke(admin, ISSUER_MOUNT, l.serial); });
    await run.step('rebuild the CRL', () => rebuildCrl(admin, ISSUER_MOUNT));
    const t0 = Date.now();
    const crls = await run.step('fetch the CRL (DER and PEM)', () => fetchCrl(c.http, endpoint, ISSUER_MOUNT));
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

    const tidyStarted = Date.now();
    await run.step('tidy the certificate store', async () => {
      await startTidy(c.http, endpoint, c.rootToken, ISSUER_MOUNT, { tidy_cert_store: true, tidy_revoked_certs: true, safety_buffer: '72h' });
      await pollUntil(async () => {
        const status = (await admin.read(`${ISSUER_MOUNT}/tidy-status`)).data;
        if (status.state === 'Error') throw new Error(`tidy failed: ${status.error}`);
        return status.state === 'Finished' ? true : undefined;
      }, { timeoutMs: 60_000, what: 'tidy to finish', intervalMs: 200 });
    });
    run.figure('tidy', Date.now() - tidyStarted, 'ms');

    const rotation = await run.step('rotate the intermediate (signed by the offline root)', () => rotateIntermediate(admin, c.pki, `CN=certlab Intermediate CA ${new Date().toISOString().slice(0, 10)} rotated, O=certlab`));
    const { csrPem } = await createCsr(['after-rotation.lab.test']);
    const after = await run.step('issue under the new intermediate', () => signCsr(client, csrPem, 'after-rotation.lab.test'));
    const newChain = await verifyChain(parseCertificates(after.certificate)[0]!, [...after.caChain.flatMap(parseCertificates), rotation.intermediate.cert], c.pki.root.cert);
    run.check('a new leaf chains through the new intermediate to the offline root', newChain[2]?.serialNumber === rotation.intermediate.cert.serialNumber, describeChain(newChain));
    const old = leaves[1]!;
    const oldChain = await verifyChain(parseCertificates(old.certificate)[0]!, [...old.caChain.flatMap(parseCertificates), c.pki.intermediate.cert], c.pki.root.cert);
    run.check('a leaf from before the rotation still verifies under the old intermediate', oldChain[2]?.serialNumber === c.pki.intermediate.cert.serialNumber, describeChain(oldChain));
    run.note('chain before the rotation', describeChain(oldChain));
    run.note('chain after the rotation', describeChain(newChain));
    c.http.close();
  },
};
