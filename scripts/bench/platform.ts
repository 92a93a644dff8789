// Benchmark: the whole lab from nothing, as `certlab up` brings it (DNS, Pebble, the Vault cluster, the
// kind cluster, the platform: issuers Ready, Gateways serving), images present; then, on the last lab, the
// time from a Certificate's creation to Ready from each ClusterIssuer, one Certificate at a time.
//   node --import tsx scripts/bench/platform.ts [--keep]      (npm run bench:platform)
// Targets on the 2-core reference machine: whole lab <= 90 s (median of BENCH_RUNS, at least 3); first
// Certificate Ready, median of CERTLAB_BENCH_CERTS (default 10) per issuer: Vault <= 3 s, Pebble HTTP-01
// <= 10 s, Pebble DNS-01 <= 10 s. HTTP-01 names are published by External-DNS before the clock starts (a
// route for them on the public Gateway's HTTP listener), as a user's names would be. Lab name:
// CERTLAB_BENCH_LAB (default benchpf). Conventions: scripts/bench/support.ts.
import { rmSync } from 'node:fs';
import { resolveComponents } from '../../lab/components.ts';
import { isolatedLabContext } from '../../lab/config/isolated.ts';
import { removeLabResources } from '../../lab/host/docker.ts';
import { deleteLabKubeClusters, kubeClusterLayout, type KubeObject } from '../../lab/kube/index.ts';
import { bringUp } from '../../lab/lifecycle/up.ts';
import { connectPlatform, waitCertificatesReady, waitPublicNames, type Platform } from '../../lab/platform/index.ts';
import { benchRuns, finish, publish, requireImages, type Sample } from './support.ts';

const keep = process.argv.slice(2).includes('--keep');
const runs = benchRuns();
const certs = Math.max(1, Number(process.env.CERTLAB_BENCH_CERTS ?? 10));
const LAB = process.env.CERTLAB_BENCH_LAB ?? 'benchpf';
const SUBNET = '172.29.93.0/24';
const ctx = isolatedLabContext(LAB, SUBNET);
const removeState = () => rmSync(ctx.config.stateDir, { recursive: true, force: true });
const components = resolveComponents(['platform']);

await requireImages('platform', components.flatMap((c) => c.images(ctx.config)), removeState);

async function fromNothing(): Promise<void> {
  await deleteLabKubeClusters(LAB);
  await removeLabResources(LAB);
}

const whole: Sample = { name: 'nothing to the whole lab up (issuers Ready, Gateways serving)', unit: 's', values: [], target: { op: '<=', value: 90 }, detail: [] };
const issuance: Record<'vault' | 'http01' | 'dns01', Sample> = {
  vault: { name: 'Certificate created to Ready: Vault (vault-private)', unit: 's', values: [], target: { op: '<=', value: 3 } },
  http01: { name: 'Certificate created to Ready: Pebble HTTP-01', unit: 's', values: [], target: { op: '<=', value: 10 } },
  dns01: { name: 'Certificate created to Ready: Pebble DNS-01', unit: 's', values: [], target: { op: '<=', value: 10 } },
};

/** One Certificate at a time from `issuer`, each timed from its creation to Ready. */
async function timeIssuance(platform: Platform, kind: keyof typeof issuance, names: (i: number) => string[]): Promise<void> {
  const { kubeCluster, layout } = platform;
  for (let i = 0; i < certs; i++) {
    const name = `bench-${kind}-${i}`;
    const t0 = performance.now();
    await kubeCluster.apply([{
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name, namespace: layout.namespace },
      spec: { secretName: `${name}-tls`, dnsNames: names(i), issuerRef: { name: layout.issuers[kind], kind: 'ClusterIssuer', group: 'cert-manager.io' } },
    }]);
    await waitCertificatesReady(kubeCluster, layout.namespace, [name], 120_000);
    issuance[kind].values.push((performance.now() - t0) / 1000);
    process.stderr.write(`  ${name}: Ready in ${issuance[kind].values.at(-1)!.toFixed(2)} s\n`);
  }
}

const startedAt = new Date();
let ok: boolean;
try {
  for (let run = 1; run <= runs; run++) {
    await fromNothing();
    ctx.steps.steps.length = 0;
    const t0 = performance.now();
    ctx.progress = (line) => process.stderr.write(`  ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s  ${line}\n`);
    await bringUp(ctx, components, { imageMode: 'build', renderer: 'simple' });
    whole.values.push((performance.now() - t0) / 1000);
    whole.detail!.push({ run, steps: Object.fromEntries(ctx.steps.steps.map((s) => [`${s.group}: ${s.name}`, s.durationMs / 1000])) });
    process.stderr.write(`run ${run}/${runs}: nothing -> whole lab in ${whole.values.at(-1)!.toFixed(1)} s\n`);
  }
  const platform = await connectPlatform(ctx);
  const { privateZone, publicZone, namespace, gateways } = platform.layout;
  await timeIssuance(platform, 'vault', (i) => [`bench-${i}.priv.${privateZone}`]);
  // The HTTP-01 names exist in DNS before their Certificates, as a user's published names do.
  const http01Names = Array.from({ length: certs }, (_, i) => `bench-${i}.${publicZone}`);
  const route: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'bench-names', namespace },
    spec: { parentRefs: [{ name: gateways.public, sectionName: 'http' }], hostnames: http01Names, rules: [{ backendRefs: [{ name: 'echo', port: 80 }] }] },
  };
  await platform.kubeCluster.apply([route]);
  await waitPublicNames(ctx, platform, http01Names, 60_000);
  await timeIssuance(platform, 'http01', (i) => [http01Names[i]!]);
  await timeIssuance(platform, 'dns01', (i) => [`*.bench-${i}.${publicZone}`]);
  ok = await publish('platform', [whole, ...Object.values(issuance)], { runs, startedAt, notes: [`${certs} Certificates per issuer, one at a time, on the last run's lab`] });
} finally {
  await ctx.releases.releaseAll();
  if (keep) {
    process.stderr.write(`kept lab ${LAB}; kubeconfig ${kubeClusterLayout(ctx.config, ctx.paths).kubeconfigFile}\n`);
  } else {
    await fromNothing().catch(() => undefined);
    removeState();
  }
}
finish(ok);
