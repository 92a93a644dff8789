// The intermediate-expiry scenario (issue 10 item 4, cert-manager #7741), quick, through the runner, on a
// lab of its own with the platform: it must pass with its checks and figures, leave nothing of the drill
// behind (its Vault mount, ClusterIssuer and namespace), and leave the platform whole. Skips (printing
// SKIPPED) when an image is missing; never passes without running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabContext } from '../../lab/context.ts';
import { openKubeCluster } from '../../lab/kube/index.ts';
import { platformLayout, platformState } from '../../lab/platform/index.ts';
import type { ScenarioResult } from '../../lab/report/index.ts';
import { runScenario } from '../../lab/runner/record.ts';
import { activeEndpoint, connectVaultCluster } from '../../lab/vault/cluster.ts';
import { DRILL_ISSUER_MOUNT } from '../../lab/vault/pki-layout.ts';
import { intermediateExpiry } from '../../scenarios/intermediate-expiry.ts';
import { announceSkip, platformSkipReason, removePlatformLab, scenarioFailures, upPlatformLab } from './support.ts';

const LAB = 'expiry';
const SUBNET = '172.29.141.0/24';
const CONFIG = { vault: { nodes: 3 } };
const reason = platformSkipReason(CONFIG);
announceSkip('intermediate expiry (issue 10 item 4)', reason);

const CHECKS = [
  'the drill issuer\'s leaf_not_after_behavior reads back truncate',
  'the Certificates were issued by the drill CA, chains verified to the offline root',
  'after the rotation every Certificate is Ready with a chain through the new issuing CA to the offline root',
];
const FIGURES = [
  'leaves cut at the CA\'s not-after', 'CertificateRequests made before the CA expired', 'CertificateRequests in the window after expiry',
  'CertificateRequests per minute after expiry', 'requests issued an already expired certificate after the CA expired', 'AppRole logins spent, issuance to the window\'s end', 'rotation to every Certificate healthy',
  'CertificateRequests in the window after recovery',
];

describe.skipIf(reason)('intermediate expiry on the platform (issue 10 item 4)', () => {
  let ctx: LabContext;

  beforeAll(async () => {
    ctx = await upPlatformLab(LAB, SUBNET, CONFIG, 'expiry');
  });

  afterAll(async () => {
    if (ctx) await removePlatformLab(ctx);
  });

  it('intermediate-expiry passes, removes its drill issuer and leaves the platform whole', async () => {
    const result: ScenarioResult = await runScenario(ctx, intermediateExpiry, { quick: true, runId: `it-${LAB}` });
    for (const s of result.steps) process.stdout.write(`  [expiry] ${s.ok ? 'ok' : 'FAILED'} ${(s.durationMs / 1000).toFixed(1)} s ${s.name}${s.error ? ` (${s.error})` : ''}\n`);
    for (const f of result.figures) process.stdout.write(`  [expiry] ${f.name}${f.labels ? ` ${JSON.stringify(f.labels)}` : ''} = ${f.value} ${f.unit}\n`);
    expect(scenarioFailures(result)).toEqual([]);
    expect(result.status).toBe('passed');
    for (const name of CHECKS) expect(result.assertions.find((a) => a.name === name), name).toMatchObject({ passed: true });
    for (const name of FIGURES) expect(result.figures.some((f) => f.name === name && Number.isFinite(f.value)), name).toBe(true);
    expect(result.notes.some((n) => n.title === 'operational lesson' && n.body.includes('#7741'))).toBe(true);
    expect(result.notes.some((n) => n.title === 'what cert-manager does after the CA expired')).toBe(true);

    // Nothing of the drill is left: its mount in Vault, its ClusterIssuer.
    const vaultCluster = (await connectVaultCluster(ctx))!;
    try {
      const mounts = await vaultCluster.admin(await activeEndpoint(vaultCluster)).mounts();
      expect(Object.keys(mounts.data ?? mounts)).not.toContain(`${DRILL_ISSUER_MOUNT}/`);
    } finally {
      vaultCluster.http.close();
    }
    const kubeCluster = await openKubeCluster(ctx);
    const { items } = await kubeCluster.get<{ items: Array<{ metadata?: { name?: string } }> }>('/apis/cert-manager.io/v1/clusterissuers');
    expect(items.map((i) => i.metadata?.name)).not.toContain(platformLayout(ctx.config).drillIssuer);

    const state = await platformState(ctx);
    expect(state.rows.filter((r) => r.health !== 'ok')).toEqual([]);
    expect(state.whole).toBe(true);
  });
});
