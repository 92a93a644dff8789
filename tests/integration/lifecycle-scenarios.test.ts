// The certificate lifecycle scenarios, quick, through the runner, on one lab with the reference platform
// brought up from nothing as `certlab up` does (dns, acme, vault with 3 nodes, the kind cluster, the
// platform): each passes, its checks are there and passed, its figures and timelines are there, the
// report shows the timelines, and the platform is whole afterwards (every namespace a scenario made is gone).
// Skips (printing SKIPPED) when an image or the means to build kind is missing; never passes without running.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabContext } from '../../lab/context.ts';
import { openKubeCluster, type KubeObject } from '../../lab/kube/index.ts';
import { platformState } from '../../lab/platform/index.ts';
import { writeReport, type ScenarioResult } from '../../lab/report/index.ts';
import { describeEnvironment } from '../../lab/runner/environment.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { announceSkip, platformSkipReason, runQuickScenario, scenarioFailures, removePlatformLab, upPlatformLab } from './support.ts';

const LAB = 'lcytest';
const SUBNET = '172.29.131.0/24';
const CONFIG = { vault: { nodes: 3 } };
const LIFECYCLE = ['certificate-issuance', 'certificate-renewal', 'certificate-revocation'];

const reason = platformSkipReason(CONFIG);
announceSkip('the certificate lifecycle scenarios on the platform', reason);

const passedCheck = (r: ScenarioResult, name: string | RegExp) => r.assertions.filter((a) => (typeof name === 'string' ? a.name === name : name.test(a.name)));
const figure = (r: ScenarioResult, name: string, issuer?: string) => r.figures.find((f) => f.name === name && (!issuer || f.labels?.issuer === issuer));

