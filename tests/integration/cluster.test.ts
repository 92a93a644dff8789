// The lab's kind cluster from locally built images: kind node, control plane, cert-manager with Gateway
// API support, Traefik as the Gateway API controller, brought up by its component on a lab of its own
// (with the dns component it comes after) and used through connectKubeCluster, as a scenario would.
// Skips (printing SKIPPED) when images or the means to build kind are missing; never passes without running.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabContext } from '../../lab/context.ts';
import { dnsComponent } from '../../lab/dns/index.ts';
import { removeLabResources } from '../../lab/host/docker.ts';
import { pollUntil } from '../../lab/host/wait.ts';
import { imageByKey } from '../../lab/images/catalog.ts';
import { KUBE_WORKLOAD_IMAGES, KIND_VERSION } from '../../lab/images/kubernetes.ts';
import {
  condition, connectKubeCluster, deleteLabKubeClusters, findLabKubeClusters, kubeClusterComponent, kubeClusterStatus,
  type KubeCluster, type KubeObject,
} from '../../lab/kube/index.ts';
import { announceSkip, skipReason, testContext } from './support.ts';

const LAB = 'k8stest';
const NETWORK = 'certlab-k8stest';
const SUBNET = '172.29.120.0/24';
const NS = 'certlab-test';
const HOST = 'app.lab.test';

function kindAvailable(): string | undefined {
  const bin = join(process.env.CERTLAB_TOOLS_DIR ?? join(homedir(), '.cache/certlab/bin'), `kind-${KIND_VERSION}`, 'kind');
  if (existsSync(bin)) return undefined;
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return undefined; // ensureKubernetesTools builds it
  } catch {
    return `kind ${KIND_VERSION} is not built (${bin}) and no Go toolchain is at hand to build it`;
  }
}

const reason = skipReason([imageByKey('kind-node').ref, ...KUBE_WORKLOAD_IMAGES.map((k) => imageByKey(k).ref), imageByKey('bind9').ref, imageByKey('coredns').ref]) ?? kindAvailable();
announceSkip('kind cluster (cert-manager, Gateway API, Traefik)', reason);

function handshake(host: string, port: number, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port, servername, rejectUnauthorized: false, timeout: 5000 }, () => {
      const raw = s.getPeerCertificate(false)?.raw;
      s.end();
      if (!raw) reject(new Error('no peer certificate'));
      else resolve(new X509Certificate(raw));
    });
    s.on('timeout', () => s.destroy(new Error('TLS timeout')));
    s.on('error', reject);
  });
}

function httpsGet(host: string, port: number, servername: string, path: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port, servername, ca, timeout: 5000 }, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    s.on('data', (c) => (data += c.toString()));
    s.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.split('\r\n\r\n').slice(1).join('\r\n\r\n') });
    });
    s.on('timeout', () => s.destroy(new Error('timeout')));
    s.on('error', reject);
  });
}

