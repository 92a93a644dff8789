import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, rm, writeFile, readdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  compareReports, loadReport, renderComparison, renderHtml, renderJunit, renderMarkdown, rerender, writeReport,
  ReportFileError, RunReportSchema, type RunReport,
} from '../../lab/report/index.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/reports/sample-report.json', import.meta.url));

const fixture = async (): Promise<RunReport> => RunReportSchema.parse(JSON.parse(await readFile(FIXTURE, 'utf8')));
const clone = (r: RunReport): RunReport => structuredClone(r);

let report: RunReport;
let dir: string;

beforeAll(async () => {
  report = await fixture();
  dir = await mkdtemp(join(tmpdir(), 'certlab-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('report.json', () => {
  it('round-trips the stored fixture through writeReport and loadReport', async () => {
    const run = join(dir, 'roundtrip');
    await writeReport(run, report);
    expect((await readdir(run)).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'report.md']);
    expect(await loadReport(run)).toEqual(report);
    expect(JSON.parse(await readFile(join(run, 'report.json'), 'utf8'))).toEqual(JSON.parse(await readFile(FIXTURE, 'utf8')));
  });

  it('loads from the report.json path as well as from the run directory', async () => {
    expect((await loadReport(FIXTURE)).runId).toBe('20250612T091403Z-7f3a');
  });

  it('names the bad key in one line when the schema rejects the file', async () => {
    const bad = JSON.parse(await readFile(FIXTURE, 'utf8'));
    bad.scenarios[1].figures[0].value = 'fast';
    const run = join(dir, 'bad-schema');
    await writeReport(run, report);
    await writeFile(join(run, 'report.json'), JSON.stringify(bad));
    const err = await loadReport(run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportFileError);
    const message = (err as Error).message;
    expect(message).toContain('scenarios[1].figures[0].value');
    expect(message).toContain(join(run, 'report.json'));
    expect(message).not.toContain('\n');
  });

  it('counts further schema problems instead of listing them', async () => {
    const bad = JSON.parse(await readFile(FIXTURE, 'utf8'));
    delete bad.runId;
    bad.schemaVersion = 2;
    const file = join(dir, 'two-problems.json');
    await writeFile(file, JSON.stringify(bad));
    await expect(loadReport(file)).rejects.toThrow(/invalid report at \S+: .*\(and 1 more problem\)$/);
  });

  it('reports unreadable and non-JSON files in one line', async () => {
    await expect(loadReport(join(dir, 'no-such-run'))).rejects.toThrow(/no-such-run\/report\.json: cannot read report: ENOENT/);
    const file = join(dir, 'broken.json');
    await writeFile(file, '{"schemaVersion": 1,');
    await expect(loadReport(file)).rejects.toThrow(/broken\.json: not valid JSON/);
  });

  it('refuses to write an invalid report, leaving nothing behind', async () => {
    const bad = clone(report) as unknown as { scenarios: { status: string }[] };
    bad.scenarios[0]!.status = 'flaky';
    const run = join(dir, 'refused');
    await expect(writeReport(run, bad as unknown as RunReport)).rejects.toThrow(/scenarios\[0\]\.status/);
    await expect(readdir(run)).rejects.toThrow(/ENOENT/);
  });

  it('rerender rebuilds the derived files from report.json alone', async () => {
    const run = join(dir, 'rerender');
    await writeReport(run, report);
    const before = await readFile(join(run, 'report.md'), 'utf8');
    await Promise.all(['report.md', 'report.html', 'junit.xml'].map((f) => unlink(join(run, f))));
    await rerender(run);
    expect(await readFile(join(run, 'report.md'), 'utf8')).toBe(before);
    expect((await readdir(run)).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'report.md']);
  });
});

/** Cells of a GFM table row, split on unescaped pipes only. */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  for (let i = 1; i < line.length - 1; i++) {
    if (line[i] === '\\') { cell += line[i]! + (line[i + 1] ?? ''); i++; continue; }
    if (line[i] === '|') { out.push(cell.trim()); cell = ''; continue; }
    cell += line[i];
  }
  out.push(cell.trim());
  return out;
}

