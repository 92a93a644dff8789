// From nothing to "5 voters, PKI ready" and to "Pebble and DNS answering", images present.
// Targets on a 2-core machine: <= 30 s for the Vault cluster, <= 5 s for Pebble and DNS; each the median
// of BENCH_RUNS (at least 3) runs. Conventions: scripts/bench/support.ts.
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { acmeComponent } from '../../lab/acme/index.ts';
import { resolveComponents } from '../../lab/components.ts';
import { dnsComponent } from '../../lab/dns/index.ts';
import { ensureNetwork, removeLabResources } from '../../lab/host/docker.ts';
import { removeRuntimeState } from '../../lab/lifecycle/cleanup.ts';
import { startVaultCluster } from '../../lab/vault/cluster.ts';
import { isolatedLabContext } from '../../lab/config/isolated.ts';
import { benchRuns, finish, publish, requireImages, type Sample } from './support.ts';

const runs = benchRuns();
const ctx = isolatedLabContext('certlab-bench', '172.29.90.0/24');
const vault: Sample = { name: 'nothing to 5 voters, PKI and AppRoles ready', unit: 's', values: [], target: { op: '<=', value: 30 }, detail: [] };
const publicPath: Sample = { name: 'nothing to Pebble and DNS answering', unit: 's', values: [], target: { op: '<=', value: 5 } };

await requireImages('bring-up', resolveComponents(['dns', 'acme', 'vault']).flatMap((c) => c.images(ctx.config)), () => rmSync(ctx.config.stateDir, { recursive: true, force: true }));

async function fromNothing(): Promise<void> {
  await removeLabResources(ctx.config.name);
  await removeRuntimeState(ctx);
  await ensureNetwork(ctx.config.name, ctx.config.network.name, ctx.config.network.subnet);
}

const startedAt = new Date();
let ok: boolean;
try {
  for (let i = 0; i < runs; i++) {
    await fromNothing();
    ctx.steps.steps.length = 0;
    let t0 = performance.now();
    const cluster = await startVaultCluster(ctx);
    vault.values.push((performance.now() - t0) / 1000);
    // Where the time went, per run: the lab's own step timings.
    vault.detail!.push(Object.fromEntries(ctx.steps.steps.map((s) => [s.name, s.durationMs / 1000])));
    cluster.http.close();
    await fromNothing();
    t0 = performance.now();
    await dnsComponent.start(ctx);
    await acmeComponent.start(ctx);
    publicPath.values.push((performance.now() - t0) / 1000);
    process.stderr.write(`run ${i + 1}/${runs}: vault ${vault.values.at(-1)!.toFixed(1)} s, pebble+dns ${publicPath.values.at(-1)!.toFixed(1)} s\n`);
  }
  ok = await publish('bringup', [vault, publicPath], { runs, startedAt });
} finally {
  await removeLabResources(ctx.config.name);
  await rm(ctx.config.stateDir, { recursive: true, force: true });
}
finish(ok);