describe.skipIf(reason)('kind cluster with cert-manager, Gateway API and Traefik from local images', () => {
  let ctx: LabContext;
  let kubeCluster: KubeCluster;

  beforeAll(async () => {
    ctx = testContext(LAB, SUBNET, { network: { name: NETWORK, subnet: SUBNET } });
    if (process.env.CERTLAB_TEST_REUSE_CLUSTER !== '1') {
      await deleteLabKubeClusters(LAB);
      await removeLabResources(LAB);
    }
    ctx.progress = (l) => process.stdout.write(`  [kind cluster] ${l}\n`);
    await dnsComponent.start(ctx);
    const t0 = Date.now();
    await kubeClusterComponent.start(ctx);
    process.stdout.write(`  [kind cluster] ready in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
    kubeCluster = await connectKubeCluster(ctx);
    await kubeCluster.useNamespace(NS);
  });

  afterAll(async () => {
    if (process.env.CERTLAB_KEEP_CLUSTER === '1') return;
    // The namespace is deleted and awaited gone, the handle's watches stopped.
    const released = await ctx.releases.releaseAll();
    await deleteLabKubeClusters(LAB);
    await removeLabResources(LAB);
    rmSync(ctx.config.stateDir, { recursive: true, force: true });
    expect(released.filter((r) => !r.ok)).toEqual([]);
  });

  it('is found by its label, reports healthy and times every bring-up step', async () => {
    expect(await findLabKubeClusters(LAB)).toEqual([`certlab-${LAB}`]);
    const status = await kubeClusterStatus(ctx);
    expect(status.filter((s) => s.health !== 'ok')).toEqual([]);
    expect(status.map((s) => s.component)).toEqual(expect.arrayContaining(['kind nodes', 'kube-apiserver', 'cert-manager', 'traefik', 'gatewayclass']));
    const steps = ctx.steps.steps.filter((s) => s.group === 'cluster').map((s) => s.name);
    expect(steps).toEqual(expect.arrayContaining([
      'kind and helm', 'kind load images', 'node network ready', 'coredns forwards lab zones', 'gateway api crds established', 'traefik ready', 'cert-manager ready',
    ]));
  });

  it('runs a pod (Traefik image as a small HTTP backend)', async () => {
    const labels = { app: 'backend' };
    await kubeCluster.apply([
      {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'backend', namespace: NS, labels },
        spec: {
          containers: [{
            name: 'backend', image: imageByKey('traefik').ref, imagePullPolicy: 'Never',
            args: ['--entryPoints.web.address=:8080', '--ping=true', '--ping.entryPoint=web'],
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/ping', port: 8080 }, periodSeconds: 1 },
          }],
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend', namespace: NS }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
    ]);
    await kubeCluster.waitUntil({
      path: `/api/v1/namespaces/${NS}/pods`, names: ['backend'], what: 'backend pod Ready', timeoutMs: 120_000,
      ready: (p) => p.status?.phase === 'Running' && condition(p, 'Ready')?.status === 'True',
      explain: (p) => `${p.status?.phase} ${JSON.stringify(p.status?.containerStatuses?.[0]?.state ?? {})}`,
    });
    const pod = await kubeCluster.get<KubeObject>(`/api/v1/namespaces/${NS}/pods/backend`);
    expect(pod.status.podIP).toMatch(/^10\.244\./);
  });

  it('issues a Certificate from a self-signed Issuer (Ready)', async () => {
    await kubeCluster.apply([
      { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'selfsigned', namespace: NS }, spec: { selfSigned: {} } },
      {
        apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'direct', namespace: NS },
        spec: { secretName: 'direct-tls', dnsNames: ['direct.lab.test'], issuerRef: { name: 'selfsigned', kind: 'Issuer' } },
      },
    ]);
    await kubeCluster.waitUntil({
      path: `/apis/cert-manager.io/v1/namespaces/${NS}/certificates`, names: ['direct'], what: 'Certificate direct Ready', timeoutMs: 90_000,
      ready: (c) => condition(c, 'Ready')?.status === 'True', explain: (c) => condition(c, 'Ready')?.message ?? 'no Ready condition',
    });
    const secret = await kubeCluster.get<KubeObject>(`/api/v1/namespaces/${NS}/secrets/direct-tls`);
    const cert = new X509Certificate(Buffer.from(secret.data['tls.crt'], 'base64'));
    expect(cert.subjectAltName).toContain('DNS:direct.lab.test');
  });

  it('serves a cert-manager certificate on a Traefik Gateway HTTPS listener', async () => {
    const gc = await kubeCluster.get<KubeObject>('/apis/gateway.networking.k8s.io/v1/gatewayclasses/traefik');
    expect(condition(gc, 'Accepted')?.status).toBe('True');
    await kubeCluster.apply([
      {
        // cert-manager's gateway-shim issues the listener's Secret from the annotation.
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway',
        metadata: { name: 'web', namespace: NS, annotations: { 'cert-manager.io/issuer': 'selfsigned' } },
        spec: {
          gatewayClassName: 'traefik',
          listeners: [{
            name: 'https', protocol: 'HTTPS', port: 8443, hostname: HOST,
            tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'gateway-tls' }] },
            allowedRoutes: { namespaces: { from: 'Same' } },
          }],
        },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'backend', namespace: NS },
        spec: {
          parentRefs: [{ name: 'web', sectionName: 'https' }], hostnames: [HOST],
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/ping' } }], backendRefs: [{ name: 'backend', port: 80 }] }],
        },
      },
    ]);
    await kubeCluster.waitUntil({
      path: `/apis/cert-manager.io/v1/namespaces/${NS}/certificates`, names: ['gateway-tls'], what: 'gateway-shim Certificate Ready', timeoutMs: 90_000,
      ready: (c) => condition(c, 'Ready')?.status === 'True', explain: (c) => condition(c, 'Ready')?.message ?? 'no Ready condition',
    });
    await kubeCluster.waitUntil({
      path: `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/gateways`, names: ['web'], what: 'Gateway web Programmed', timeoutMs: 90_000,
      ready: (g) => condition(g, 'Programmed')?.status === 'True' && g.status?.listeners?.[0]?.conditions?.find((c: any) => c.type === 'ResolvedRefs')?.status === 'True',
      explain: (g) => JSON.stringify(g.status?.listeners?.[0]?.conditions?.map((c: any) => `${c.type}=${c.status}`) ?? []),
    });
    await kubeCluster.waitUntil({
      path: `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes`, names: ['backend'], what: 'HTTPRoute Accepted', timeoutMs: 60_000,
      ready: (r) => r.status?.parents?.some((p: any) => p.conditions?.some((c: any) => c.type === 'Accepted' && c.status === 'True')) ?? false,
    });
    const secret = await kubeCluster.get<KubeObject>(`/api/v1/namespaces/${NS}/secrets/gateway-tls`);
    const pem = Buffer.from(secret.data['tls.crt'], 'base64').toString();
    const issued = new X509Certificate(pem);
    expect(issued.subjectAltName).toContain(`DNS:${HOST}`);

    // From this machine to the node container's address on the lab network, NodePort 30443.
    // The data plane has no API condition to watch: polled.
    const served = await pollUntil(async () => {
      const c = await handshake(kubeCluster.nodeAddress, kubeCluster.layout.nodePorts.https, HOST);
      if (c.fingerprint256 !== issued.fingerprint256) throw new Error(`served ${c.subject} (${c.fingerprint256}), not the Secret's certificate`);
      return c;
    }, { timeoutMs: 60_000, intervalMs: 500, what: `Traefik to serve the Secret's certificate for ${HOST}` });
    expect(served.fingerprint256).toBe(issued.fingerprint256);
    // The self-signed certificate is its own CA: a verifying client trusting it reaches the backend.
    const res = await pollUntil(async () => {
      const r = await httpsGet(kubeCluster.nodeAddress, kubeCluster.layout.nodePorts.https, HOST, '/ping', pem);
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      return r;
    }, { timeoutMs: 30_000, intervalMs: 500, what: `GET https://${HOST}/ping through the HTTPRoute to answer 200` });
    expect(res.body.trim()).toContain('OK');
  });
});