describe('report.md', () => {
  let md: string;
  beforeAll(() => { md = renderMarkdown(report); });

  it('states the overall verdict and the scenario counts', () => {
    expect(md.split('\n')[0]).toBe('# certlab run 20250612T091403Z-7f3a ❌ FAILED');
    expect(md).toContain('3 scenarios: ✅ 1 passed, ❌ 1 failed, ⏭️ 1 skipped.');
  });

  it('has a summary table with status, duration and pass counts per scenario', () => {
    expect(md).toContain('| Scenario | Status | Duration | Thresholds met | Assertions passed | Steps ok |');
    expect(md).toContain('| vault-leader-failover | ✅ passed | 23.0 s | 3/3 | 3/3 | 6/6 |');
    expect(md).toContain('| vault-quorum-loss | ❌ failed | 24.8 s | 2/4 | 2/3 | 7/8 |');
    expect(md).toContain('| certificate-revocation | ⏭️ skipped | – | – | – | – |');
  });

  it('describes the environment: cores, memory and image references', () => {
    expect(md).toContain('| CPU | 2 cores, AMD EPYC 7B13 |');
    expect(md).toContain('| Memory | 24 GiB |');
    expect(md).toContain('| vault | certlab/openbao:2.3.1 | 2.3.1 | built |');
  });

  it('lists figures with thresholds and verdicts', () => {
    expect(md).toContain('| time to new leader [fault=sigkill] | 3,180 ms | ≤ 5,000 ms | ✅ pass |');
    expect(md).toContain('| time to new leader [fault=quorum-loss] | 9,820 ms | ≤ 5,000 ms | ❌ FAIL |');
    expect(md).toContain('| availability during fault | 91.4% | ≥ 95% | ❌ FAIL |');
    expect(md).toMatch(/\| failed requests \| 57 \| +\| +\|/);
  });

  it('lists only the failed assertions, with their detail', () => {
    expect(md).toContain('❌ 1 of 3 assertions failed:');
    expect(md).toContain('| leader re-elected within 5 s of quorum restore | ❌ FAIL | took 9820 ms:');
    expect(md).not.toContain('| writes are refused without quorum |');
    expect(md).toContain('✅ All 3 assertions passed.');
  });

  it('has step tables, folded, with the failing step and its escaped error', () => {
    expect(md).toContain('<details><summary>Setup steps (15)</summary>');
    expect(md).toContain('<details><summary>Steps (8)</summary>');
    const failing = md.split('\n').find((l) => l.includes('| wait for leader |'));
    expect(cells(failing!)).toEqual([
      '5', 'measure', 'wait for leader', '+8.98 s', '8.00 s', '❌ FAIL',
      'timeout after 8000 ms: no leader elected; last status {"ha\\_enabled":true,"leader\\_address":""} &amp; 2 nodes sealed &lt;unsealed=false&gt;',
    ]);
  });

  it('keeps every table row as wide as its header', () => {
    const lines = md.split('\n');
    let width = 0;
    for (const line of lines) {
      if (!line.startsWith('|')) { width = 0; continue; }
      const n = cells(line).length;
      if (width === 0) width = n;
      expect(n, line).toBe(width);
    }
  });

  it('puts notes in fences no backtick run inside can close', () => {
    expect(md).toContain('**raft list-peers after failover**\n\n```text\nNode ');
    expect(md).toContain('````text\n```\nKey                Value');
    expect(md).toContain('<b>note</b>: a & b | c\n````');
  });

  it('gives the reason of a skipped scenario', () => {
    expect(md).toContain('⏭️ Skipped: OCSP responder image not built (set CERTLAB\\_OCSP=1 and run \\`certlab images build\\`)');
  });
});

