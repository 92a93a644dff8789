/**
 * Run-to-run comparison for `certlab report --compare a b`: B is measured against A (delta = b - a),
 * so A is the baseline. Figures and steps are matched by identity, not position, because scenarios
 * gain and lose steps between versions.
 */
import type { Figure, RunReport, ScenarioResult } from './model.ts';
import type { Step } from '../timing/model.ts';
import { figureLabel, figurePassed, formatDuration, formatPercent, formatSigned, formatValue } from './format.ts';
import { markdownTable } from './markdown.ts';

/** One value seen in A, in B or both; null where a side lacks it (new or removed figure or step). */
export interface ValueDelta {
  a: number | null;
  b: number | null;
  delta: number | null;
  /** Relative to |a|; null when a is missing or zero. */
  deltaPct: number | null;
}

export interface FigureDelta extends ValueDelta {
  name: string;
  /** Figure name plus its labels: tells apart e.g. the sigkill and the partition failover times. */
  label: string;
  unit: string;
  passedA: boolean | null;
  passedB: boolean | null;
}

export interface StepDelta extends ValueDelta {
  group: string;
  name: string;
  okA: boolean | null;
  okB: boolean | null;
}

export interface ScenarioDelta {
  name: string;
  statusA: ScenarioResult['status'] | null;
  statusB: ScenarioResult['status'] | null;
  duration: ValueDelta;
  figures: FigureDelta[];
  steps: StepDelta[];
}

export interface ReportDelta {
  a: { runId: string; startedAt: string; passed: boolean };
  b: { runId: string; startedAt: string; passed: boolean };
  setup: StepDelta[];
  scenarios: ScenarioDelta[];
}

export function valueDelta(a: number | null, b: number | null): ValueDelta {
  const delta = a !== null && b !== null ? b - a : null;
  const deltaPct = delta !== null && a !== null && a !== 0 ? (delta / Math.abs(a)) * 100 : null;
  return { a, b, delta, deltaPct };
}

/**
 * Pairs items of A and B by key, A's order first, then what only B has. A key seen twice (the same
 * step run twice in a scenario) pairs by occurrence.
 */
function pairBy<T>(as: T[], bs: T[], key: (t: T) => string): [T | undefined, T | undefined][] {
  const keyed = (items: T[]) => {
    const seen = new Map<string, number>();
    return items.map((item): [string, T] => {
      const k = key(item);
      const n = seen.get(k) ?? 0;
      seen.set(k, n + 1);
      return [`${k}\u0000${n}`, item];
    });
  };
  const aKeyed = keyed(as);
  const bKeyed = keyed(bs);
  const bByKey = new Map(bKeyed);
  const aKeys = new Set(aKeyed.map(([k]) => k));
  return [
    ...aKeyed.map(([k, a]): [T | undefined, T | undefined] => [a, bByKey.get(k)]),
    ...bKeyed.filter(([k]) => !aKeys.has(k)).map(([, b]): [T | undefined, T | undefined] => [undefined, b]),
  ];
}

const figureKey = (f: Figure) => `${figureLabel(f)}\u0000${f.unit}`;
const stepKey = (s: Step) => `${s.group}\u0000${s.name}`;

function compareFigures(as: Figure[], bs: Figure[]): FigureDelta[] {
  return pairBy(as, bs, figureKey).map(([a, b]) => {
    const f = (a ?? b)!;
    return {
      name: f.name, label: figureLabel(f), unit: f.unit,
      ...valueDelta(a?.value ?? null, b?.value ?? null),
      passedA: a ? figurePassed(a) ?? null : null, passedB: b ? figurePassed(b) ?? null : null,
    };
  });
}

function compareSteps(as: Step[], bs: Step[]): StepDelta[] {
  return pairBy(as, bs, stepKey).map(([a, b]) => {
    const s = (a ?? b)!;
    return { group: s.group, name: s.name, ...valueDelta(a?.durationMs ?? null, b?.durationMs ?? null), okA: a?.ok ?? null, okB: b?.ok ?? null };
  });
}