describe.skipIf(reason)('certificate lifecycle scenarios on the platform (quick)', () => {
  let ctx: LabContext;
  const results = new Map<string, ScenarioResult>();

  beforeAll(async () => {
    ctx = await upPlatformLab(LAB, SUBNET, CONFIG, 'lifecycle');
  });

  afterAll(async () => {
    if (!ctx) return;
    await ctx.releases.releaseAll();
    await removePlatformLab(ctx);
  });

  for (const name of LIFECYCLE) {
    it(`${name} passes`, async () => {
      const scenario = SCENARIOS.find((s) => s.name === name)!;
      expect(scenario.needs).toEqual(['platform']);
      const result = await runQuickScenario(ctx, scenario, `it-${LAB}`, 'lifecycle');
      results.set(name, result);
      for (const f of result.figures) process.stdout.write(`  [lifecycle] ${name}: ${f.name}${f.labels ? ` ${JSON.stringify(f.labels)}` : ''} = ${f.value} ${f.unit}\n`);
      expect(scenarioFailures(result)).toEqual([]);
      expect(result.status).toBe('passed');
      // Whatever the scenario started was released, and the release is on record.
      expect(result.steps.some((s) => s.group === 'cleanup' && s.name.startsWith('release: '))).toBe(true);
    });
  }

  it('certificate-issuance: each issuer timed to Ready and to served, one request per Certificate, Pebble\'s counts, the Vault ratio', () => {
    const r = results.get('certificate-issuance');
    expect(r).toBeDefined();
    for (const issuer of ['vault-private', 'pebble-http01', 'pebble-dns01']) {
      for (const f of ['time to Ready p50', 'time to Ready p95', 'time to Ready max', 'time to served p50', 'time to served max']) expect(figure(r!, f, issuer), `${f} for ${issuer}`).toBeDefined();
    }
    for (const issuer of ['pebble-http01', 'pebble-dns01']) {
      // Orders cert-manager made and lost are counted apart (each costs a new-orders rate limit, not an issuance).
      const abandoned = figure(r!, 'ACME orders cert-manager abandoned', issuer)!.value;
      expect(figure(r!, 'ACME orders', issuer)?.value).toBe(5 + abandoned);
      expect(figure(r!, 'ACME challenges validated', issuer)?.value).toBe(5);
      expect(figure(r!, 'time to Ready beyond cert-manager\'s fixed waits p50', issuer)).toBeDefined();
      expect(passedCheck(r!, `${issuer}: each Certificate issued from one ACME order, its new authorization validated once`).map((a) => a.passed)).toEqual([true]);
    }
    // DNS-01 holds cert-manager's fixed 60 s: the raw figure says so.
    expect(figure(r!, 'time to Ready p50', 'pebble-dns01')!.value).toBeGreaterThan(60_000);
    expect(passedCheck(r!, 'one CertificateRequest per Certificate').map((a) => a.passed)).toEqual([true]);
    expect(figure(r!, 'cert-manager\'s Vault path / direct sign (CertificateRequest p50)')!.value).toBeGreaterThan(0);
    expect(r!.timelines).toHaveLength(15);
    for (const t of r!.timelines!) expect(t.events.map((e) => e.event)).toEqual(['requested', 'Ready', 'served']);
  });

  it('certificate-renewal: new serial per issuer, key per rotationPolicy, scheduled renewal on time, no Gateway restart', () => {
    const r = results.get('certificate-renewal');
    expect(r).toBeDefined();
    for (const issuer of ['vault-private', 'pebble-http01', 'pebble-dns01']) {
      expect(passedCheck(r!, `${issuer}: the Secret holds a new serial`).map((a) => a.passed)).toEqual([true]);
      expect(passedCheck(r!, new RegExp(`^${issuer}: the private key (rotated|stayed)`)).map((a) => a.passed)).toEqual([true]);
      expect(figure(r!, 'trigger to served', issuer)).toBeDefined();
    }
    expect(figure(r!, 'trigger to served', 'vault-private')!.passed).toBe(true);
    expect(passedCheck(r!, /^round 1: /).map((a) => a.passed)).toEqual([true, true, true]);
    expect(r!.figures.some((f) => f.name === 'scheduled renewal: actual - planned')).toBe(true);
    expect(passedCheck(r!, /without a restart/).map((a) => a.passed)).toEqual([true]);
    const scheduled = r!.timelines!.find((t) => t.subject.startsWith('s-vault'))!;
    expect(scheduled.events.map((e) => e.event)).toEqual(expect.arrayContaining(['requested', 'Ready', 'served', 'renewal planned', 'renewed']));
  });

  it('certificate-revocation: revoked, refused, replaced, accepted, within the remediation target', () => {
    const r = results.get('certificate-revocation');
    expect(r).toBeDefined();
    for (const c of ['Vault\'s OCSP responder says revoked', 'Vault\'s CRL lists the served serial', 'a client that checks revocation refuses the served certificate']) {
      expect(passedCheck(r!, c).map((a) => a.passed), c).toEqual([true]);
    }
    const remediate = figure(r!, 'revocation to a trusted certificate served (time to remediate)')!;
    expect(remediate.passed).toBe(true);
    expect(r!.timelines![0]!.events.map((e) => e.event)).toEqual(['served', 'revoked', 'refused', 'renewal triggered', 'renewed', 'replaced', 'trusted']);
  });

  it('leaves the platform whole, no scenario namespace behind, and writes the timelines into report.md and report.html', async () => {
    expect((await platformState(ctx)).whole).toBe(true);
    const kubeCluster = await openKubeCluster(ctx);
    const { items } = await kubeCluster.get<{ items: KubeObject[] }>('/api/v1/namespaces');
    expect(items.map((n) => n.metadata?.name).filter((n) => n?.startsWith('certificate-'))).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'certlab-lifecycle-report-'));
    const scenarios = LIFECYCLE.map((n) => results.get(n)!).filter(Boolean);
    await writeReport(dir, {
      schemaVersion: 1, runId: 'lifecycle', startedAt: scenarios[0]!.startedAt, endedAt: scenarios.at(-1)!.endedAt, passed: true, interrupted: false,
      environment: await describeEnvironment(ctx.config, []), setup: [], scenarios,
    });
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(md).toContain('### Timelines');
    expect(md).toMatch(/\| Subject \| requested \(UTC\) \| Ready \| served \|/);
    expect(html).toContain('<h3>Timelines</h3>');
    expect(html).toContain('private-gateway-certificate');
    rmSync(dir, { recursive: true, force: true });
  });
});
