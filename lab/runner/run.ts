import { join } from 'node:path';
import { resolveComponents } from '../components.ts';
import type { LabContext } from '../context.ts';
import { LabError } from '../errors.ts';
import { bringUp, type UpOptions } from '../lifecycle/up.ts';
import { writeReport, type RunReport } from '../report/index.ts';
import { describeEnvironment } from './environment.ts';
import { runScenario } from './record.ts';
import type { Scenario } from './scenario.ts';

export function selectScenarios(all: readonly Scenario[], names: string[]): Scenario[] {
  if (names.length === 0 || names.includes('all')) return [...all];
  return names.map((name) => {
    const s = all.find((x) => x.name === name);
    if (!s) throw new LabError(`unknown scenario "${name}"`, `use one of: all, ${all.map((x) => x.name).join(', ')}`);
    return s;
  });
}

/**
 * Brings up what the scenarios need (a running lab is reused), runs them one after another, and writes
 * reports/<run-id>/. The report says whether every assertion and threshold held.
 */
export async function runScenarios(ctx: LabContext, scenarios: Scenario[], opts: UpOptions & { runId: string; quick: boolean }): Promise<{ report: RunReport; runDir: string }> {
  const startedAt = new Date().toISOString();
  const components = resolveComponents([...new Set(scenarios.flatMap((s) => s.needs))]);
  const runDir = join(ctx.config.reportsDir, opts.runId);
  await bringUp(ctx, components, opts);
  const results = [];
  for (const scenario of scenarios) {
    process.stdout.write(`scenario ${scenario.name}: running\n`);
    const result = await runScenario(ctx, scenario, opts.quick);
    process.stdout.write(`scenario ${scenario.name}: ${result.status} in ${(result.durationMs / 1000).toFixed(1)} s\n`);
    results.push(result);
  }
  const report: RunReport = {
    schemaVersion: 1, runId: opts.runId, startedAt, endedAt: new Date().toISOString(),
    passed: results.every((r) => r.status !== 'failed'),
    environment: await describeEnvironment(ctx.config, components.flatMap((c) => c.images(ctx.config))),
    setup: ctx.steps.steps, scenarios: results,
  };
  await writeReport(runDir, report);
  await ctx.steps.writeTimings(runDir);
  return { report, runDir };
}