/** Skipped scenarios took no time worth comparing: a 0 ms baseline would read as an endless slowdown. */
const ranFor = (s: ScenarioResult | undefined) => (s && s.status !== 'skipped' ? s.durationMs : null);

export function compareReports(a: RunReport, b: RunReport): ReportDelta {
  const run = (r: RunReport) => ({ runId: r.runId, startedAt: r.startedAt, passed: r.passed });
  return {
    a: run(a),
    b: run(b),
    setup: compareSteps(a.setup, b.setup),
    scenarios: pairBy(a.scenarios, b.scenarios, (s) => s.name).map(([sa, sb]) => ({
      name: (sa ?? sb)!.name,
      statusA: sa?.status ?? null,
      statusB: sb?.status ?? null,
      duration: valueDelta(ranFor(sa), ranFor(sb)),
      figures: compareFigures(sa?.figures ?? [], sb?.figures ?? []),
      steps: compareSteps(sa?.steps ?? [], sb?.steps ?? []),
    })),
  };
}

const orDash = (value: number | null, format: (v: number) => string) => (value === null ? '–' : format(value));
const durationCells = (d: ValueDelta) => [
  orDash(d.a, formatDuration), orDash(d.b, formatDuration),
  d.delta === null ? 'n/a' : `${d.delta > 0 ? '+' : ''}${formatDuration(d.delta)}`, formatPercent(d.deltaPct),
];

function stepRows(scope: string, steps: StepDelta[]): string[][] {
  return steps.map((s) => [scope, `${s.group}: ${s.name}`, ...durationCells(s)]);
}

/** Only figures held against a threshold have a verdict; a flip is what a reader scans for. */
function thresholdChange(f: FigureDelta): string {
  if (f.passedA === null && f.passedB === null) return '';
  const word = (p: boolean | null) => (p === null ? '–' : p ? 'pass' : 'FAIL');
  return `${word(f.passedA)} → ${word(f.passedB)}`;
}

export function renderComparison(delta: ReportDelta): string {
  const verdict = (passed: boolean) => (passed ? 'passed' : 'FAILED');
  const status = (s: string | null) => s ?? 'absent';
  const scenarios = markdownTable({
    headers: ['Scenario', 'Status A', 'Status B', 'Duration A', 'Duration B', 'Δ', 'Δ%'],
    rows: delta.scenarios.map((s) => [s.name, status(s.statusA), status(s.statusB), ...durationCells(s.duration)]),
    numeric: [3, 4, 5, 6],
  });
  const figures = markdownTable({
    headers: ['Scenario', 'Figure', 'A', 'B', 'Δ', 'Δ%', 'Threshold A → B'],
    rows: delta.scenarios.flatMap((s) => s.figures.map((f) => [
      s.name, f.label, orDash(f.a, (v) => formatValue(v, f.unit)), orDash(f.b, (v) => formatValue(v, f.unit)),
      formatSigned(f.delta, f.unit), formatPercent(f.deltaPct), thresholdChange(f),
    ])),
    numeric: [2, 3, 4, 5],
  });
  const steps = markdownTable({
    headers: ['Scope', 'Step', 'A', 'B', 'Δ', 'Δ%'],
    rows: [...stepRows('setup', delta.setup), ...delta.scenarios.flatMap((s) => stepRows(s.name, s.steps))],
    numeric: [2, 3, 4, 5],
  });
  return [
    `## certlab comparison: A ${delta.a.runId} (${verdict(delta.a.passed)}) → B ${delta.b.runId} (${verdict(delta.b.passed)})`,
    'Δ = B − A; Δ% relative to A.',
    '### Scenarios', scenarios,
    '### Figures', figures,
    '### Step durations', steps,
  ].join('\n\n') + '\n';
}
