// The incident scenarios of issue 10, quick, through the runner, on one lab with the platform (dns, acme,
// vault on 3 nodes, the kind cluster, the platform): each must pass with its named checks and figures,
// and leave the platform whole (every issuer Ready, Certificate Ready, Gateway programmed, name published).
// Skips (printing SKIPPED) when an image is missing; never passes without running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabContext } from '../../lab/context.ts';
import { platformState } from '../../lab/platform/index.ts';
import type { ScenarioResult } from '../../lab/report/index.ts';
import type { Scenario } from '../../lab/runner/scenario.ts';
import { acmeServerRestart } from '../../scenarios/acme-server-restart.ts';
import { platformRestart } from '../../scenarios/platform-restart.ts';
import { renewalDuringVaultFailover } from '../../scenarios/renewal-during-vault-failover.ts';
import { renewalVaultSealed } from '../../scenarios/renewal-vault-sealed.ts';
import { vaultRestoreCertManager } from '../../scenarios/vault-restore-cert-manager.ts';
import { announceSkip, platformSkipReason, runQuickScenario, scenarioFailures, removePlatformLab, upPlatformLab } from './support.ts';

const LAB = 'inctest';
const SUBNET = '172.29.132.0/24';
const CONFIG = { vault: { nodes: 3 } };
const reason = platformSkipReason(CONFIG);
announceSkip('incident scenarios (issue 10)', reason);

/** Each scenario with the checks and figures it must report. */
const CASES: Array<{ scenario: Scenario; checks: string[]; figures: string[] }> = [
  {
    scenario: platformRestart,
    checks: ['certificates survive the restart: the same serials are served, none re-issued'],
    figures: ['restart to every Gateway listener serving', 'restart to a new Vault Certificate issued', 'Traefik restart to every Gateway listener serving'],
  },
  {
    scenario: acmeServerRestart,
    checks: ['Pebble came back with a new root', 'certificates already issued keep being served (same serial, old root)', 'the renewal chains to the new root', 'a client that trusts only the old root fails on the renewed certificate'],
    figures: ['failed CertificateRequests before the remedy', 'Pebble restart to the renewal served'],
  },
  {
    scenario: renewalVaultSealed,
    checks: ['the forced renewal brought every remedied Certificate to a new revision'],
    figures: ['failed CertificateRequests while sealed', 'pending CertificateRequests while sealed', 'unseal to every Certificate renewed, forced renewal', 'unseal to every Certificate renewed, no action'],
  },
  {
    scenario: renewalDuringVaultFailover,
    checks: ['every Certificate ends renewed (three bursts: revision 4)'],
    figures: ['burst without a fault', 'extra time over the fault-free burst', 'CertificateRequests not issued (failed or stuck)'],
  },
  {
    scenario: vaultRestoreCertManager,
    checks: ['certificates issued after the snapshot are still served', 'Vault no longer knows their serials', 'the issuer works after the restore without reconfiguration', 'after the remedy Vault knows every served serial'],
    figures: ['RTO (destroyed to restored, every voter healthy)', 'remedy: forced renewal to every certificate known to Vault'],
  },
];

describe.skipIf(reason)('incident scenarios on the platform (issue 10)', () => {
  let ctx: LabContext;

  beforeAll(async () => {
    ctx = await upPlatformLab(LAB, SUBNET, CONFIG, 'incidents');
  });

  afterAll(async () => {
    if (ctx) await removePlatformLab(ctx);
  });

  for (const { scenario, checks, figures } of CASES) {
    it(`${scenario.name} passes and leaves the platform whole`, async () => {
      const result: ScenarioResult = await runQuickScenario(ctx, scenario, `it-${LAB}`, 'incidents');
      for (const s of result.steps) process.stdout.write(`  [incidents] ${scenario.name}: ${s.ok ? 'ok' : 'FAILED'} ${(s.durationMs / 1000).toFixed(1)} s ${s.name}${s.error ? ` (${s.error})` : ''}\n`);
      for (const f of result.figures) process.stdout.write(`  [incidents] ${scenario.name}: ${f.name}${f.labels ? ` ${JSON.stringify(f.labels)}` : ''} = ${f.value} ${f.unit}\n`);
      expect(scenarioFailures(result)).toEqual([]);
      expect(result.status).toBe('passed');
      for (const name of checks) expect(result.assertions.find((a) => a.name === name), name).toMatchObject({ passed: true });
      for (const name of figures) expect(result.figures.some((f) => f.name === name && Number.isFinite(f.value)), name).toBe(true);
      expect(result.notes.some((n) => n.title === 'operational lesson')).toBe(true);
      const state = await platformState(ctx);
      expect(state.rows.filter((r) => r.health !== 'ok')).toEqual([]);
      expect(state.whole).toBe(true);
    });
  }
});
