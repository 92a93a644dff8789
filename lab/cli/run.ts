import type { Command } from 'commander';
import { LabError } from '../errors.ts';
import { INTERRUPTED_EXIT_CODE } from '../interrupt.ts';
import { cliCommandLine, withLabLock } from '../lifecycle/lock.ts';
import { newRunId } from '../lifecycle/run-id.ts';
import { compareReports, loadReport, renderComparison, rerender, ReportFileError } from '../report/index.ts';
import { runScenarios, selectScenarios } from '../runner/run.ts';
import type { SupplyMode } from '../images/supply.ts';
import type { Scenario } from '../runner/scenario.ts';
import { labContext } from './lab.ts';

function reportError(err: unknown): never {
  if (err instanceof ReportFileError) throw new LabError(err.message, 'pass a run directory under reports/ that holds a report.json');
  throw err;
}

/** `scenarios` comes from the entry point (bin/certlab.mjs): lab/ never imports scenarios/. */
export function registerRunCommands(program: Command, scenarios: readonly Scenario[]): void {
  program.command('run')
    .description(`run scenarios (${scenarios.map((s) => s.name).join(', ')}, or all); brings up what is missing and writes reports/<run-id>/`)
    .argument('[scenarios...]', 'scenario names, or all', ['all'])
    .option('--quick', 'the shorter variants (fewer repetitions), as the integration suite runs them')
    .option('--images <mode>', 'how to supply a missing image: pull-or-build, build, pull', 'pull-or-build')
    .option('--wait', 'wait for another command that holds this lab instead of refusing')
    .action(async (names: string[], opts: { quick?: boolean; images: SupplyMode; wait?: boolean }) => {
      const selected = selectScenarios(scenarios, names);
      const ctx = labContext(program, { interruptible: true });
      const { report, runDir } = await withLabLock(ctx, { command: cliCommandLine(), wait: Boolean(opts.wait) },
        () => runScenarios(ctx, selected, { runId: newRunId(), quick: Boolean(opts.quick), imageMode: opts.images }));
      process.stdout.write(`report: ${runDir}/report.html (also report.md, report.json, junit.xml)${report.interrupted ? ' — partial, the run was interrupted' : ''}\n`);
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
        if (opts.compare.length !== 2) throw new LabError('--compare takes two runs', 'pass the baseline run and the run to compare');
        const [a, b] = await Promise.all(opts.compare.map((r) => loadReport(dir(r)))).catch(reportError);
        process.stdout.write(renderComparison(compareReports(a!, b!)) + '\n');
        return;
      }
      if (!run) throw new LabError('no run given', 'pass a run id (a directory under reports/) or --compare <a> <b>');
      await rerender(dir(run)).catch(reportError);
      process.stdout.write(`re-rendered ${dir(run)}\n`);
    });
}
