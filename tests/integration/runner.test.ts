import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveComponents } from '../../lab/components.ts';
import { injectFault } from '../../lab/faults/container-faults.ts';
import { docker, labContainers, removeLabResources } from '../../lab/host/docker.ts';
import { labContainerProblems } from '../../lab/host/lab-container.ts';
import { pollUntil } from '../../lab/host/wait.ts';
import { bringUp } from '../../lab/lifecycle/up.ts';
import { runScenarios } from '../../lab/runner/run.ts';
import type { Scenario } from '../../lab/runner/scenario.ts';
import { activeEndpoint, connectVaultCluster } from '../../lab/vault/cluster.ts';
import { activeServer, useVaultCluster } from '../../lab/vault/connect.ts';
import { startSteadyIssuance } from '../../lab/vault/load.ts';
import { MarkerWriter, readMarkers } from '../../lab/vault/markers.ts';
import { autopilotState } from '../../lab/vault/raft.ts';
import { vaultMinorityFailure } from '../../scenarios/vault-minority-failure.ts';
import { announceSkip, skipReason, testContext } from './support.ts';

const CLI = resolve('bin/certlab.mjs');
const reason = skipReason(['openbao/openbao:2.4.0']);
announceSkip('runner failure paths', reason);

/** Starts everything a scenario can start (a load, a marker writer, a frozen leader), then breaks. */
const breaksWithLeaderFrozen: Scenario = {
  name: 'breaks-with-leader-frozen',
  description: 'starts a load and a marker writer, freezes the leader, then throws',
  needs: ['vault'],
  async run(run) {
    const vaultCluster = await useVaultCluster(run.ctx);
    await startSteadyIssuance(run.ctx, vaultCluster);
    const endpoint = await activeEndpoint(vaultCluster);
    await MarkerWriter.start(run.ctx, () => vaultCluster.admin(endpoint), run.runId);
    const leader = await activeServer(vaultCluster);
    await injectFault(run.ctx, leader.container, 'freeze');
    throw new Error('the scenario broke while the leader was frozen');
  },
};

describe.skipIf(reason)('a scenario that fails leaves the lab whole', () => {
  const ctx = testContext('certlab-runner', '172.29.84.0/24', { reportsDir: mkdtempSync(join(tmpdir(), 'certlab-runner-reports-')) });
  beforeAll(async () => {
    await removeLabResources(ctx.config.name);
    await bringUp(ctx, resolveComponents(['vault']), { imageMode: 'build', renderer: 'silent' });
  });
  afterAll(() => removeLabResources(ctx.config.name));

  it('`up` on a lab left degraded repairs it instead of refusing on its own ports', async () => {
    const vaultCluster = (await connectVaultCluster(ctx))!;
    const [paused, stopped, cut] = vaultCluster.topology.nodes;
    vaultCluster.http.close();
    const d = await docker();
    await d.getContainer(paused!.container).pause();
    await d.getContainer(stopped!.container).stop({ t: 5 });
    await d.getNetwork(ctx.config.network.name).disconnect({ Container: cut!.container, Force: true });
    const problems = await labContainerProblems(ctx.config.name, ctx.config.network.name);
    expect(problems.map((p) => [p.container, p.problem]).sort()).toEqual([
      [paused!.container, 'paused'], [stopped!.container, 'stopped'], [cut!.container, 'off the network'],
    ].sort());
    await bringUp(ctx, resolveComponents(['vault']), { imageMode: 'build', renderer: 'silent' });
    expect(await labContainerProblems(ctx.config.name, ctx.config.network.name)).toEqual([]);
    const healed = (await connectVaultCluster(ctx))!;
    try {
      const state = await autopilotState(healed.admin(await activeEndpoint(healed)));
      expect(state.servers.filter((s) => s.healthy && ['voter', 'leader'].includes(s.status))).toHaveLength(healed.topology.nodes.length);
    } finally {
      healed.http.close();
    }
  });

  it('undoes the freeze, stops the load and the marker writer, restores full strength; the next scenario passes', async () => {
    const runId = 'it-runner-freeze';
    const { report } = await runScenarios(ctx, [breaksWithLeaderFrozen, vaultMinorityFailure], { runId, quick: true, imageMode: 'build', renderer: 'silent' });
    const [broken, next] = report.scenarios;
    expect(broken!.status).toBe('failed');
    expect(broken!.assertions).toContainEqual({ name: 'scenario ran to the end', passed: false, detail: 'the scenario broke while the leader was frozen' });
    const cleanup = broken!.steps.filter((s) => s.group === 'cleanup');
    expect(cleanup.map((s) => s.name)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^release: unpause .* \(frozen\)$/), 'release: stop the marker writer', expect.stringMatching(/^release: stop the issuance load/), 'lab back to full strength',
    ]));
    expect(cleanup.filter((s) => !s.ok)).toEqual([]);
    expect(broken!.notes.map((n) => n.title)).toContain('lab restored after the failure');
    expect(next!.status).toBe('passed');

    expect(await labContainerProblems(ctx.config.name, ctx.config.network.name)).toEqual([]);
    const vaultCluster = (await connectVaultCluster(ctx))!;
    try {
      const state = await autopilotState(vaultCluster.admin(await activeEndpoint(vaultCluster)));
      expect(state.servers.filter((s) => s.healthy && ['voter', 'leader'].includes(s.status))).toHaveLength(vaultCluster.topology.nodes.length);
      // The writer is stopped and its markers removed: none now, and none appear later.
      const admin = vaultCluster.admin(await activeEndpoint(vaultCluster));
      expect(await readMarkers(admin, runId)).toEqual([]);
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await readMarkers(admin, runId)).toEqual([]);
    } finally {
      vaultCluster.http.close();
    }
  });
});

