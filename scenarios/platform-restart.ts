import { pollUntil } from '../lab/host/wait.ts';
import { waitCertManagerReady } from '../lab/kube/index.ts';
import { restartGatewayController, restartKindNodes } from '../lab/kube/node-restart.ts';
import { connectPlatform, platformHandle, waitCertificatesReady, waitIssuersReady, waitListenersServe, waitPublicNames } from '../lab/platform/index.ts';
import { forceRenewal } from '../lab/platform/forced-renewal.ts';
import { certificateManifest, revisions, waitRenewed } from '../lab/platform/scenario-certificates.ts';
import type { Scenario } from '../lab/runner/scenario.ts';

const WAIT_MS = 300_000;

/**
 * Issue 10 item 5. The kind node restarted (the control plane and every pod with it), then the Gateway
 * controller alone. What a user of the Gateways sees: certificates survive (the same serials are served
 * afterwards, nothing is re-issued), the issuers become Ready again, the Gateways serve again; timed from
 * the restart to each.
 */
export const platformRestart: Scenario = {
  name: 'platform-restart',
  description: 'The kind node restarted (control plane and every pod), then Traefik alone: certificates survive, issuers Ready again, Gateways serve again; time to serving and to issuance working.',
  needs: ['platform'],
  // It restarts the node containers: never on a cluster the lab did not make.
  labMadeOnly: { kubeCluster: 'restarts the Kubernetes node and the Gateway controller' },
  async run(run) {
    const { ctx } = run;
    const { targets, domains } = ctx.config;
    const platform = await connectPlatform(ctx);
    const { layout, kubeCluster } = platform;
    const listeners = await platform.listeners();
    const namespace = await run.step('a namespace for the scenario\'s Certificates', () => kubeCluster.useNamespace('incident-platform-restart'));
    await run.step('every Gateway listener serves', () => waitListenersServe(ctx, platform, listeners, 60_000));
    const servedBefore = new Map(await Promise.all(listeners.map(async (l) => [l.secret, (await platform.served(l, ctx.signal)).served.serial] as const)));

    const restartAt = Date.now();
    const restart = await run.step('restart the kind node (control plane and every pod)', () => restartKindNodes(ctx, kubeCluster, WAIT_MS));
    run.figure('restart to API server answering, node Ready', Date.now() - restartAt, 'ms');
    const after = platformHandle(ctx, restart.kubeCluster);
    await run.step('the Gateways serve again', () => waitListenersServe(ctx, after, listeners, WAIT_MS));
    run.figure('restart to every Gateway listener serving', Date.now() - restartAt, 'ms', { labels: { objective: 'RTO' }, threshold: { op: '<=', value: targets.platformRestartServeMs } });
    // Their Ready status is kept in etcd across the restart: it says nothing about cert-manager running.
    await run.step('the ClusterIssuers Ready', () => waitIssuersReady(after.kubeCluster, layout, WAIT_MS));
    await run.step('cert-manager and its webhook available again', () => waitCertManagerReady(after.kubeCluster, WAIT_MS));

    const probe = certificateManifest({ name: 'after-restart', namespace, issuer: layout.issuers.vault, dnsNames: [`after-restart.${domains.private}`] });
    await run.step('a new Certificate from vault-private', async () => {
      // The webhook admits the Certificate only once it serves again: that answer is the signal.
      await pollUntil(async () => (await after.kubeCluster.apply([probe]), true), { timeoutMs: WAIT_MS, intervalMs: 500, what: 'the cert-manager webhook to admit a Certificate', ...(ctx.signal ? { signal: ctx.signal } : {}) });
      await waitCertificatesReady(after.kubeCluster, namespace, ['after-restart'], WAIT_MS);
    });
    run.figure('restart to a new Vault Certificate issued', Date.now() - restartAt, 'ms');
    const renewedListener = listeners.find((l) => l.gateway === layout.gateways.public)!;
    const before = await revisions(after.kubeCluster, layout.namespace, [renewedListener.secret]);
    await run.step(`forced renewal of ${renewedListener.secret} by HTTP-01 through the public Gateway`, async () => {
      await forceRenewal(after.kubeCluster, layout.namespace, [renewedListener.secret]);
      await waitRenewed(after.kubeCluster, layout.namespace, before, WAIT_MS);
    });
    run.figure('restart to an HTTP-01 renewal done', Date.now() - restartAt, 'ms');

    const moved = restart.addresses.filter((a) => a.before !== a.after);
    run.note('node addresses on the lab network', restart.addresses.map((a) => `${a.node}: ${a.before ?? '?'} → ${a.after ?? '?'}`).join('\n')
      + (moved.length ? '\nThe address moved: External-DNS must publish the new one.' : '\nUnchanged: Docker gave the restarted node its address back.'));
    const unchanged = listeners.filter((l) => l.secret !== renewedListener.secret);
    const survived = await Promise.all(unchanged.map(async (l) => ({ l, serial: (await after.served(l, ctx.signal)).served.serial })));
    const reissued = survived.filter((s) => s.serial !== servedBefore.get(s.l.secret));
    run.check('certificates survive the restart: the same serials are served, none re-issued', reissued.length === 0,
      reissued.length ? `new serials on ${reissued.map((s) => s.l.secret).join(', ')}` : survived.map((s) => `${s.l.secret} ${s.serial}`).join(', '));
    await run.step('the public names published at the Gateway', () => waitPublicNames(ctx, after, listeners.filter((l) => l.gateway === layout.gateways.public).map((l) => l.hostname), WAIT_MS));

    const controllerAt = Date.now();
    const pods = await run.step('restart the Gateway controller alone (Traefik pods deleted)', () => restartGatewayController(after.kubeCluster, WAIT_MS));
    await run.step('the Gateways serve again after the Traefik restart', () => waitListenersServe(ctx, after, listeners, WAIT_MS));
    run.figure('Traefik restart to every Gateway listener serving', Date.now() - controllerAt, 'ms', { threshold: { op: '<=', value: targets.platformRestartServeMs } });
    run.note('Traefik restart', `pods ${pods.old.join(', ')} deleted; ${pods.fresh.join(', ')} took over.`);
    run.note('operational lesson', [
      'Certificates live in Secrets (etcd), not in the pods: a restart of the whole node re-issues nothing, and the Gateways serve the same certificates once Traefik has reloaded them.',
      'The outage a client sees is the time until Traefik runs again and has read the Secrets; issuance resumes when cert-manager and its webhook are back (until then the API refuses Certificates: "failed calling webhook \\"webhook.cert-manager.io\\" ... connection refused").',
      'ClusterIssuers keep their Ready status across the restart (it is stored in etcd, and cert-manager v1.11 sets it again without a transition): Ready says nothing about cert-manager running. Watch issuance itself.',
      'Runbook: after a cluster restart, wait for the Gateways to serve (a TLS handshake against each listener), not for pods Running.',
    ].join('\n'));
  },
};
