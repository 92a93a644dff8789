import type { LabContext } from '../context.ts';
import { errorText } from '../errors.ts';
import { interruption } from '../interrupt.ts';
import { Releases } from '../releases.ts';
import type { Assertion, Figure, ScenarioResult, SubjectTimeline } from '../report/model.ts';
import { StepRecorder } from '../timing/recorder.ts';
import { DEFAULT_TIME_LIMIT_MS, type Scenario, type ScenarioRun, type Threshold } from './scenario.ts';

export interface ScenarioOptions {
  quick: boolean;
  runId: string;
}

function holds(value: number, t: Threshold): boolean {
  return t.op === '<=' ? value <= t.value : value >= t.value;
}

/** The work's outcome, or the signal's reason as soon as it aborts (the work then stops at its next step). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    // The work's own outcome is always handled, even when the abort already decided this one.
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs one scenario and turns what it recorded into its report entry. The scenario gets a context of its
 * own: a signal that aborts on Ctrl-C or at its time limit, and a stack of releases that is undone on every
 * path.
 */
export async function runScenario(ctx: LabContext, scenario: Scenario, opts: ScenarioOptions): Promise<ScenarioResult> {
  const steps = new StepRecorder();
  const figures: Figure[] = [];
  const assertions: Assertion[] = [];
  const notes: ScenarioResult['notes'] = [];
  const timelines = new Map<string, SubjectTimeline['events']>();
  const limitMs = (scenario.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS)[opts.quick ? 'quick' : 'full'];
  const own = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, own.signal]) : own.signal;
  const releases = new Releases();
  const sctx: LabContext = { ...ctx, steps, signal, releases };
  const run: ScenarioRun = {
    ctx: sctx, quick: opts.quick, runId: opts.runId,
    step: (name, work) => {
      signal.throwIfAborted();
      return steps.time(scenario.name, name, work);
    },
    figure(name, value, unit, o = {}) {
      figures.push({ name, value: Math.round(value * 1000) / 1000, unit, ...o, ...(o.threshold ? { passed: holds(value, o.threshold) } : {}) });
    },
    check(name, passed, detail) {
      assertions.push({ name, passed, ...(detail ? { detail } : {}) });
      return passed;
    },
    note: (title, body) => notes.push({ title, body }),
    timeline(subject, event, at, detail) {
      const events = timelines.get(subject) ?? [];
      events.push({ event, at: new Date(at).toISOString(), ...(detail ? { detail } : {}) });
      timelines.set(subject, events);
    },
  };
  const startedAt = new Date();
  const t0 = performance.now();
  const limit = setTimeout(() => own.abort(new Error(`stopped at its time limit of ${Math.round(limitMs / 1000)} s`)), limitMs);
  try {
    await untilAborted(scenario.run(run), signal);
  } catch (err) {
    const interrupted = interruption(ctx.signal);
    assertions.push(interrupted
      ? { name: 'scenario was not interrupted', passed: false, detail: interrupted.message }
      : { name: 'scenario ran to the end', passed: false, detail: errorText(err) });
  } finally {
    clearTimeout(limit);
    // Whatever of the scenario is still waiting stops now; then everything it started is undone.
    own.abort(new Error('the scenario is over'));
    for (const r of await releases.releaseAll()) steps.record('cleanup', `release: ${r.what}`, r.startedAt, r.durationMs, r.error);
  }
  const passed = assertions.every((a) => a.passed) && figures.every((f) => f.passed !== false) && steps.steps.every((s) => s.ok);
  const durationMs = Math.round(performance.now() - t0);
  return {
    name: scenario.name, description: scenario.description,
    startedAt: startedAt.toISOString(), endedAt: new Date(startedAt.getTime() + durationMs).toISOString(), durationMs,
    status: passed ? 'passed' : 'failed', steps: steps.steps, figures, assertions, notes,
    ...(timelines.size ? { timelines: [...timelines].map(([subject, events]) => ({ subject, events: events.sort((a, b) => a.at.localeCompare(b.at)) })) } : {}),
  };
}
