// Benchmark: from nothing (no cluster) to cert-manager and Traefik ready, images present.
//   node --import tsx scripts/bench/cluster.ts [--keep] [--runs N] [--out FILE.json]
// Prints each step's time and the total; target ≤ 120 s on the 2-core reference machine.
// With --out, writes a JSON summary (per-run total and step times).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { docker } from '../../lab/host/docker.ts';
import { deleteCluster, missingClusterImages, startCluster } from '../../lab/cluster/index.ts';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const runs = Number(args[args.indexOf('--runs') + 1] ?? 1) || 1;
const LAB = process.env.CERTLAB_BENCH_LAB ?? 'bench';
const NETWORK = `certlab-${LAB}`;
const TARGET_S = 120;

const missing = await missingClusterImages();
if (missing.length) {
  console.log(`SKIPPED: cluster benchmark: image(s) missing: ${missing.join(', ')} (run certlab images build)`);
  process.exit(0);
}

const results: Array<{ run: number; totalSeconds: number; steps: Array<{ step: string; seconds: number }> }> = [];
for (let run = 1; run <= runs; run++) {
  await deleteCluster(LAB);
  const steps: Array<{ step: string; seconds: number }> = [];
  const t0 = Date.now();
  await startCluster({
    labName: LAB, network: NETWORK, labZones: ['lab.test'], stateDir: mkdtempSync(join(tmpdir(), 'certlab-bench-')),
    log: (line) => {
      const m = /^(.*) \((\d+(?:\.\d+)?)s\)$/.exec(line);
      if (m) steps.push({ step: m[1]!, seconds: Number(m[2]) });
      console.log(`  ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s  ${line}`);
    },
  });
  const total = (Date.now() - t0) / 1000;
  results.push({ run, totalSeconds: total, steps });
  console.log(`run ${run}: nothing -> cert-manager + Traefik ready in ${total.toFixed(1)}s (target ${TARGET_S}s: ${total <= TARGET_S ? 'met' : 'MISSED'})`);
  if (!keep || run < runs) await deleteCluster(LAB);
}
if (!keep) await (await docker()).getNetwork(NETWORK).remove().catch(() => {});
const outIdx = args.indexOf('--out');
if (outIdx >= 0 && args[outIdx + 1]) {
  const out = args[outIdx + 1]!;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ targetSeconds: TARGET_S, results }, null, 2));
  console.log(`summary written to ${out}`);
}