describe('junit.xml', () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  });
  type Case = { classname: string; name: string; time: string; failure?: { message: string }; skipped?: { message: string } };
  type Suite = { name: string; tests: string; failures: string; skipped: string; testcase: Case[] };
  let suites: Suite[];
  let root: { tests: string; failures: string; skipped: string };

  beforeAll(() => {
    const xml = renderJunit(report);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml) as { testsuites: { testsuite: Suite[] } & typeof root };
    root = doc.testsuites;
    suites = doc.testsuites.testsuite;
  });

  const suite = (name: string) => suites.find((s) => s.name === name)!;

  it('has a suite for the setup and one per scenario', () => {
    expect(suites.map((s) => s.name)).toEqual(['setup', 'vault-leader-failover', 'vault-quorum-loss', 'certificate-revocation']);
  });

  it('counts tests, failures and skips in agreement with its test cases', () => {
    expect(root).toMatchObject({ tests: '43', failures: '4', skipped: '1' });
    for (const s of suites) {
      expect(Number(s.tests), s.name).toBe(s.testcase.length);
      expect(Number(s.failures), s.name).toBe(s.testcase.filter((c) => c.failure).length);
      expect(Number(s.skipped), s.name).toBe(s.testcase.filter((c) => c.skipped).length);
    }
  });

  it('has one case per step with its time in seconds', () => {
    const steps = suite('vault-leader-failover').testcase.filter((c) => c.classname === 'vault-leader-failover.steps');
    expect(steps).toHaveLength(6);
    expect(steps[2]).toMatchObject({ name: 'measure: wait for new leader', time: '3.180' });
    expect(suite('setup').testcase).toHaveLength(15);
  });

  it('fails the failing step with its error as the message, unescaped back by the parser', () => {
    const step = suite('vault-quorum-loss').testcase.find((c) => c.name === 'measure: wait for leader')!;
    expect(step.failure?.message).toBe(report.scenarios[1]!.steps[4]!.error);
  });

  it('has assertions and thresholds as cases of scenario.assertions', () => {
    const checks = suite('vault-quorum-loss').testcase.filter((c) => c.classname === 'vault-quorum-loss.assertions');
    expect(checks.map((c) => c.name)).toEqual([
      'writes are refused without quorum',
      'leader re-elected within 5 s of quorum restore',
      'no data lost after recovery',
      'time to detect quorum loss ≤ 3,000 ms',
      'time to new leader [fault=quorum-loss] ≤ 5,000 ms',
      'writes accepted without quorum ≤ 0',
      'availability during fault ≥ 95%',
    ]);
    expect(checks.filter((c) => c.failure).map((c) => c.failure!.message)).toEqual([
      'took 9820 ms: first wait timed out, restarted nodes came up sealed and needed unsealing',
      '9,820 ms, expected ≤ 5,000 ms',
      '91.4%, expected ≥ 95%',
    ]);
  });

  it('skips a skipped scenario with its reason', () => {
    expect(suite('certificate-revocation').testcase).toEqual([{
      classname: 'certificate-revocation', name: 'certificate-revocation', time: '0.000',
      skipped: { message: report.scenarios[2]!.skipReason },
    }]);
  });

  it('stays well-formed with control characters and markup in names and errors', () => {
    const nasty = clone(report);
    const step = nasty.scenarios[0]!.steps[0]!;
    step.name = 'bell \u0007 <![CDATA[ ]]> & "quotes"';
    step.ok = false;
    step.error = 'line one\nline two\u0000 </failure> -->';
    expect(XMLValidator.validate(renderJunit(nasty))).toBe(true);
  });

  it('goes red for a failed scenario even when no step or assertion failed', () => {
    const odd = clone(report);
    odd.scenarios[1] = { ...odd.scenarios[1]!, steps: odd.scenarios[1]!.steps.map((s) => ({ ...s, ok: true })), assertions: [], figures: [] };
    const doc = parser.parse(renderJunit(odd)) as { testsuites: { testsuite: Suite[] } };
    const s = doc.testsuites.testsuite.find((x) => x.name === 'vault-quorum-loss')!;
    expect(s.failures).toBe('1');
    expect(s.testcase.at(-1)).toMatchObject({ name: 'scenario result' });
  });
});

