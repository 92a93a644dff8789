import { vaultErrorText } from '../lab/vault/api.ts';
import { normalizeSerial } from '../lab/pki/crl.ts';
import { connectPlatform, waitCertificatesReady, waitListenersServe } from '../lab/platform/index.ts';
import { restartIssuance } from '../lab/platform/forced-renewal.ts';
import { resyncIssuers } from '../lab/platform/issuer-sync.ts';
import { certificateManifest, issueCertificateSet, leafSerial, revisions, waitRenewed } from '../lab/platform/scenario-certificates.ts';
import type { Scenario } from '../lab/runner/scenario.ts';
import { loginAs } from '../lab/vault/approle.ts';
import { activeEndpoint } from '../lab/vault/cluster.ts';
import { useVaultCluster } from '../lab/vault/connect.ts';
import { listedSerials } from '../lab/vault/issue.ts';
import { CERT_MANAGER_APPROLE, ISSUER_MOUNT, SNAPSHOT_APPROLE } from '../lab/vault/pki-layout.ts';
import { destroyRaftNodes, restoreIntoFreshCluster } from '../lab/vault/restore.ts';
import { revoke } from '../lab/vault/revocation.ts';
import { loadSecret } from '../lab/vault/secrets.ts';
import { takeSnapshot } from '../lab/vault/snapshot.ts';
import { SnapshotStore } from '../lab/vault/snapshot-store.ts';

const WAIT_MS = 180_000;
const RETAIN = 30;

/**
 * Issue 10 item 6: the snapshot restore with cert-manager watching. Certificates issued in the cluster
 * after the snapshot (the private Gateway's among them) are still served after the restore, but Vault no
 * longer knows their serials, so it cannot revoke them; the drill lists them and applies the remedy (their
 * renewal forced), and shows the Vault issuer working again after the restore without reconfiguration.
 */
