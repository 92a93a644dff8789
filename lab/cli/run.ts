import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { INTERRUPTED_EXIT_CODE } from '../interrupt.ts';
import { cliCommandLine, withLabLock } from '../lifecycle/lock.ts';
import { newRunId } from '../lifecycle/run-id.ts';
import { compareReports, loadReport, renderComparison, rerender, ReportFileError } from '../report/index.ts';
import { assertRunnable } from '../runner/requirements.ts';
import { runScenarios, selectScenarios } from '../runner/run.ts';
import type { SupplyMode } from '../images/supply.ts';
import { imageModeOption } from './options.ts';
import type { Scenario } from '../runner/scenario.ts';
import { labContext } from './lab.ts';
import { outputOption, writeJson, type OutputFormat } from './output-format.ts';
import { checkReportCopies, writeReportCopies } from './report-copies.ts';

interface RunOptions { quick?: boolean; images: SupplyMode; wait?: boolean; junit?: string; json?: string; output?: OutputFormat }

const RUN_HELP = `
For CI: --junit and --json write copies of the run's junit.xml and report.json; -o json prints that
report (schemaVersion, runId, passed, interrupted, environment, setup[], scenarios[]) on stdout and
sends progress to stderr. Bad flags and paths are refused before anything runs; the exit codes are
in certlab --help.`;

function reportError(err: unknown): never {
  if (err instanceof ReportFileError) throw new InputError(err.message, 'pass a run directory under reports/ that holds a report.json');
  throw err;
}

/** `scenarios` comes from the entry point (bin/certlab.mjs): lab/ never imports scenarios/. */
export function registerRunCommands(program: Command, scenarios: readonly Scenario[]): void {
  program.command('run')
    .description(`run scenarios (${scenarios.map((s) => s.name).join(', ')}, or all); brings up what is missing and writes reports/<run-id>/`)
    .argument('[scenarios...]', 'scenario names, or all', ['all'])
    .option('--quick', 'the shorter variants (fewer repetitions), as the integration suite runs them')
    .addOption(imageModeOption())
    .option('--wait', 'wait for another command that holds this lab instead of refusing')
    .option('--junit <file>', 'also write the JUnit report (junit.xml) to this file, for CI')
    .option('--json <file>', 'also write the JSON report (report.json) to this file, for CI')
    .addOption(outputOption(['json'], 'json: print the run report (report.json) on stdout; progress goes to stderr'))
    .addHelpText('after', RUN_HELP)
    .action(async (names: string[], opts: RunOptions) => {
      const copies = { junit: opts.junit, json: opts.json };
      // All input is checked before the lab is touched: bad input costs nothing and exits 2.
      await checkReportCopies(copies);
      const selected = selectScenarios(scenarios, names);
      const ctx = labContext(program, { interruptible: true });
      // Named ones that cannot run on this lab are refused; `all` reports them as not run.
      if (!names.includes('all')) assertRunnable(ctx.config, selected);
      const json = opts.output === 'json';
      const progressTo = json ? process.stderr : process.stdout;
      const { report, runDir } = await withLabLock(ctx, { command: cliCommandLine(), wait: Boolean(opts.wait) },
        () => runScenarios(ctx, selected, { runId: newRunId(), quick: Boolean(opts.quick), imageMode: opts.images, progressTo }));
      await writeReportCopies(runDir, copies);
      progressTo.write(`report: ${runDir}/report.html (also report.md, report.json, junit.xml)${report.interrupted ? ' — partial, the run was interrupted' : ''}\n`);
      if (json) writeJson(report);
      process.exitCode = report.interrupted ? INTERRUPTED_EXIT_CODE : report.passed ? 0 : 1;
    });

  program.command('report')
    .description('re-render a run\'s report, or compare two runs')
    .argument('[run]', 'run id or directory under reports/')
    .option('--compare <runs...>', 'two runs: the baseline, then the one to compare')
    .action(async (run: string | undefined, opts: { compare?: string[] }) => {
      const ctx = labContext(program);
      const dir = (id: string) => (id.includes('/') ? id : `${ctx.config.reportsDir}/${id}`);
      if (opts.compare) {
        if (opts.compare.length !== 2) throw new InputError('--compare takes two runs', 'pass the baseline run and the run to compare');
        const [a, b] = await Promise.all(opts.compare.map((r) => loadReport(dir(r)))).catch(reportError);
        process.stdout.write(renderComparison(compareReports(a!, b!)) + '\n');
        return;
      }
      if (!run) throw new InputError('no run given', 'pass a run id (a directory under reports/) or --compare <a> <b>');
      await rerender(dir(run)).catch(reportError);
      process.stdout.write(`re-rendered ${dir(run)}\n`);
    });
}
