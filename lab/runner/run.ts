import { join } from 'node:path';
import type { Component } from '../component.ts';
import { resolveComponents } from '../components.ts';
import type { LabConfig } from '../config/schema.ts';
import type { LabContext } from '../context.ts';
import { InputError, errorText } from '../errors.ts';
import { interruption } from '../interrupt.ts';
import { restoreFullStrength } from '../lifecycle/heal.ts';
import { bringUp, type UpOptions } from '../lifecycle/up.ts';
import { writeReport, type RunReport, type ScenarioResult } from '../report/index.ts';
import { StepRecorder } from '../timing/recorder.ts';
import { describeEnvironment } from './environment.ts';
import { runScenario } from './record.ts';
import type { Scenario } from './scenario.ts';

/** How long the lab gets to be whole again after a scenario failed, before the next one may start. */
const RESTORE_TIMEOUT_MS = 180_000;

export function selectScenarios(all: readonly Scenario[], names: string[]): Scenario[] {
  if (names.length === 0 || names.includes('all')) return [...all];
  return names.map((name) => {
    const s = all.find((x) => x.name === name);
    if (!s) throw new InputError(`unknown scenario "${name}"`, `use one of: all, ${all.map((x) => x.name).join(', ')}`);
    return s;
  });
}

/**
 * Why a scenario cannot run with this configuration: what it does to Vault's servers or the Kubernetes
 * nodes where the user's own are in use, or a component it needs that cannot run. Undefined when it can.
 */
export function whyNotRunnable(s: Scenario, config: LabConfig): string | undefined {
  const { vault, kubeCluster } = s.labMadeOnly ?? {};
  if (config.vault.address && vault) return `${s.name} ${vault}; it runs only on a Vault the lab made (vault.address is set)`;
  if (config.kubeCluster && kubeCluster) return `${s.name} ${kubeCluster}; it runs only on a Kubernetes cluster the lab made (kubeCluster.kubeconfig is set)`;
  const component = resolveComponents(s.needs).find((c) => c.unsupported?.(config));
  return component && `${s.name} needs the ${component.name} component, which ${component.unsupported!(config)}`;
}

/** Scenarios named one by one: the first that cannot run here is refused in one line before anything starts. */
export function refuseUnrunnable(scenarios: Scenario[], config: LabConfig): void {
  for (const s of scenarios) {
    const why = whyNotRunnable(s, config);
    if (why) throw new InputError(why, 'leave it out (`certlab run all` skips it and says why)');
  }
}

function notRun(s: Scenario, reason: string): ScenarioResult {
  const now = new Date().toISOString();
  return { name: s.name, description: s.description, startedAt: now, endedAt: now, durationMs: 0, status: 'skipped', skipReason: reason, steps: [], figures: [], assertions: [], notes: [] };
}

/**
 * After a failed scenario: the lab back to full strength (containers put back, Vault's voters healthy),
 * timed as a cleanup step of that scenario and noted in its report. Returns why it could not be, if so.
 */
async function restoreAfterFailure(ctx: LabContext, components: Component[], result: ScenarioResult): Promise<string | undefined> {
  const recorder = new StepRecorder();
  let error: string | undefined;
  try {
    const healed = await recorder.time('cleanup', 'lab back to full strength', () => restoreFullStrength(ctx, components, RESTORE_TIMEOUT_MS));
    result.notes.push({ title: 'lab restored after the failure', body: [...healed.repaired, `waited for ${healed.waitedFor.join(', ') || 'nothing'} to be whole again`].join('\n') });
  } catch (err) {
    error = errorText(err);
    result.notes.push({ title: 'lab NOT restored after the failure', body: error });
  }
  result.steps.push(...recorder.steps);
  return error;
}

/**
 * Brings up what the scenarios need (a running lab is reused), runs them one after another, and writes
 * reports/<run-id>/. A failed scenario is followed by the lab put back to full strength; when that cannot
 * be done, the rest are skipped rather than run against a degraded lab. A scenario that cannot run with
 * this configuration (whyNotRunnable) is skipped with its reason. Interrupted (ctx.signal), the run undoes
 * the faults in place and writes a partial report marked interrupted.
 */
export async function runScenarios(ctx: LabContext, scenarios: Scenario[], opts: UpOptions & { runId: string; quick: boolean }): Promise<{ report: RunReport; runDir: string }> {
  const startedAt = new Date().toISOString();
  const notRunnable = new Map(scenarios.map((s) => [s, whyNotRunnable(s, ctx.config)]));
  const components = resolveComponents([...new Set(scenarios.filter((s) => !notRunnable.get(s)).flatMap((s) => s.needs))]);
  const runDir = join(ctx.config.reportsDir, opts.runId);
  const progress = opts.progressTo ?? process.stdout;
  await bringUp(ctx, components, opts);
  const results: ScenarioResult[] = [];
  let skipRest: string | undefined;
  for (const scenario of scenarios) {
    if (interruption(ctx.signal)) skipRest ??= 'not run: the run was interrupted';
    const skip = skipRest ?? notRunnable.get(scenario);
    if (skip) {
      results.push(notRun(scenario, skip));
      if (!skipRest) progress.write(`scenario ${scenario.name}: skipped: ${skip}\n`);
      continue;
    }
    progress.write(`scenario ${scenario.name}: running\n`);
    const result = await runScenario(ctx, scenario, { quick: opts.quick, runId: opts.runId });
    if (result.status === 'failed' && !interruption(ctx.signal)) {
      const notRestored = await restoreAfterFailure(ctx, components, result);
      if (notRestored) skipRest = `not run: the lab could not be restored after ${scenario.name} failed (${notRestored})`;
    }
    progress.write(`scenario ${scenario.name}: ${result.status} in ${(result.durationMs / 1000).toFixed(1)} s\n`);
    results.push(result);
  }
  const interrupted = Boolean(interruption(ctx.signal));
  const report: RunReport = {
    schemaVersion: 1, runId: opts.runId, startedAt, endedAt: new Date().toISOString(),
    passed: !interrupted && results.every((r) => r.status !== 'failed'), interrupted,
    environment: await describeEnvironment(ctx.config, components.flatMap((c) => c.images(ctx.config))),
    setup: ctx.steps.steps, scenarios: results,
  };
  const written = await writeReport(runDir, report);
  await ctx.steps.writeTimings(runDir, results.flatMap((r) => r.steps));
  return { report: written, runDir };
}
