// Vault figures: leader kill -> first successful issuance (target <= 5 s), snapshot restore RTO
// (target <= 60 s), and direct issuance throughput at 1, 8 and 32 clients for ECDSA P-256 and RSA 2048.
import { resolveComponents } from '../../lab/components.ts';
import { removeLabResources } from '../../lab/host/docker.ts';
import { bringUp } from '../../lab/lifecycle/up.ts';
import { runScenario } from '../../lab/runner/record.ts';
import { loginAs } from '../../lab/vault/approle.ts';
import { activeEndpoint, connectVaultCluster } from '../../lab/vault/cluster.ts';
import { IssuanceLoad } from '../../lab/vault/load.ts';
import { CERT_MANAGER_APPROLE } from '../../lab/vault/pki-layout.ts';
import type { LeafKeyType } from '../../lab/pki/csr.ts';
import { vaultLeaderFailover } from '../../scenarios/vault-leader-failover.ts';
import { vaultSnapshotRestore } from '../../scenarios/vault-snapshot-restore.ts';
import { isolatedLabContext } from '../../lab/config/isolated.ts';
import { publish, type Sample } from './support.ts';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const ctx = isolatedLabContext('certlab-benchvault', '172.29.91.0/24');

/** Runs a scenario's quick variant once and returns the named figures (labels given as "name|key=value"). */
async function figuresOf(scenario: typeof vaultLeaderFailover, names: string[]): Promise<number[]> {
  const result = await runScenario(ctx, scenario, true);
  if (result.status !== 'passed') throw new Error(`${scenario.name} did not pass: ${JSON.stringify(result.assertions.filter((a) => !a.passed))}`);
  return names.map((wanted) => {
    const [name, label] = wanted.split('|');
    const [key, value] = label?.split('=') ?? [];
    const f = result.figures.find((x) => x.name === name && (!key || x.labels?.[key] === value));
    if (!f) throw new Error(`${scenario.name} reported no figure ${wanted}`);
    return f.value;
  });
}

async function throughput(clients: number, keyType: LeafKeyType): Promise<number> {
  const c = (await connectVaultCluster(ctx))!;
  const endpoint = await activeEndpoint(c);
  const { token } = await loginAs(ctx.paths, endpoint, c.ca, CERT_MANAGER_APPROLE);
  const load = new IssuanceLoad({ endpoints: () => [endpoint], ca: c.ca, token, concurrency: clients, keyType, requestTimeoutMs: 30_000 });
  await load.start();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const attempts = await load.stop();
  c.http.close();
  const ok = attempts.filter((a) => a.ok && a.startedAt >= t0).length;
  return ok / ((Date.now() - t0) / 1000);
}

try {
  await removeLabResources(ctx.config.name);
  await bringUp(ctx, resolveComponents(['vault']), { imageMode: 'build', renderer: 'silent' });
  const failover: Sample = { name: 'leader SIGKILL to first successful issuance', unit: 'ms', values: [] };
  const leader: Sample = { name: 'leader SIGKILL to new leader', unit: 'ms', values: [] };
  for (let i = 0; i < runs; i++) {
    const [first, elected] = await figuresOf(vaultLeaderFailover, ['first successful issuance after fault|fault=sigkill', 'time to new leader|fault=sigkill']);
    failover.values.push(first!);
    leader.values.push(elected!);
  }
  const tp: Sample[] = [];
  for (const keyType of ['ec256', 'rsa2048'] as const) {
    for (const clients of [1, 8, 32]) {
      tp.push({ name: `issuance throughput, ${clients} client(s), ${keyType === 'ec256' ? 'ECDSA P-256' : 'RSA 2048'}`, unit: 'certs/s', values: [await throughput(clients, keyType)] });
      process.stderr.write(`${tp.at(-1)!.name}: ${tp.at(-1)!.values[0]!.toFixed(1)}\n`);
    }
  }
  const rto: Sample = { name: 'snapshot restore RTO (destroyed to issuing again)', unit: 'ms', values: [] };
  for (let i = 0; i < Math.max(1, Math.floor(runs / 2)); i++) rto.values.push((await figuresOf(vaultSnapshotRestore, ['RTO (destroyed to issuing again)']))[0]!);
  await publish('vault', [leader, failover, rto, ...tp]);
} finally {
  await removeLabResources(ctx.config.name);
}