describe('report.html (static checks; the browser test is in tests/integration)', () => {
  let html: string;
  beforeAll(() => { html = renderHtml(report); });

  it('references nothing outside the page', () => {
    const withoutNamespaces = html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '').replaceAll('xmlns:xlink="http://www.w3.org/1999/xlink"', '');
    expect(withoutNamespaces).not.toMatch(/https?:|\/\/[a-z]|<script|<link|<img|@import|url\(/i);
    expect(html).toContain("default-src 'none'");
  });

  it('inlines an ECharts SVG per timeline and per unit of each scenario', () => {
    // setup timeline + failover (ms, count, timeline) + quorum loss (ms, count, %, timeline)
    expect(html.match(/<figure class="chart"[^>]*><svg /g)).toHaveLength(8);
  });

  it('draws a long figure name whole on its chart, wrapped from the left edge, not cut', () => {
    const long = clone(report);
    const name = 'time from the leader being killed until a new leader accepts writes again';
    long.scenarios[0]!.figures[0]!.name = name;
    long.scenarios[0]!.figures[0]!.labels = { fault: 'sigkill', client: 'cert-manager' };
    const svg = renderHtml(long).match(/<figure class="chart" aria-label="vault-leader-failover: figures in ms">(<svg.*?<\/svg>)/s)![1]!;
    const labels = [...svg.matchAll(/<text[^>]*text-anchor="start"[^>]*transform="translate\(([\d.]+) [\d.]+\)"[^>]*>([^<]*)<\/text>/g)]
      .filter(([, x]) => Number(x) < 50);
    expect(labels.map(([, , text]) => text).join('')).toContain(`${name} [fault=sigkill, client=cert-manager]`);
    expect(labels.length).toBeGreaterThan(3);
    expect(svg).not.toContain('...');
  });

  it('escapes text everywhere, SVG labels included', () => {
    const nasty = clone(report);
    nasty.setup[0]!.name = '<script>alert(1)</script>';
    nasty.scenarios[0]!.figures[0]!.name = '<img src=x onerror=alert(1)>';
    const out = renderHtml(nasty);
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('compare', () => {
  let b: RunReport;
  beforeAll(() => {
    b = clone(report);
    b.runId = 'next';
    b.passed = true;
    const failover = b.scenarios[0]!;
    failover.figures[0]!.value = 2544; // time to new leader: 3180 -> 2544
    failover.figures[3]!.value = 6; // failed requests: 4 -> 6
    failover.figures.push({ name: 'raft commit index lag', value: 12, unit: 'count' });
    failover.steps = failover.steps.filter((s) => s.name !== 'stop issuance load');
    failover.durationMs = 20000;
    b.scenarios.splice(1, 1); // quorum loss not run in B
    b.setup[1]!.durationMs = 50000; // kind cluster: 61550 -> 50000
  });

  it('gives a, b, delta and delta% per figure', () => {
    const d = compareReports(report, b);
    const failover = d.scenarios.find((s) => s.name === 'vault-leader-failover')!;
    const figure = (label: string) => failover.figures.find((f) => f.label === label)!;
    expect(figure('time to new leader [fault=sigkill]')).toMatchObject({ a: 3180, b: 2544, delta: -636, deltaPct: -20, unit: 'ms', passedA: true, passedB: true });
    expect(figure('failed requests')).toMatchObject({ a: 4, b: 6, delta: 2, deltaPct: 50 });
    expect(figure('raft commit index lag')).toMatchObject({ a: null, b: 12, delta: null, deltaPct: null });
    expect(failover.duration).toEqual({ a: 23030, b: 20000, delta: -3030, deltaPct: (-3030 / 23030) * 100 });
  });

  it('matches steps by group and name and reports the missing side as null', () => {
    const d = compareReports(report, b);
    expect(d.setup[1]).toMatchObject({ name: 'create kind cluster (1 control plane, 3 workers)', a: 61550, b: 50000, delta: -11550 });
    const steps = d.scenarios[0]!.steps;
    expect(steps.find((s) => s.name === 'stop issuance load')).toMatchObject({ a: 240, b: null, delta: null, okA: true, okB: null });
    expect(steps.find((s) => s.name === 'wait for new leader')).toMatchObject({ a: 3180, b: 3180, delta: 0, deltaPct: 0 });
  });

  it('keeps scenarios only one side ran, and has no percentage against a zero or skipped baseline', () => {
    const d = compareReports(report, b);
    expect(d.scenarios.map((s) => [s.name, s.statusA, s.statusB])).toEqual([
      ['vault-leader-failover', 'passed', 'passed'],
      ['vault-quorum-loss', 'failed', null],
      ['certificate-revocation', 'skipped', 'skipped'],
    ]);
    expect(d.scenarios[2]!.duration).toEqual({ a: null, b: null, delta: null, deltaPct: null });
    const self = compareReports(report, report).scenarios[1]!.figures.find((f) => f.name === 'writes accepted without quorum')!;
    expect(self).toMatchObject({ a: 0, b: 0, delta: 0, deltaPct: null });
  });

  it('renders the deltas as tables', () => {
    const text = renderComparison(compareReports(report, b));
    expect(text).toContain('A 20250612T091403Z-7f3a (FAILED) → B next (passed)');
    expect(text).toContain('| vault-leader-failover | time to new leader [fault=sigkill] | 3,180 ms | 2,544 ms | -636 ms | -20.0% | pass → pass |');
    expect(text).toContain('| vault-leader-failover | failed requests | 4 | 6 | +2 | +50.0% | pass → pass |');
    expect(text).toContain('| vault-quorum-loss | failed | absent |');
    expect(text).toContain('| setup | cluster: create kind cluster (1 control plane, 3 workers) | 1 m 02 s | 50.0 s | -11.6 s | -18.8% |');
  });
});
