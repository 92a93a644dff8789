// `certlab drill`: the disaster-recovery set of the configuration (`drill.scenarios`) run as one run, and
// a drill report (drill.md in the run's directory) with each recovery step as a runbook line, RTO and RPO
// against `targets`, pass or fail. junit.xml is the run's; --junit copies it where CI keeps it.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import type { SupplyMode } from '../images/supply.ts';
import { INTERRUPTED_EXIT_CODE } from '../interrupt.ts';
import { cliCommandLine, withLabLock } from '../lifecycle/lock.ts';
import { newRunId } from '../lifecycle/run-id.ts';
import { renderDrillMarkdown } from '../report/drill.ts';
import { assertRunnable } from '../runner/requirements.ts';
import { runScenarios, selectScenarios } from '../runner/run.ts';
import type { Scenario } from '../runner/scenario.ts';
import { labContext } from './lab.ts';
import { imageModeOption } from './options.ts';
import { checkReportCopies, writeReportCopies } from './report-copies.ts';

export const DRILL_REPORT = 'drill.md';

interface DrillOptions { quick?: boolean; images: SupplyMode; wait?: boolean; junit?: string; json?: string }

const DRILL_HELP = `
The set comes from the configuration (drill.scenarios; drill.quick for the short variants), the
objectives from targets (restoreRtoMs, restoreRpoMs and the others). Writes reports/<run-id>/drill.md
beside the run's report; for CI on a schedule: certlab drill --junit drill-junit.xml.`;

export function registerDrillCommand(program: Command, scenarios: readonly Scenario[]): void {
  program.command('drill')
    .description('run the disaster-recovery set of the configuration and write a drill report (runbook lines, RTO and RPO against the targets)')
    .option('--quick', 'the shorter variants (default: drill.quick of the configuration)')
    .addOption(imageModeOption())
    .option('--wait', 'wait for another command that holds this lab instead of refusing')
    .option('--junit <file>', 'also write the JUnit report (junit.xml) to this file, for CI')
    .option('--json <file>', 'also write the JSON report (report.json) to this file, for CI')
    .addHelpText('after', DRILL_HELP)
    .action(async (opts: DrillOptions) => {
      const copies = { junit: opts.junit, json: opts.json };
      await checkReportCopies(copies);
      const ctx = labContext(program, { interruptible: true });
      let selected: Scenario[];
      try {
        selected = selectScenarios(scenarios, ctx.config.drill.scenarios);
        assertRunnable(ctx.config, selected);
      } catch (err) {
        if (err instanceof InputError) throw new InputError(`drill.scenarios in the configuration: ${err.message}`, err.fix);
        throw err;
      }
      const quick = opts.quick ?? ctx.config.drill.quick;
      const { report, runDir } = await withLabLock(ctx, { command: cliCommandLine(), wait: Boolean(opts.wait) },
        () => runScenarios(ctx, selected, { runId: newRunId(), quick, imageMode: opts.images, progressTo: process.stdout }));
      await writeFile(join(runDir, DRILL_REPORT), renderDrillMarkdown(report));
      await writeReportCopies(runDir, copies);
      process.stdout.write(`drill ${report.passed ? 'passed' : 'FAILED'}: ${runDir}/${DRILL_REPORT} (also report.html, junit.xml)${report.interrupted ? ' — partial, the drill was interrupted' : ''}\n`);
      process.exitCode = report.interrupted ? INTERRUPTED_EXIT_CODE : report.passed ? 0 : 1;
    });
}
