// The reference platform, brought up from nothing as `certlab up` does (dns, acme, vault, the kind cluster,
// the platform) on a lab of its own, then checked as a user of the reference setup would: each Gateway
// serves, to a TLS client on this machine that verifies, the certificate its Secret holds, chained to the
// right root; the Secrets keep cert-manager's contract; External-DNS's records answer through the lab's
// resolver; pods resolve and reach the lab's services; the DNS-01 issuer gets a wildcard.
// Skips (printing SKIPPED) when an image or the means to build kind is missing; never passes without running.
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pebbleRoots } from '../../lab/acme/index.ts';
import { resolveComponents } from '../../lab/components.ts';
import type { LabContext } from '../../lab/context.ts';
import { labDns, resolveA } from '../../lab/dns/index.ts';
import { fetchServedChain } from '../../lab/host/tls-probe.ts';
import { imageByKey } from '../../lab/images/catalog.ts';
import { CERT_MANAGER_DNS01_WAIT_S, certManagerChart, ensureKubernetesTools, findLabKubeClusters, kindNodes, kubeClusterLayout, kubeClusterStatus, throughputArgs, type KubeObject } from '../../lab/kube/index.ts';
import { runCommand } from '../../lab/host/command.ts';
import { bringUp } from '../../lab/lifecycle/up.ts';
import { pkiFiles } from '../../lab/pki/lab-pki.ts';
import {
  certificateManifest, checkTlsSecret, connectPlatform, platformStatus, waitCertificatesReady, watchCertificatesReady, type HttpsListener, type Platform,
} from '../../lab/platform/index.ts';
import { announceSkip, platformSkipReason, removePlatformLab, upPlatformLab } from './support.ts';

const LAB = 'pftest';
const SUBNET = '172.29.121.0/24';

const CONFIG = { vault: { nodes: 3 } };
const reason = platformSkipReason(CONFIG);
announceSkip('the reference platform (issuers, Gateways, External-DNS)', reason);

/** GET over HTTPS to the Gateway with SNI, verifying against `ca` only. */
function httpsGet(host: string, servername: string, path: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port: 443, servername, ca, timeout: 5_000 }, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
    });
    let raw = '';
    s.on('data', (d) => { raw += d.toString(); });
    s.on('end', () => {
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0), body: rest.join('\r\n\r\n') });
    });
    s.on('timeout', () => s.destroy(new Error('timeout')));
    s.on('error', reject);
  });
}

