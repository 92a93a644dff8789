// `certlab drill`'s report, rendered from a run report: a runbook line per step with its offset and
// duration, RTO and RPO against their targets, the verdict; and the drill's configuration defaults.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lab/config/load.ts';
import { recoveryObjective, renderDrillMarkdown, runbookLines } from '../../lab/report/drill.ts';
import type { RunReport, ScenarioResult } from '../../lab/report/model.ts';

const step = (name: string, startedAt: string, durationMs: number, group = 'vault-snapshot-restore', ok = true) => ({ name, group, startedAt, endedAt: startedAt, durationMs, ok, ...(ok ? {} : { error: 'boom' }) });

const restore: ScenarioResult = {
  name: 'vault-snapshot-restore', description: 'restore drill', startedAt: '2026-11-23T01:00:00.000Z', endedAt: '2026-11-23T01:01:00.000Z', durationMs: 60_000, status: 'failed',
  steps: [step('snapshot', '2026-11-23T01:00:00.500Z', 1_200), step('restore: forced restore', '2026-11-23T01:00:10.000Z', 25_000), step('release: close the Vault connections', '2026-11-23T01:00:59.000Z', 10, 'cleanup')],
  figures: [
    { name: 'RTO (destroyed to issuing again)', value: 25_700, unit: 'ms', threshold: { op: '<=', value: 60_000 }, passed: true },
    { name: 'RPO (acknowledged writes lost: newest kept to last written)', value: 16_000, unit: 'ms', threshold: { op: '<=', value: 15_000 }, passed: false },
    { name: 'snapshot size', value: 98, unit: 'KiB' },
  ],
  assertions: [{ name: 'every marker kept', passed: false, detail: 'lost #12' }],
  notes: [{ title: 'operational lesson', body: 'Take snapshots more often than the RPO.' }],
};

const report: RunReport = {
  schemaVersion: 1, runId: 'drill-1', startedAt: restore.startedAt, endedAt: restore.endedAt, passed: false, interrupted: false,
  environment: { host: { hostname: 'ci', cores: 2, memoryBytes: 1, os: 'linux', node: 'v20', cpuModel: 'x' }, vaultFlavor: 'openbao', images: [] },
  setup: [], scenarios: [restore],
};

describe('drill report', () => {
  it('writes each step as a numbered runbook line with its offset and duration; undo steps marked', () => {
    expect(runbookLines(restore)).toEqual([
      '1. [+0.5 s, took 1.2 s] snapshot',
      '2. [+10.0 s, took 25.0 s] restore: forced restore',
      '3. [+59.0 s, took 0.0 s] undo: close the Vault connections',
    ]);
  });
  it('finds RTO and RPO and holds them to their targets', () => {
    expect(recoveryObjective(restore, 'RTO')?.value).toBe(25_700);
    const labelled = { ...restore, figures: [{ name: 'restart to serving', value: 1, unit: 'ms', labels: { objective: 'RTO' } }, ...restore.figures] };
    expect(recoveryObjective(labelled, 'RTO')?.name).toBe('restart to serving');
    const md = renderDrillMarkdown(report);
    expect(md).toContain('# DR drill drill-1: FAILED');
    expect(md).toContain('| vault-snapshot-restore | failed | 60.0 s | 25.7 s (target <= 60.0 s: met) | 16.0 s (target <= 15.0 s: MISSED) | 1/2 |');
    expect(md).toContain('- every marker kept: lost #12');
    expect(md).toContain('Take snapshots more often than the RPO.');
    expect(md).not.toContain('snapshot size |');
  });
  it('defaults to the issue\'s disaster-recovery set, full variants', () => {
    const { drill, targets } = parseConfig({}, 'test');
    expect(drill).toEqual({ scenarios: ['vault-snapshot-restore', 'renewal-vault-sealed', 'vault-quorum-loss', 'platform-restart'], quick: false });
    expect([targets.renewalBurstExtraMs, targets.forcedRenewalAfterUnsealMs, targets.platformRestartServeMs]).toEqual([30_000, 30_000, 120_000]);
  });
});
