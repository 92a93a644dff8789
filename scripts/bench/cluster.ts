// Benchmark: from no kind cluster to cert-manager and Traefik ready, images present (the dns component
// it comes after is brought up once, beforehand, and not counted).
//   node --import tsx scripts/bench/cluster.ts [--keep]      (npm run bench:cluster)
// Target <= 120 s on the 2-core reference machine, the median of BENCH_RUNS (at least 3) runs; each
// bring-up step's time (kind create, image loads, cert-manager...: the lab's own step timings) is a figure
// of its own, without a target. --keep leaves the last run's lab up. Lab name: CERTLAB_BENCH_LAB (default
// bench). Conventions: scripts/bench/support.ts.
import { rmSync } from 'node:fs';
import { isolatedLabContext } from '../../lab/config/isolated.ts';
import { dnsComponent } from '../../lab/dns/index.ts';
import { removeLabResources } from '../../lab/host/docker.ts';
import { KUBE_WORKLOAD_IMAGES } from '../../lab/images/kubernetes.ts';
import { deleteLabKubeClusters, kubeClusterComponent, kubeClusterLayout } from '../../lab/kube/index.ts';
import { benchRuns, finish, publish, requireImages, type Sample } from './support.ts';

const keep = process.argv.slice(2).includes('--keep');
const runs = benchRuns();
const LAB = process.env.CERTLAB_BENCH_LAB ?? 'bench';
const SUBNET = '172.29.92.0/24';
const ctx = isolatedLabContext(LAB, SUBNET, { network: { name: `certlab-${LAB}`, subnet: SUBNET } });
const removeState = () => rmSync(ctx.config.stateDir, { recursive: true, force: true });

await requireImages('cluster', ['kind-node', ...KUBE_WORKLOAD_IMAGES, 'bind9', 'coredns'], removeState);

const total: Sample = { name: 'nothing to cert-manager and Traefik ready', unit: 's', values: [], target: { op: '<=', value: 120 }, detail: [] };
/** Step name -> its time in each run, in the order the steps first came. */
const steps = new Map<string, number[]>();
const startedAt = new Date();
let ok: boolean;
try {
  await deleteLabKubeClusters(LAB);
  await removeLabResources(LAB);
  await dnsComponent.start(ctx);
  for (let run = 1; run <= runs; run++) {
    await deleteLabKubeClusters(LAB);
    ctx.steps.steps.length = 0;
    const t0 = Date.now();
    ctx.progress = (line) => process.stderr.write(`  ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s  ${line}\n`);
    await kubeClusterComponent.start(ctx);
    const seconds = (Date.now() - t0) / 1000;
    const runSteps = Object.fromEntries(ctx.steps.steps.filter((s) => s.group === 'kube-cluster').map((s) => [s.name, s.durationMs / 1000]));
    total.values.push(seconds);
    total.detail!.push({ run, steps: runSteps });
    for (const [name, s] of Object.entries(runSteps)) steps.set(name, [...(steps.get(name) ?? []), s]);
    process.stderr.write(`run ${run}/${runs}: nothing -> cert-manager + Traefik ready in ${seconds.toFixed(1)} s\n`);
  }
  const stepSamples: Sample[] = [...steps].map(([name, values]) => ({ name: `  step: ${name}`, unit: 's', values }));
  ok = await publish('cluster', [total, ...stepSamples], { runs, startedAt });
} finally {
  if (keep) {
    process.stderr.write(`kept lab ${LAB} (kind cluster certlab-${LAB}); kubeconfig ${kubeClusterLayout(ctx.config, ctx.paths).kubeconfigFile}\n`);
  } else {
    await deleteLabKubeClusters(LAB).catch(() => undefined);
    await removeLabResources(LAB).catch(() => undefined);
    removeState();
  }
}
finish(ok);
