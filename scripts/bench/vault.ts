// Vault figures: leader SIGKILL -> new leader and -> first successful issuance (target <= 5 s), snapshot
// restore RTO (target <= 60 s), each the median of BENCH_RUNS (at least 3) runs of the scenarios' quick
// variants; and direct issuance throughput at 1, 8 and 32 clients for ECDSA P-256 and RSA 2048, one
// BENCH_SECONDS window per cell on keep-alive connections (no target). Conventions: scripts/bench/support.ts.
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
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
import { benchId, benchRuns, benchSeconds, finish, publish, requireImages, type Sample } from './support.ts';

const runs = benchRuns();
const seconds = benchSeconds();
const ctx = isolatedLabContext('certlab-benchvault', '172.29.91.0/24');
const notes: string[] = [];

await requireImages('vault', resolveComponents(['vault']).flatMap((c) => c.images(ctx.config)), () => rmSync(ctx.config.stateDir, { recursive: true, force: true }));

/**
 * Runs a scenario's quick variant once and returns the named figures in seconds (labels given as
 * "name|key=value"). A scenario that fails a check of its own still yields its figures; the failure is
 * noted in the raw results.
 */
async function figuresOf(scenario: typeof vaultLeaderFailover, names: string[]): Promise<number[]> {
  const result = await runScenario(ctx, scenario, { quick: true, runId: benchId() });
  if (result.status !== 'passed') {
    const failed = [...result.assertions.filter((a) => !a.passed).map((a) => `${a.name}${a.detail ? ` (${a.detail})` : ''}`),
      ...result.figures.filter((f) => f.passed === false).map((f) => `${f.name} ${f.value} ${f.unit}`)];
    notes.push(`${scenario.name} run did not pass: ${failed.join('; ') || result.status}`);
    process.stderr.write(`${notes.at(-1)}\n`);
  }
  return names.map((wanted) => {
    const [name, label] = wanted.split('|');
    const [key, value] = label?.split('=') ?? [];
    const f = result.figures.find((x) => x.name === name && (!key || x.labels?.[key] === value));
    if (!f) throw new Error(`${scenario.name} reported no figure ${wanted}`);
    return f.unit === 'ms' ? f.value / 1000 : f.value;
  });
}

/**
 * Certificates per second over one BENCH_SECONDS window against the active node, after every client has
 * had a success (its keep-alive connection is up): completions inside the window / the window.
 */
async function throughput(clients: number, keyType: LeafKeyType): Promise<{ rate: number; detail: Record<string, unknown> }> {
  const c = (await connectVaultCluster(ctx))!;
  const endpoint = await activeEndpoint(c);
  const { token } = await loginAs(ctx.paths, endpoint, c.ca, CERT_MANAGER_APPROLE);
  const load = new IssuanceLoad({ endpoints: () => [endpoint], ca: c.ca, token, concurrency: clients, keyType, requestTimeoutMs: 30_000, domain: ctx.config.domains.private });
  try {
    await load.start();
    await load.successesAfter(Date.now(), clients, 60_000);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const t1 = Date.now();
    const inWindow = load.attempts.filter((a) => a.endedAt >= t0 && a.endedAt < t1);
    const ok = inWindow.filter((a) => a.ok).length;
    return { rate: ok / ((t1 - t0) / 1000), detail: { clients, keyType, windowSeconds: (t1 - t0) / 1000, issued: ok, failed: inWindow.length - ok } };
  } finally {
    await load.stop();
    c.http.close();
  }
}

const startedAt = new Date();
let ok: boolean;
try {
  await removeLabResources(ctx.config.name);
  await bringUp(ctx, resolveComponents(['vault']), { imageMode: 'build', renderer: 'silent' });
  const leader: Sample = { name: 'leader SIGKILL to new leader', unit: 's', values: [] };
  const failover: Sample = { name: 'leader SIGKILL to first successful issuance', unit: 's', values: [], target: { op: '<=', value: 5 } };
  for (let i = 0; i < runs; i++) {
    const [first, elected] = await figuresOf(vaultLeaderFailover, ['first successful issuance after fault|fault=sigkill', 'time to new leader|fault=sigkill']);
    failover.values.push(first!);
    leader.values.push(elected!);
    process.stderr.write(`failover run ${i + 1}/${runs}: new leader ${elected!.toFixed(2)} s, first issuance ${first!.toFixed(2)} s\n`);
  }
  const tp: Sample[] = [];
  for (const keyType of ['ec256', 'rsa2048'] as const) {
    for (const clients of [1, 8, 32]) {
      const { rate, detail } = await throughput(clients, keyType);
      tp.push({ name: `issuance throughput, ${clients} client(s), ${keyType === 'ec256' ? 'ECDSA P-256' : 'RSA 2048'}`, unit: 'certs/s', values: [rate], detail: [detail] });
      process.stderr.write(`${tp.at(-1)!.name}: ${rate.toFixed(1)}\n`);
    }
  }
  const rto: Sample = { name: 'snapshot restore RTO (destroyed to issuing again)', unit: 's', values: [], target: { op: '<=', value: 60 } };
  for (let i = 0; i < runs; i++) {
    rto.values.push((await figuresOf(vaultSnapshotRestore, ['RTO (destroyed to issuing again)']))[0]!);
    process.stderr.write(`restore run ${i + 1}/${runs}: RTO ${rto.values.at(-1)!.toFixed(1)} s\n`);
  }
  notes.push(`Throughput: one ${seconds} s window per cell (BENCH_SECONDS), single run, no target.`);
  ok = await publish('vault', [leader, failover, rto, ...tp], { runs, startedAt, notes });
} finally {
  await removeLabResources(ctx.config.name);
  await rm(ctx.config.stateDir, { recursive: true, force: true });
}
finish(ok);
