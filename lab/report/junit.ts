/**
 * junit.xml in the shape CI test reporters (GitHub, GitLab, Jenkins) agree on: a suite per scenario,
 * a case per step, and a case per assertion and per threshold so a missed target fails the build
 * visibly, not only in the report.
 */
import type { Figure, RunReport, ScenarioResult } from './model.ts';
import type { Step } from '../timing/model.ts';
import { escapeXml, escapeXmlAttr } from './escape.ts';
import { figureLabel, figurePassed, formatThreshold, formatValue } from './format.ts';

interface TestCase {
  classname: string;
  name: string;
  timeMs: number;
  failure?: { message: string; detail?: string };
  skipped?: string;
}

interface TestSuite {
  name: string;
  timestamp: string;
  timeMs: number;
  cases: TestCase[];
  properties: [string, string][];
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function stepCase(classname: string, step: Step): TestCase {
  return {
    classname, name: `${step.group}: ${step.name}`, timeMs: step.durationMs,
    ...(step.ok ? {} : { failure: { message: step.error ?? 'step failed', ...(step.error ? { detail: step.error } : {}) } }),
  };
}

function thresholdCase(classname: string, figure: Figure): TestCase {
  const actual = formatValue(figure.value, figure.unit);
  return {
    classname, name: `${figureLabel(figure)} ${formatThreshold(figure)}`, timeMs: 0,
    ...(figurePassed(figure) === false ? { failure: { message: `${actual}, expected ${formatThreshold(figure)}` } } : {}),
  };
}

function scenarioSuite(s: ScenarioResult): TestSuite {
  const properties: [string, string][] = s.figures.map((f) => [`figure: ${figureLabel(f)}`, formatValue(f.value, f.unit)]);
  if (s.status === 'skipped') {
    const reason = s.skipReason ?? 'skipped';
    return { name: s.name, timestamp: s.startedAt, timeMs: 0, properties, cases: [{ classname: s.name, name: s.name, timeMs: 0, skipped: reason }] };
  }
  const assertions = `${s.name}.assertions`;
  const cases: TestCase[] = [
    ...s.steps.map((st) => stepCase(`${s.name}.steps`, st)),
    ...s.assertions.map((a) => ({
      classname: assertions, name: a.name, timeMs: 0,
      ...(a.passed ? {} : { failure: { message: a.detail ?? 'assertion failed' } }),
    })),
    ...s.figures.filter((f) => f.threshold).map((f) => thresholdCase(assertions, f)),
  ];
  // A scenario can fail outside any step or assertion (a crash between them); CI must still go red.
  if (s.status === 'failed' && !cases.some((c) => c.failure)) {
    cases.push({ classname: s.name, name: 'scenario result', timeMs: 0, failure: { message: 'scenario reported failed without a failing step or assertion' } });
  }
  return { name: s.name, timestamp: s.startedAt, timeMs: s.durationMs, properties, cases };
}

function setupSuite(report: RunReport): TestSuite[] {
  if (!report.setup.length) return [];
  const timeMs = Date.parse(report.setup.at(-1)!.endedAt) - Date.parse(report.setup[0]!.startedAt);
  return [{ name: 'setup', timestamp: report.setup[0]!.startedAt, timeMs, properties: [], cases: report.setup.map((st) => stepCase('setup.steps', st)) }];
}

const count = (cases: TestCase[], has: (c: TestCase) => boolean) => cases.filter(has).length;
const attr = (name: string, value: string | number) => `${name}="${escapeXmlAttr(String(value))}"`;

function renderCase(c: TestCase): string {
  const open = `    <testcase ${attr('classname', c.classname)} ${attr('name', c.name)} ${attr('time', seconds(c.timeMs))}`;
  if (c.skipped !== undefined) return `${open}>\n      <skipped ${attr('message', c.skipped)}/>\n    </testcase>`;
  if (c.failure) {
    return `${open}>\n      <failure ${attr('message', c.failure.message)} type="AssertionError">${escapeXml(c.failure.detail ?? c.failure.message)}</failure>\n    </testcase>`;
  }
  return `${open}/>`;
}

function renderSuite(s: TestSuite): string {
  const props = s.properties.length
    ? `    <properties>\n${s.properties.map(([k, v]) => `      <property ${attr('name', k)} ${attr('value', v)}/>`).join('\n')}\n    </properties>\n`
    : '';
  return `  <testsuite ${attr('name', s.name)} ${attr('tests', s.cases.length)} ${attr('failures', count(s.cases, (c) => !!c.failure))} errors="0" `
    + `${attr('skipped', count(s.cases, (c) => c.skipped !== undefined))} ${attr('time', seconds(s.timeMs))} ${attr('timestamp', s.timestamp)}>\n`
    + `${props}${s.cases.map(renderCase).join('\n')}\n  </testsuite>`;
}

export function renderJunit(report: RunReport): string {
  const suites = [...setupSuite(report), ...report.scenarios.map(scenarioSuite)];
  const all = suites.flatMap((s) => s.cases);
  const timeMs = Date.parse(report.endedAt) - Date.parse(report.startedAt);
  return `<?xml version="1.0" encoding="UTF-8"?>\n`
    + `<testsuites ${attr('name', `certlab ${report.runId}`)} ${attr('tests', all.length)} ${attr('failures', count(all, (c) => !!c.failure))} errors="0" `
    + `${attr('skipped', count(all, (c) => c.skipped !== undefined))} ${attr('time', seconds(timeMs))}>\n`
    + `${suites.map(renderSuite).join('\n')}\n</testsuites>\n`;
}