export const vaultRestoreCertManager: Scenario = {
  name: 'vault-restore-cert-manager',
  description: 'Vault snapshot restore while cert-manager issues: certificates issued after the snapshot still served but unknown to Vault (not revocable), listed and renewed; the issuer works again without reconfiguration.',
  needs: ['platform'],
  labMadeOnly: { vault: 'destroys the Vault cluster and restores it from a snapshot' },
  async run(run) {
    const { ctx } = run;
    const { targets, domains } = ctx.config;
    const platform = await connectPlatform(ctx);
    const { layout, kubeCluster } = platform;
    let vaultCluster = await useVaultCluster(ctx);
    const namespace = await run.step('a namespace for the scenario\'s Certificates', () => kubeCluster.useNamespace('incident-restore'));
    const privateListener = (await platform.listeners()).find((l) => l.gateway === layout.gateways.private)!;
    const secretIdBefore = (await loadSecret(ctx.paths, 'approles'))?.[CERT_MANAGER_APPROLE]?.secretId;

    const endpoint = await activeEndpoint(vaultCluster);
    const agent = await loginAs(ctx.paths, endpoint, vaultCluster.ca, SNAPSHOT_APPROLE);
    const snapshot = await run.step('snapshot by the snapshot-agent AppRole', () => takeSnapshot(vaultCluster.http, endpoint, agent.token));
    const stored = await run.step(`store it (newest ${RETAIN} kept)`, () => new SnapshotStore(ctx.paths.snapshots, RETAIN).put(snapshot));

    const count = run.quick ? 3 : 10;
    const names = await run.step(`${count} Certificates issued after the snapshot`, () => issueCertificateSet(kubeCluster, 'after-snapshot', count, namespace, layout.issuers.vault, domains.private, WAIT_MS));
    const privateRevision = await revisions(kubeCluster, layout.namespace, [layout.privateCertificate]);
    await run.step(`${layout.privateCertificate} renewed after the snapshot`, async () => {
      await restartIssuance(kubeCluster, layout.namespace, [layout.privateCertificate]);
      await waitRenewed(kubeCluster, layout.namespace, privateRevision, WAIT_MS);
    });
    const afterSnapshot = new Map<string, string>();
    for (const n of names) afterSnapshot.set(`${namespace}/${n}`, await leafSerial(kubeCluster, namespace, `${n}-tls`));
    // Traefik serves the renewed certificate once it has read the Secret.
    await run.step('the private Gateway serves its new certificate', () => waitListenersServe(ctx, platform, [privateListener], WAIT_MS));
    const privateServed = await platform.served(privateListener, ctx.signal);
    afterSnapshot.set(`${layout.namespace}/${layout.privateCertificate}`, privateServed.served.serial);
    const knownBefore = await listedSerials(vaultCluster.admin(await activeEndpoint(vaultCluster)));
    run.check('Vault lists every serial issued after the snapshot (before the restore)', [...afterSnapshot.values()].every((s) => knownBefore.has(normalizeSerial(s))), `${afterSnapshot.size} serials`);

    await run.step('destroy the Vault cluster and its volumes', () => destroyRaftNodes(ctx));
    const destroyedAt = Date.now();
    const restored = await restoreIntoFreshCluster(ctx, snapshot, (name, work) => run.step(`restore: ${name}`, work));
    ctx.releases.defer('close the restored cluster\'s connections', () => restored.http.close());
    vaultCluster = restored;
    run.figure('RTO (destroyed to restored, every voter healthy)', Date.now() - destroyedAt, 'ms', { threshold: { op: '<=', value: targets.restoreRtoMs } });

    const admin = restored.admin(await activeEndpoint(restored));
    const known = await listedSerials(admin);
    const unknown = [...afterSnapshot].filter(([, s]) => !known.has(normalizeSerial(s)));
    const stillServed = await run.step('the private Gateway still serves the certificate issued after the snapshot', () => platform.served(privateListener, ctx.signal));
    run.check('certificates issued after the snapshot are still served', stillServed.served.serial === privateServed.served.serial, stillServed.served.serial);
    run.check('Vault no longer knows their serials', unknown.length === afterSnapshot.size, `${unknown.length} of ${afterSnapshot.size} unknown`);
    const revokeAnswer = await revoke(admin, ISSUER_MOUNT, privateServed.served.serial).then(() => 'accepted', (e: unknown) => vaultErrorText(e));
    run.note('certificates Vault cannot revoke after the restore', [
      ...unknown.map(([name, serial]) => `${name}: serial ${serial}`),
      `revoke ${privateServed.served.serial} on ${ISSUER_MOUNT}: ${revokeAnswer}`,
      `remedy: force the renewal of each (cmctl renew), so what is served again is known to Vault and revocable.`,
    ].join('\n'));

    const secretIdAfter = (await loadSecret(ctx.paths, 'approles'))?.[CERT_MANAGER_APPROLE]?.secretId;
    const probeAt = Date.now();
    const probe = certificateManifest({ name: 'after-restore', namespace, issuer: layout.issuers.vault, dnsNames: [`after-restore.${domains.private}`] });
    const worked = await run.step('a new Certificate from vault-private, the issuer untouched', async () => {
      await kubeCluster.apply([probe]);
      return waitCertificatesReady(kubeCluster, namespace, ['after-restore'], 60_000).then(() => true, () => false);
    });
    run.check('the issuer works after the restore without reconfiguration', worked, worked ? `issued in ${Date.now() - probeAt} ms; the AppRole secret ID came back with the snapshot (${secretIdAfter === secretIdBefore ? 'unchanged' : 'changed'})` : 'not issued within 60 s');
    if (!worked) await run.step('re-sync the issuers with the lab\'s AppRole secret ID', () => resyncIssuers(ctx, kubeCluster));

    const renewAt = Date.now();
    const before = await revisions(kubeCluster, namespace, names);
    await run.step('remedy: renewal forced for every certificate Vault does not know', async () => {
      await restartIssuance(kubeCluster, namespace, names);
      const priv = await revisions(kubeCluster, layout.namespace, [layout.privateCertificate]);
      await restartIssuance(kubeCluster, layout.namespace, [layout.privateCertificate]);
      await Promise.all([waitRenewed(kubeCluster, namespace, before, WAIT_MS), waitRenewed(kubeCluster, layout.namespace, priv, WAIT_MS)]);
    });
    run.figure('remedy: forced renewal to every certificate known to Vault', Date.now() - renewAt, 'ms');
    await run.step('the private Gateway serves the renewed certificate', () => waitListenersServe(ctx, platform, [privateListener], WAIT_MS));
    const served = await platform.served(privateListener, ctx.signal);
    const knownNow = await listedSerials(restored.admin(await activeEndpoint(restored)));
    const renewedSerials = [served.served.serial, ...await Promise.all(names.map((n) => leafSerial(kubeCluster, namespace, `${n}-tls`)))];
    run.check('after the remedy Vault knows every served serial', renewedSerials.every((s) => knownNow.has(normalizeSerial(s))), `${renewedSerials.length} serials`);
    run.note('restore', `snapshot ${stored} (${snapshot.length} bytes) restored into a fresh ${restored.topology.nodes.length}-node cluster.`);
    run.note('operational lesson', [
      'A Vault restore rolls the PKI back to the snapshot: every certificate issued since is still valid and served, but Vault has no record of it, so it cannot be revoked and does not appear in Vault\'s inventory or CRL tooling.',
      'The list of those certificates comes from the cluster (Secrets issued after the snapshot), not from Vault. Runbook: after a restore, force the renewal of every Certificate issued after the snapshot time; the Vault issuer needs no change when the snapshot carries the AppRole and its secret ID (re-sync the issuer Secret when it does not).',
    ].join('\n'));
  },
};
