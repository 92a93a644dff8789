// From nothing to "5 voters, PKI ready" and to "Pebble and DNS answering", images present.
// Targets on a 2-core machine: <= 30 s for the Vault cluster, <= 5 s for Pebble and DNS.
import { acmeComponent } from '../../lab/acme/index.ts';
import { dnsComponent } from '../../lab/dns/index.ts';
import { ensureNetwork, removeLabResources } from '../../lab/host/docker.ts';
import { removeRuntimeState } from '../../lab/lifecycle/cleanup.ts';
import { startVaultCluster } from '../../lab/vault/cluster.ts';
import { isolatedLabContext } from '../../lab/config/isolated.ts';
import { publish, type Sample } from './support.ts';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const ctx = isolatedLabContext('certlab-bench', '172.29.90.0/24');
const vault: Sample = { name: 'nothing to 5 voters, PKI and AppRoles ready', unit: 's', values: [] };
const publicPath: Sample = { name: 'nothing to Pebble and DNS answering', unit: 's', values: [] };

async function fromNothing(): Promise<void> {
  await removeLabResources(ctx.config.name);
  await removeRuntimeState(ctx);
  await ensureNetwork(ctx.config.name, ctx.config.network.name, ctx.config.network.subnet);
}

try {
  for (let i = 0; i < runs; i++) {
    await fromNothing();
    let t0 = performance.now();
    const cluster = await startVaultCluster(ctx);
    vault.values.push((performance.now() - t0) / 1000);
    cluster.http.close();
    await fromNothing();
    t0 = performance.now();
    await dnsComponent.start(ctx);
    await acmeComponent.start(ctx);
    publicPath.values.push((performance.now() - t0) / 1000);
    process.stderr.write(`run ${i + 1}/${runs}: vault ${vault.values.at(-1)!.toFixed(1)} s, pebble+dns ${publicPath.values.at(-1)!.toFixed(1)} s\n`);
  }
  await publish('bringup', [vault, publicPath]);
} finally {
  await removeLabResources(ctx.config.name);
}