/** A working directory with its own certlab.config.json, so the CLI runs against a lab of its own. */
function writeConfig(dir: string, extra: Record<string, unknown> = {}): void {
  writeFileSync(join(dir, 'certlab.config.json'), JSON.stringify({
    name: 'clirunner', stateDir: join(dir, 'state'), reportsDir: join(dir, 'reports'),
    network: { name: 'clirunner', subnet: '172.29.85.0/24' }, ports: { vaultBase: 0, pebble: 0, pebbleManagement: 0, dns: 0, vaultLb: 0 }, ...extra,
  }));
}

function latestReport(dir: string): { passed: boolean; interrupted: boolean; scenarios: Array<{ figures: Array<{ name: string; passed?: boolean }> }> } {
  const runs = readdirSync(join(dir, 'reports')).filter((r) => /^\d{8}-/.test(r)).sort();
  return JSON.parse(readFileSync(join(dir, 'reports', runs.at(-1)!, 'report.json'), 'utf8'));
}

describe.skipIf(reason)('certlab run: exit codes, Ctrl-C, kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certlab-clirun-'));
  afterAll(() => removeLabResources('clirunner'));

  it('a missed threshold makes `certlab run` exit 1', () => {
    writeConfig(dir, { targets: { leaderKillRecoveryQuickMs: 1 } });
    const r = spawnSync(process.execPath, [CLI, 'run', 'vault-leader-failover', '--quick', '--images', 'build'], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr).toBe(1);
    const report = latestReport(dir);
    expect(report.passed).toBe(false);
    expect(report.scenarios[0]!.figures.find((f) => f.name === 'first successful issuance after fault')?.passed).toBe(false);
  });

  it('SIGINT in the middle of a run exits 130 with every node unpaused and connected, and a partial report', async () => {
    writeConfig(dir);
    const child = spawn(process.execPath, [CLI, 'run', 'vault-leader-failover', '--quick'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Interrupt while the leader is frozen (the quick variant's second fault).
    await pollUntil(async () => ((await labContainers('clirunner')).some((c) => c.State === 'paused') ? true : undefined), { timeoutMs: 300_000, intervalMs: 100, what: 'a frozen leader' });
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(await labContainerProblems('clirunner', 'clirunner')).toEqual([]);
    const report = latestReport(dir);
    expect(report.interrupted).toBe(true);
    expect(report.passed).toBe(false);
  });

  it('after kill -9 of `certlab run`, `certlab down` leaves nothing labelled, and no anonymous volume', async () => {
    const since = Date.now() - 1_000;
    const child = spawn(process.execPath, [CLI, 'run', 'vault-minority-failure', '--quick'], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<void>((done) => child.on('exit', () => done()));
    await pollUntil(async () => ((await labContainers('clirunner')).some((c) => c.State === 'exited') ? true : undefined), { timeoutMs: 300_000, intervalMs: 100, what: 'a node taken down by the scenario' });
    child.kill('SIGKILL');
    await exited;
    const down = spawnSync(process.execPath, [CLI, 'down'], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    expect(down.status, down.stderr).toBe(0);
    const d = await docker();
    expect(await labContainers('clirunner')).toHaveLength(0);
    expect(await d.listNetworks({ filters: { label: ['certlab.lab=clirunner'] } })).toHaveLength(0);
    expect((await d.listVolumes({ filters: { label: ['certlab.lab=clirunner'] } })).Volumes ?? []).toHaveLength(0);
    // Images declare VOLUMEs: a container removed without its volumes leaves unlabelled ones behind.
    const dangling = (await d.listVolumes({ filters: { dangling: ['true'] } })).Volumes ?? [];
    const leftHere = dangling.filter((v) => Date.parse((v as { CreatedAt?: string }).CreatedAt ?? '') >= since);
    expect(leftHere.map((v) => v.Name)).toEqual([]);
  });
});
