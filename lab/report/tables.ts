/**
 * Tables as plain data, built once and drawn by both the markdown and the HTML renderer, so the two
 * reports can never disagree on what a figure's verdict or a step's duration is.
 */
import type { Assertion, Environment, Figure, RunReport, ScenarioResult, SubjectTimeline } from './model.ts';
import type { Step } from '../timing/model.ts';
import { scenarioAnchor } from './anchors.ts';
import { figureLabel, figurePassed, formatBytes, formatDuration, formatThreshold, formatValue } from './format.ts';

export type Tone = 'pass' | 'fail' | 'skip';
/**
 * A cell's tone becomes an emoji in markdown and a coloured badge in HTML. Links are followed only
 * in HTML: GitHub rewrites heading anchors in job summaries, so markdown shows plain text.
 */
export type Cell = string | { text: string; tone?: Tone; href?: string };
export interface Table {
  headers: string[];
  rows: Cell[][];
  /** Column indexes holding numbers, right-aligned so magnitudes line up. */
  numeric?: number[];
}

export function cellText(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.text;
}

export function verdict(passed: boolean | undefined): Cell {
  if (passed === undefined) return '';
  return passed ? { text: 'pass', tone: 'pass' } : { text: 'FAIL', tone: 'fail' };
}

export function statusCell(status: ScenarioResult['status']): Cell {
  const tone: Tone = status === 'passed' ? 'pass' : status === 'failed' ? 'fail' : 'skip';
  return { text: status, tone };
}

function countPassed<T>(items: T[], passed: (item: T) => boolean | undefined): string {
  const judged = items.map(passed).filter((p) => p !== undefined);
  return judged.length ? `${judged.filter(Boolean).length}/${judged.length}` : '–';
}

export function summaryTable(report: RunReport): Table {
  return {
    headers: ['Scenario', 'Status', 'Duration', 'Thresholds met', 'Assertions passed', 'Steps ok'],
    rows: report.scenarios.map((s) => [
      { text: s.name, href: `#${scenarioAnchor(s.name)}` },
      statusCell(s.status),
      s.status === 'skipped' ? '–' : formatDuration(s.durationMs),
      countPassed(s.figures, figurePassed),
      countPassed(s.assertions, (a) => a.passed),
      countPassed(s.steps, (st) => st.ok),
    ]),
    numeric: [2, 3, 4, 5],
  };
}

export function environmentTable(env: Environment): Table {
  const { host } = env;
  return {
    headers: ['Property', 'Value'],
    rows: [
      ['Host', host.hostname],
      ['CPU', `${host.cores} cores, ${host.cpuModel}`],
      ['Memory', formatBytes(host.memoryBytes)],
      ['OS', host.os],
      ['Node.js', host.node],
      ['Vault flavour', env.vaultFlavor],
    ],
  };
}

export function imagesTable(env: Environment): Table {
  return {
    headers: ['Image', 'Reference', 'Version', 'Source'],
    rows: env.images.map((i) => [i.key, i.ref, i.version, i.source]),
  };
}

export function figuresTable(figures: Figure[]): Table {
  return {
    headers: ['Figure', 'Value', 'Threshold', 'Result'],
    rows: figures.map((f) => [figureLabel(f), formatValue(f.value, f.unit), formatThreshold(f), verdict(figurePassed(f))]),
    numeric: [1, 2],
  };
}

export function assertionsTable(assertions: Assertion[]): Table {
  return {
    headers: ['Assertion', 'Result', 'Detail'],
    rows: assertions.map((a) => [a.name, verdict(a.passed), a.detail ?? '']),
  };
}

/** Where the first step started: step offsets are shown relative to it, wall clock times are noise. */
export function earliestStart(steps: Step[]): number {
  return Math.min(...steps.map((s) => Date.parse(s.startedAt)));
}

export function stepsTable(steps: Step[]): Table {
  const origin = earliestStart(steps);
  return {
    headers: ['#', 'Group', 'Step', 'Starts at', 'Duration', 'Result', 'Error'],
    rows: steps.map((s, i) => [
      String(i + 1),
      s.group,
      s.name,
      `+${formatDuration(Date.parse(s.startedAt) - origin)}`,
      formatDuration(s.durationMs),
      verdict(s.ok),
      s.error ?? '',
    ]),
    numeric: [0, 3, 4],
  };
}

/**
 * Kinds of event in the order they happen: by their mean position in the subjects' own sequences (a
 * subject renewed by schedule and one renewed by force put "planned" and "triggered" both before "renewed").
 */
function eventColumns(timelines: SubjectTimeline[]): string[] {
  const positions = new Map<string, number[]>();
  for (const t of timelines) {
    const kinds = [...new Set(t.events.map((e) => e.event))];
    kinds.forEach((k, i) => positions.set(k, [...(positions.get(k) ?? []), i]));
  }
  const mean = (k: string) => positions.get(k)!.reduce((a, b) => a + b, 0) / positions.get(k)!.length;
  return [...positions.keys()].sort((a, b) => mean(a) - mean(b));
}

/**
 * One row per subject, one column per kind of event: the first (requested) as a time of day, each later
 * one as an offset from it; an event that happened more than once (served again after a renewal) lists
 * every offset. Details (serials) follow in the last column.
 */
export function subjectTimelinesTable(timelines: SubjectTimeline[]): Table {
  const events = eventColumns(timelines);
  return {
    headers: ['Subject', ...events.map((e, i) => (i === 0 ? `${e} (UTC)` : e)), 'Detail'],
    rows: timelines.map((t) => {
      const origin = Math.min(...t.events.map((e) => Date.parse(e.at)));
      const cells = events.map((name, i) => t.events.filter((e) => e.event === name)
        .map((e) => (i === 0 ? e.at.slice(11, 23) : `+${formatDuration(Date.parse(e.at) - origin)}`)).join(', '));
      const detail = t.events.filter((e) => e.detail).map((e) => `${e.event}: ${e.detail}`).join('; ');
      return [t.subject, ...cells, detail];
    }),
    numeric: events.slice(1).map((_, i) => i + 2),
  };
}
