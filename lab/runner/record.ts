import type { LabContext } from '../context.ts';
import type { Assertion, Figure, ScenarioResult } from '../report/model.ts';
import { StepRecorder } from '../timing/recorder.ts';
import type { Scenario, ScenarioRun, Threshold } from './scenario.ts';

function holds(value: number, t: Threshold): boolean {
  return t.op === '<=' ? value <= t.value : value >= t.value;
}

/** Runs one scenario and turns what it recorded into its report entry; a thrown error fails it. */
export async function runScenario(ctx: LabContext, scenario: Scenario, quick: boolean): Promise<ScenarioResult> {
  const steps = new StepRecorder();
  const figures: Figure[] = [];
  const assertions: Assertion[] = [];
  const notes: ScenarioResult['notes'] = [];
  const run: ScenarioRun = {
    ctx, quick,
    step: (name, work) => steps.time(scenario.name, name, work),
    figure(name, value, unit, opts = {}) {
      figures.push({ name, value: Math.round(value * 1000) / 1000, unit, ...opts, ...(opts.threshold ? { passed: holds(value, opts.threshold) } : {}) });
    },
    check(name, passed, detail) {
      assertions.push({ name, passed, ...(detail ? { detail } : {}) });
      return passed;
    },
    note: (title, body) => notes.push({ title, body }),
  };
  const startedAt = new Date();
  const t0 = performance.now();
  try {
    await scenario.run(run);
  } catch (err) {
    assertions.push({ name: 'scenario ran to the end', passed: false, detail: err instanceof Error ? err.message : String(err) });
  }
  const durationMs = Math.round(performance.now() - t0);
  const passed = assertions.every((a) => a.passed) && figures.every((f) => f.passed !== false) && steps.steps.every((s) => s.ok);
  return {
    name: scenario.name, description: scenario.description,
    startedAt: startedAt.toISOString(), endedAt: new Date(startedAt.getTime() + durationMs).toISOString(), durationMs,
    status: passed ? 'passed' : 'failed', steps: steps.steps, figures, assertions, notes,
  };
}
