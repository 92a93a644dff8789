import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveComponents } from '../../lab/components.ts';
import { removeLabResources } from '../../lab/host/docker.ts';
import { imageByKey } from '../../lab/images/catalog.ts';
import { bringUp } from '../../lab/lifecycle/up.ts';
import { loadReport, writeReport, type ScenarioResult } from '../../lab/report/index.ts';
import { describeEnvironment } from '../../lab/runner/environment.ts';
import { runScenario } from '../../lab/runner/record.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { announceSkip, scenarioFailures, skipReason, testContext } from './support.ts';

/**
 * Every scenario that needs only Vault, quick, against a real cluster, in the order `run all` uses: on each Vault flavour whose
 * image is here, and on a 3-node OpenBao cluster serving another private zone (names and counts come from
 * the configuration, not from the scenarios).
 */
const LABS = [
  { title: 'OpenBao, 5 nodes', name: 'certlab-scenarios', subnet: '172.29.80.0/24', overrides: {} },
  { title: 'HashiCorp Vault, 5 nodes', name: 'certlab-scenvault', subnet: '172.29.82.0/24', overrides: { vault: { flavor: 'vault' } } },
  { title: 'OpenBao, 3 nodes, zone corp.internal', name: 'certlab-scen3', subnet: '172.29.81.0/24', overrides: { vault: { nodes: 3 }, domains: { private: 'corp.internal' } } },
] as const;

/** The scenarios these Vault-only labs can run; those on the platform run in lifecycle-scenarios.test.ts and incident-scenarios.test.ts. */
const VAULT_SCENARIOS = SCENARIOS.filter((s) => s.needs.every((n) => n === 'vault'));

describe.each(LABS)('scenarios on $title', ({ title, name, subnet, overrides }) => {
  const flavor = ('vault' in overrides && 'flavor' in overrides.vault ? overrides.vault.flavor : 'openbao') as 'openbao' | 'vault';
  const reason = skipReason([imageByKey(flavor).ref]);
  announceSkip(`scenarios (${title})`, reason);
  if (reason) {
    it.skip(`needs ${imageByKey(flavor).ref}`, () => undefined);
    return;
  }
  const ctx = testContext(name, subnet, overrides);
  const results: ScenarioResult[] = [];

  beforeAll(async () => {
    await removeLabResources(ctx.config.name);
    await bringUp(ctx, resolveComponents(['vault']), { imageMode: 'build', renderer: 'silent' });
  });
  afterAll(() => removeLabResources(ctx.config.name));

  for (const scenario of VAULT_SCENARIOS) {
    it(scenario.name, async () => {
      const result = await runScenario(ctx, scenario, { quick: true, runId: `it-${name}` });
      results.push(result);
      expect(scenarioFailures(result)).toEqual([]);
      expect(result.status).toBe('passed');
      // Whatever the scenario started was released, and the release is on record.
      expect(result.steps.some((s) => s.group === 'cleanup')).toBe(true);
    });
  }

  it('writes a report that loads back with every scenario', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certlab-report-'));
    await writeReport(dir, {
      schemaVersion: 1, runId: 'integration', startedAt: results[0]!.startedAt, endedAt: results.at(-1)!.endedAt,
      passed: results.every((r) => r.status === 'passed'), interrupted: false, environment: await describeEnvironment(ctx.config, [flavor]),
      setup: ctx.steps.steps, scenarios: results,
    });
    const loaded = await loadReport(dir);
    expect(loaded.scenarios.map((s) => s.name)).toEqual(VAULT_SCENARIOS.map((s) => s.name));
    expect(loaded.scenarios.find((s) => s.name === 'vault-leader-failover')!.figures.some((f) => f.name === 'time to new leader')).toBe(true);
  });
});