describe.skipIf(reason)('the reference platform in the kind cluster', () => {
  let ctx: LabContext;
  let platform: Platform;
  let listeners: HttpsListener[];
  let upSeconds: number;

  beforeAll(async () => {
    // Three Vault nodes: the platform's behaviour does not depend on the count, and the suite's time does.
    const t0 = Date.now();
    ctx = await upPlatformLab(LAB, SUBNET, CONFIG, 'platform');
    upSeconds = (Date.now() - t0) / 1000;
    process.stdout.write(`  [platform] certlab up (dns, acme, vault, kube-cluster, platform) in ${upSeconds.toFixed(1)} s\n`);
    platform = await connectPlatform(ctx);
    listeners = await platform.listeners();
  });

  afterAll(async () => {
    if (!ctx) return;
    process.stdout.write(ctx.steps.steps.filter((s) => ['up', 'kube-cluster', 'platform'].includes(s.group)).map((s) => `  [platform] ${s.group}: ${s.name} ${(s.durationMs / 1000).toFixed(1)} s${s.ok ? '' : ` FAILED ${s.error}`}\n`).join(''));
    const released = await ctx.releases.releaseAll();
    await removePlatformLab(ctx);
    expect(released.filter((r) => !r.ok)).toEqual([]);
  });

  it('comes up whole: every component, issuer, Certificate, Gateway and published name ok, every step timed', async () => {
    expect(await findLabKubeClusters(LAB)).toEqual([`certlab-${LAB}`]);
    const rows = [...await kubeClusterStatus(ctx), ...await platformStatus(ctx)];
    expect(rows.filter((r) => r.health !== 'ok')).toEqual([]);
    const issuers = rows.filter((r) => r.component === 'issuer').map((r) => r.address).sort();
    expect(issuers).toEqual(['pebble-dns01', 'pebble-http01', 'vault-private']);
    expect(rows.filter((r) => r.component === 'gateway').map((r) => r.address).sort()).toEqual(['platform/platform-private', 'platform/platform-public']);
    const steps = ctx.steps.steps.filter((s) => s.group === 'platform').map((s) => s.name);
    expect(steps).toEqual(expect.arrayContaining(['manifests applied', 'issuers ready', 'gateways programmed', 'public names published', 'certificates ready', 'gateways serve']));
  });

  it('serves through each Gateway a chain that verifies to the right root, with the Secret\'s serial', async () => {
    const pebbleRoot = (await pebbleRoots(ctx)).root;
    const offlineRoot = readFileSync(pkiFiles(ctx.paths).rootCert, 'utf8');
    expect(listeners.map((l) => `${l.gateway}/${l.listener}`).sort()).toEqual(['platform-private/https', 'platform-public/https-app', 'platform-public/https-www']);
    for (const l of listeners) {
      const s = await platform.served(l);
      const anchor = l.gateway === 'platform-public' ? pebbleRoot : offlineRoot;
      const other = l.gateway === 'platform-public' ? offlineRoot : pebbleRoot;
      // The served chain ends at the expected root...
      expect(s.served.certificates.at(-1)!.raw.equals(new X509Certificate(anchor).raw)).toBe(true);
      expect(s.served.serial).toBe(s.secret.leaf.serialNumber);
      expect(s.secret.leaf.checkHost(s.servername)).toBe(s.servername);
      // ...and the other root does not verify it (the check can fail).
      await expect(fetchServedChain({ host: platform.gatewayAddress, port: 443, servername: s.servername, ca: other })).rejects.toThrow(/certificate/i);
      process.stdout.write(`  [platform] ${l.gateway}/${l.listener} ${s.servername}: ${s.served.certificates.map((c) => (c.subject || c.subjectAltName || '').replace(/\n/g, ', ')).join(' <- ')}\n`);
    }
  });

  it('gives both HTTPS listeners of the public Gateway their own Secret (cert-manager #7840)', async () => {
    const pub = listeners.filter((l) => l.gateway === 'platform-public');
    expect(pub).toHaveLength(2);
    expect(new Set(pub.map((l) => l.secret)).size).toBe(2);
    for (const l of pub) {
      const secret = await platform.tlsSecret(l.secret);
      expect(secret.leaf.checkHost(l.hostname)).toBe(l.hostname);
      expect(secret.issuer).toBe('pebble-http01');
    }
  });

  it('keeps cert-manager\'s Secret contract: tls.crt leaf then intermediates in order, ca.crt the CA over the last', async () => {
    for (const l of listeners) {
      const secret = await platform.tlsSecret(l.secret);
      const check = await checkTlsSecret(secret.tlsCrt, secret.caCrt);
      process.stdout.write(`  [platform] Secret ${l.secret}: tls.crt ${check.chain.join(' <- ')}; ca.crt ${check.ca ?? '(none)'}\n`);
      expect(check.problems).toEqual([]);
      expect(check.chain.length).toBeGreaterThanOrEqual(2);
    }
    // The Vault issuer: leaf, Vault's issuing CA, the lab intermediate; ca.crt the offline root.
    const priv = await platform.tlsSecret(listeners.find((l) => l.gateway === 'platform-private')!.secret);
    const check = await checkTlsSecret(priv.tlsCrt, priv.caCrt);
    const rootSubject = new X509Certificate(readFileSync(pkiFiles(ctx.paths).rootCert)).subject.replace(/\n/g, ', ');
    expect(check.chain).toHaveLength(3);
    expect(check.ca).toBe(rootSubject);
    // The check fails on a chain out of order.
    const [leaf, ...rest] = priv.tlsCrt.split(/(?=-----BEGIN CERTIFICATE-----)/);
    expect((await checkTlsSecret([...rest, leaf].join(''), priv.caCrt)).problems.length).toBeGreaterThan(0);
  });

  it('publishes the public names through External-DNS: A records at the Gateway, through the lab\'s resolver', async () => {
    const { resolver } = await labDns(ctx);
    for (const l of listeners.filter((x) => x.gateway === 'platform-public')) {
      expect(await resolveA(resolver, l.hostname)).toEqual([platform.gatewayAddress]);
    }
    expect(await resolveA(resolver, `nothing.${ctx.config.domains.public}`)).toEqual([]);
  });

  it('routes HTTPS through both Gateways to the echo backend', async () => {
    const pebbleRoot = (await pebbleRoots(ctx)).root;
    const offlineRoot = readFileSync(pkiFiles(ctx.paths).rootCert, 'utf8');
    const www = listeners.find((l) => l.listener === 'https-www')!.hostname;
    const pub = await httpsGet(platform.gatewayAddress, www, '/echo?msg=certlab-public', pebbleRoot);
    expect(pub).toEqual({ status: 200, body: 'certlab-public' });
    const privName = `echo.priv.${ctx.config.domains.private}`;
    const priv = await httpsGet(platform.gatewayAddress, privName, '/echo?msg=certlab-private', offlineRoot);
    expect(priv).toEqual({ status: 200, body: 'certlab-private' });
  });

  it('lets pods resolve and reach the lab\'s services by name (Vault through its load balancer, Pebble, a public name)', async () => {
    const { kubeCluster, layout } = platform;
    const targets = [`vault.${ctx.config.domains.private}:8200`, `pebble.${ctx.config.domains.private}:14000`, `${listeners.find((l) => l.listener === 'https-www')!.hostname}:443`];
    const job: KubeObject = {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'resolve-lab-names', namespace: layout.namespace },
      spec: {
        backoffLimit: 0, ttlSecondsAfterFinished: 60,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{
              name: 'connect', image: imageByKey('agnhost').ref, imagePullPolicy: 'Never', command: ['/bin/sh', '-c'],
              args: [targets.map((t) => `/agnhost connect --timeout=5s ${t}`).join(' && ')],
            }],
          },
        },
      },
    };
    await kubeCluster.apply([job]);
    await kubeCluster.waitUntil({
      path: `/apis/batch/v1/namespaces/${layout.namespace}/jobs`, names: ['resolve-lab-names'], what: 'the name-resolution Job to finish', timeoutMs: 90_000,
      ready: (j) => (j.status?.succeeded ?? 0) > 0 || (j.status?.failed ?? 0) > 0,
    });
    const done = await kubeCluster.get<KubeObject>(`/apis/batch/v1/namespaces/${layout.namespace}/jobs/resolve-lab-names`);
    expect(done.status?.succeeded).toBe(1);
  });

  it('issues a wildcard by DNS-01 through cert-manager\'s RFC 2136 solver to BIND', async () => {
    const { kubeCluster, layout } = platform;
    const zone = ctx.config.domains.public;
    const t0 = Date.now();
    // One name, one challenge: cert-manager sleeps a fixed 60 s after each DNS-01 propagation check
    // (pkg/issuer/acme/dns/dns.go, still in v1.21; cert-manager #5430), and solves challenges for the same
    // name one after the other, so a name with its wildcard costs two such waits.
    await kubeCluster.apply([{
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'apps-wildcard', namespace: layout.namespace },
      spec: { secretName: 'apps-wildcard-tls', dnsNames: [`*.apps.${zone}`], issuerRef: { name: layout.issuers.dns01, kind: 'ClusterIssuer', group: 'cert-manager.io' } },
    }]);
    await waitCertificatesReady(kubeCluster, layout.namespace, ['apps-wildcard'], 150_000);
    const seconds = (Date.now() - t0) / 1000;
    process.stdout.write(`  [platform] DNS-01 wildcard Ready in ${seconds.toFixed(1)} s (cert-manager's fixed wait: ${CERT_MANAGER_DNS01_WAIT_S} s)\n`);
    const secret = await platform.tlsSecret('apps-wildcard-tls');
    // checkHost answers with the certificate's name that matched.
    expect(secret.leaf.checkHost(`anything.apps.${zone}`)).toBe(`*.apps.${zone}`);
    expect(secret.leaf.checkHost(`a.b.apps.${zone}`)).toBeUndefined();
    expect(secret.issuer).toBe(layout.issuers.dns01);
    // Everything but cert-manager's own wait: the lab's DNS answers the propagation check at once.
    expect(seconds - CERT_MANAGER_DNS01_WAIT_S).toBeLessThan(20);
  });

  it('sees each Certificate turn Ready when it does, whatever the Certificates listed before it do', async () => {
    const { kubeCluster, layout } = platform;
    const namespace = await kubeCluster.useNamespace(`ready-order-${Date.now().toString(36)}`);
    // First in the list, never Ready (its issuer does not exist); second, Ready from Vault within a second.
    await kubeCluster.apply([
      certificateManifest(namespace, { name: 'stuck', secretName: 'stuck-tls', dnsNames: [`stuck.${layout.privateZone}`], issuer: 'certlab-no-such-issuer' }),
      certificateManifest(namespace, { name: 'fine', secretName: 'fine-tls', dnsNames: [`fine.${layout.privateZone}`], issuer: layout.issuers.vault }),
    ]);
    const seenReady = new Map<string, number>();
    // When the callback runs, not the moment it is given (that one is bounded by the condition's own time).
    const waited = watchCertificatesReady(kubeCluster, namespace, ['stuck', 'fine'], 20_000, (name) => seenReady.set(name, Date.now()));
    await expect(waited).rejects.toThrow(/stuck/);
    expect([...seenReady.keys()]).toEqual(['fine']);
    const fine = await kubeCluster.get<KubeObject>(`/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/fine`);
    const since = Date.parse(fine.status.conditions.find((c: { type: string }) => c.type === 'Ready').lastTransitionTime);
    // Told within a moment of the condition (whole seconds), not when the wait gave up 20 s later.
    expect(seenReady.get('fine')! - since).toBeLessThan(3_000);
  });

  it('a second `up` finds the platform whole and leaves it as it is', async () => {
    const before = await Promise.all(listeners.map(async (l) => (await platform.tlsSecret(l.secret)).leaf.serialNumber));
    const stepsBefore = ctx.steps.steps.length;
    await bringUp(ctx, resolveComponents(['platform']), { imageMode: 'build', renderer: 'silent' });
    expect(ctx.steps.steps.slice(stepsBefore).filter((s) => s.group === 'platform')).toEqual([]);
    expect(await Promise.all(listeners.map(async (l) => (await platform.tlsSecret(l.secret)).leaf.serialNumber))).toEqual(before);
  });

  it('a second `up` applies changed cert-manager settings in place (here: an older certlab\'s flags), the kind cluster kept', async () => {
    const layout = kubeClusterLayout(ctx.config, ctx.paths);
    const { kubeCluster } = platform;
    const controllerArgs = async () => (await kubeCluster.get<KubeObject>(`/apis/apps/v1/namespaces/${layout.namespaces.certManager}/deployments/cert-manager`)).spec.template.spec.containers[0].args as string[];
    // What a certlab before the unthrottled API client installed: the same values without those flags.
    const wanted = readFileSync(layout.certManagerValuesFile, 'utf8');
    const older = JSON.parse(wanted) as { extraArgs: string[] };
    older.extraArgs = older.extraArgs.filter((a) => !throughputArgs(ctx.config.versions.certManager).includes(a));
    writeFileSync(layout.certManagerValuesFile, JSON.stringify(older, null, 2));
    const { helm } = await ensureKubernetesTools();
    await runCommand([helm, 'upgrade', 'cert-manager', await certManagerChart(ctx.config.versions.certManager), '--namespace', layout.namespaces.certManager, '--values', layout.certManagerValuesFile, '--kubeconfig', layout.kubeconfigFile], { what: 'helm upgrade cert-manager (older flags)' });
    expect(await controllerArgs()).not.toContain('--kube-api-qps=500');
    const nodesBefore = (await kindNodes(layout.name)).map((n) => n.id);

    const stepsBefore = ctx.steps.steps.length;
    await bringUp(ctx, resolveComponents(['platform']), { imageMode: 'build', renderer: 'silent' });
    const ran = ctx.steps.steps.slice(stepsBefore);
    expect(ran.filter((s) => s.group === 'kube-cluster').map((s) => s.name)).toContain('cert-manager ready');
    expect(ran.filter((s) => s.group === 'platform')).toEqual([]);
    expect(await controllerArgs()).toContain('--kube-api-qps=500');
    expect(readFileSync(layout.certManagerValuesFile, 'utf8')).toBe(wanted);
    expect((await kindNodes(layout.name)).map((n) => n.id)).toEqual(nodesBefore);
    // Nothing differs now: a third `up` leaves the kind cluster alone.
    const stepsAfter = ctx.steps.steps.length;
    await bringUp(ctx, resolveComponents(['platform']), { imageMode: 'build', renderer: 'silent' });
    expect(ctx.steps.steps.slice(stepsAfter).filter((s) => s.group === 'kube-cluster')).toEqual([]);
  });
});
