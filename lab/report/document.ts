/**
 * The report's outline as a list of blocks. Markdown and HTML walk the same outline, so sections,
 * their order and their wording are decided here once.
 */
import type { Figure, RunReport, ScenarioResult } from './model.ts';
import type { Step } from '../timing/model.ts';
import { scenarioAnchor } from './anchors.ts';
import { formatDuration } from './format.ts';
import {
  assertionsTable, environmentTable, figuresTable, imagesTable, statusCell, stepsTable, subjectTimelinesTable, summaryTable,
  type Cell, type Table,
} from './tables.ts';

export type ChartSpec =
  | { kind: 'timeline'; title: string; steps: Step[] }
  | { kind: 'figures'; title: string; unit: string; figures: Figure[] };

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string; status?: Cell; anchor?: string }
  | { kind: 'paragraph'; parts: Cell[] }
  | { kind: 'table'; table: Table; /** Long tables fold away in the CI summary. */ collapsed?: string }
  /** Only the HTML report can draw charts; markdown leaves them out. */
  | { kind: 'charts'; charts: ChartSpec[] }
  | { kind: 'note'; title: string; body: string };

function runOverview(report: RunReport): Block[] {
  const count = (status: ScenarioResult['status']) => report.scenarios.filter((s) => s.status === status).length;
  const duration = Date.parse(report.endedAt) - Date.parse(report.startedAt);
  return [
    { kind: 'heading', level: 1, text: `certlab run ${report.runId}`, status: report.interrupted ? { text: 'INTERRUPTED', tone: 'fail' } : report.passed ? { text: 'PASSED', tone: 'pass' } : { text: 'FAILED', tone: 'fail' } },
    {
      kind: 'paragraph',
      parts: [
        `Started ${report.startedAt}, ended ${report.endedAt} (${formatDuration(duration)}). `,
        `${report.scenarios.length} scenarios: `,
        { text: `${count('passed')} passed`, tone: 'pass' }, ', ',
        { text: `${count('failed')} failed`, tone: 'fail' }, ', ',
        { text: `${count('skipped')} skipped`, tone: 'skip' }, '.',
      ],
    },
    { kind: 'heading', level: 2, text: 'Scenarios' },
    { kind: 'table', table: summaryTable(report) },
  ];
}

function environment(report: RunReport): Block[] {
  return [
    { kind: 'heading', level: 2, text: 'Environment' },
    { kind: 'table', table: environmentTable(report.environment) },
    ...(report.environment.images.length ? [{ kind: 'table', table: imagesTable(report.environment), collapsed: `Images (${report.environment.images.length})` } as const] : []),
  ];
}

function timeline(title: string, steps: Step[], label: string): Block[] {
  if (!steps.length) return [];
  return [
    { kind: 'charts', charts: [{ kind: 'timeline', title, steps }] },
    { kind: 'table', table: stepsTable(steps), collapsed: `${label} (${steps.length})` },
  ];
}

/** One chart per unit: milliseconds and request counts on a shared axis would flatten one of them. */
function figureCharts(scenario: ScenarioResult): ChartSpec[] {
  const byUnit = new Map<string, Figure[]>();
  for (const f of scenario.figures) byUnit.set(f.unit, [...(byUnit.get(f.unit) ?? []), f]);
  return [...byUnit].map(([unit, figures]) => ({ kind: 'figures', title: `${scenario.name}: figures in ${unit || 'units'}`, unit, figures }));
}

function scenarioSection(s: ScenarioResult): Block[] {
  const failed = s.assertions.filter((a) => !a.passed);
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: s.name, status: statusCell(s.status), anchor: scenarioAnchor(s.name) },
    { kind: 'paragraph', parts: [s.description] },
  ];
  if (s.status === 'skipped') {
    blocks.push({ kind: 'paragraph', parts: [{ text: 'Skipped', tone: 'skip' }, `: ${s.skipReason ?? 'no reason given'}`] });
  } else {
    blocks.push({ kind: 'paragraph', parts: [`Ran from ${s.startedAt} to ${s.endedAt} (${formatDuration(s.durationMs)}).`] });
  }
  if (s.figures.length) {
    blocks.push({ kind: 'heading', level: 3, text: 'Figures' }, { kind: 'table', table: figuresTable(s.figures) });
    blocks.push({ kind: 'charts', charts: figureCharts(s) });
  }
  if (s.timelines?.length) {
    blocks.push({ kind: 'heading', level: 3, text: 'Timelines' });
    // Fifty Certificates per issuer make a long table: it folds away in the CI summary.
    blocks.push({ kind: 'table', table: subjectTimelinesTable(s.timelines), ...(s.timelines.length > 12 ? { collapsed: `Timelines (${s.timelines.length})` } : {}) });
  }
  if (s.assertions.length) {
    blocks.push({ kind: 'heading', level: 3, text: 'Assertions' });
    blocks.push(failed.length
      ? { kind: 'paragraph', parts: [{ text: `${failed.length} of ${s.assertions.length} assertions failed`, tone: 'fail' }, ':'] }
      : { kind: 'paragraph', parts: [{ text: `All ${s.assertions.length} assertions passed`, tone: 'pass' }, '.'] });
    if (failed.length) blocks.push({ kind: 'table', table: assertionsTable(failed) });
  }
  if (s.steps.length) {
    blocks.push({ kind: 'heading', level: 3, text: 'Steps' }, ...timeline(`${s.name}: step timeline`, s.steps, 'Steps'));
  }
  if (s.notes.length) {
    blocks.push({ kind: 'heading', level: 3, text: 'Notes' }, ...s.notes.map((n) => ({ kind: 'note', ...n }) as const));
  }
  return blocks;
}

export function buildDocument(report: RunReport): Block[] {
  return [
    ...runOverview(report),
    ...environment(report),
    ...(report.setup.length ? [{ kind: 'heading', level: 2, text: 'Setup' } as const, ...timeline('Setup timeline', report.setup, 'Setup steps')] : []),
    ...report.scenarios.flatMap(scenarioSection),
  ];
}
