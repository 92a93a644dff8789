import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveComponents } from '../../lab/components.ts';
import { removeLabResources } from '../../lab/host/docker.ts';
import { bringUp } from '../../lab/lifecycle/up.ts';
import { loadReport, writeReport, type ScenarioResult } from '../../lab/report/index.ts';
import { describeEnvironment } from '../../lab/runner/environment.ts';
import { runScenario } from '../../lab/runner/record.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { announceSkip, skipReason, testContext } from './support.ts';

const reason = skipReason(['openbao/openbao:2.4.0']);
announceSkip('scenarios', reason);

/** Every scenario, in its quick variant, against one real 5-node cluster, in the order `run all` uses. */
describe.skipIf(reason)('scenarios against the real cluster', () => {
  const ctx = testContext('certlab-scenarios', '172.29.80.0/24');
  const results: ScenarioResult[] = [];

  beforeAll(async () => {
    await removeLabResources(ctx.config.name);
    await bringUp(ctx, resolveComponents(['vault']), { imageMode: 'build', renderer: 'silent' });
  });
  afterAll(() => removeLabResources(ctx.config.name));

  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const result = await runScenario(ctx, scenario, true);
      results.push(result);
      const failed = [...result.assertions.filter((a) => !a.passed).map((a) => `${a.name}: ${a.detail}`), ...result.figures.filter((f) => f.passed === false).map((f) => `${f.name} = ${f.value} ${f.unit}`)];
      expect(failed).toEqual([]);
      expect(result.status).toBe('passed');
      expect(result.steps.length).toBeGreaterThan(0);
    });
  }

  it('writes a report that loads back with every scenario', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certlab-report-'));
    await writeReport(dir, {
      schemaVersion: 1, runId: 'integration', startedAt: results[0]!.startedAt, endedAt: results.at(-1)!.endedAt,
      passed: results.every((r) => r.status === 'passed'), environment: await describeEnvironment(ctx.config, ['openbao']),
      setup: ctx.steps.steps, scenarios: results,
    });
    const loaded = await loadReport(dir);
    expect(loaded.scenarios.map((s) => s.name)).toEqual(SCENARIOS.map((s) => s.name));
    expect(loaded.scenarios.find((s) => s.name === 'vault-leader-failover')!.figures.some((f) => f.name === 'time to new leader')).toBe(true);
  });
});
