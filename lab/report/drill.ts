// The DR drill's report (`certlab drill`): each scenario of the disaster-recovery set as a runbook, every
// recovery step one line with its offset from the scenario's start and its duration; the recovery
// objectives (RTO, RPO and every figure held to a target in the configuration) with pass or fail; and the
// drill's verdict. Pure: rendered from the run report.
import type { Figure, RunReport, ScenarioResult } from './model.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function figureValue(f: Figure): string {
  return f.unit === 'ms' ? seconds(f.value) : `${f.value} ${f.unit}`;
}

/** The figures a drill holds to a target: every one with a threshold. */
export function objectives(s: ScenarioResult): Figure[] {
  return s.figures.filter((f) => f.threshold);
}

/** Recovery time and recovery point objectives: the figures labelled `objective: RTO` (or RPO), or named so. */
export function recoveryObjective(s: ScenarioResult, kind: 'RTO' | 'RPO'): Figure | undefined {
  return s.figures.find((f) => f.labels?.objective === kind) ?? s.figures.find((f) => f.name.startsWith(kind));
}

/** One runbook line per step of the scenario (its own steps, then the undo steps), numbered. */
export function runbookLines(s: ScenarioResult): string[] {
  const start = Date.parse(s.startedAt);
  return s.steps.map((step, i) => {
    const at = Date.parse(step.startedAt) - start;
    const undo = step.group === 'cleanup' ? 'undo: ' : '';
    return `${i + 1}. [+${seconds(at)}, took ${seconds(step.durationMs)}] ${undo}${step.name.replace(/^release: /, '')}${step.ok ? '' : ` — FAILED: ${step.error ?? ''}`}`;
  });
}

function objectiveCell(f: Figure | undefined): string {
  if (!f) return '-';
  const target = f.threshold ? ` (target ${f.threshold.op} ${f.unit === 'ms' ? seconds(f.threshold.value) : f.threshold.value}: ${f.passed ? 'met' : 'MISSED'})` : '';
  return `${figureValue(f)}${target}`;
}

export function renderDrillMarkdown(report: RunReport): string {
  const out: string[] = [
    `# DR drill ${report.runId}: ${report.interrupted ? 'INTERRUPTED' : report.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `${report.startedAt} to ${report.endedAt}, on ${report.environment.host.hostname} (${report.environment.host.cores} cores, Vault ${report.environment.vaultFlavor}).`,
    '',
    '| scenario | result | duration | RTO | RPO | objectives met |',
    '|---|---|---:|---|---|---:|',
    ...report.scenarios.map((s) => {
      const held = objectives(s);
      return `| ${s.name} | ${s.status} | ${seconds(s.durationMs)} | ${objectiveCell(recoveryObjective(s, 'RTO'))} | ${objectiveCell(recoveryObjective(s, 'RPO'))} | ${held.filter((f) => f.passed).length}/${held.length} |`;
    }),
  ];
  for (const s of report.scenarios) {
    out.push('', `## ${s.name}: ${s.status}${s.skipReason ? ` (${s.skipReason})` : ''}`, '', s.description, '', '### Runbook', '', ...runbookLines(s));
    const held = objectives(s);
    if (held.length) {
      out.push('', '### Objectives', '', '| figure | value | target | |', '|---|---:|---|---|');
      for (const f of held) out.push(`| ${f.name}${f.labels ? ` (${Object.values(f.labels).join(', ')})` : ''} | ${figureValue(f)} | ${f.threshold!.op} ${f.unit === 'ms' ? seconds(f.threshold!.value) : f.threshold!.value} | ${f.passed ? 'met' : 'MISSED'} |`);
    }
    const failed = s.assertions.filter((a) => !a.passed);
    if (failed.length) out.push('', '### Failed checks', '', ...failed.map((a) => `- ${a.name}: ${a.detail ?? ''}`));
    const lesson = s.notes.find((n) => n.title === 'operational lesson');
    if (lesson) out.push('', '### Lesson', '', lesson.body);
  }
  return out.join('\n') + '\n';
}
