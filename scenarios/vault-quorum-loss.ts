import { startContainer, stopContainer } from '../lab/faults/container-faults.ts';
import { pollUntil } from '../lab/host/wait.ts';
import type { Scenario } from '../lab/runner/scenario.ts';
import { health, vaultClient, vaultErrorText } from '../lab/vault/api.ts';
import { activeEndpoint } from '../lab/vault/cluster.ts';
import { signCsr } from '../lab/vault/issue.ts';
import { loginAs } from '../lab/vault/approle.ts';
import { CERT_MANAGER_APPROLE, ISSUER_MOUNT } from '../lab/vault/pki-layout.ts';
import { createCsr } from '../lab/pki/csr.ts';
import { backToFullStrength, cluster, serverOf } from './support.ts';

/** A write must fail within this, not hang, once quorum is gone. */
const WRITE_FAILS_WITHIN_MS = 15_000;

/**
 * Three of five down: no majority, so no leader and no writes. The lab shows that writes fail within a
 * bounded time with a clear "quorum lost", then brings nodes back one at a time and times the recovery;
 * every certificate issued before the fault must still be listed.
 */
export const vaultQuorumLoss: Scenario = {
  name: 'vault-quorum-loss',
  description: 'Three of five nodes down: writes fail fast with "quorum lost" rather than hang; nodes return one at a time; issued certificates survive.',
  needs: ['vault'],
  async run(run) {
    const c = await cluster(run);
    const active = await activeEndpoint(c);
    const { client, token } = await loginAs(run.ctx.paths, active, c.ca, CERT_MANAGER_APPROLE);
    const issued = await run.step('issue certificates before the fault', async () => {
      const serials: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { csrPem } = await createCsr([`before-quorum-loss-${i}.lab.test`]);
        serials.push((await signCsr(client, csrPem, `before-quorum-loss-${i}.lab.test`)).serial);
      }
      return serials;
    });
    const leader = serverOf(c, active);
    const down = [leader, ...c.topology.nodes.filter((n) => n.name !== leader.name).slice(0, 2)];
    const survivors = c.topology.nodes.filter((n) => !down.includes(n));
    await run.step('three nodes down (leader and two standbys)', () => Promise.all(down.map((n) => stopContainer(n.container))));
    const faultAt = Date.now();

    const { csrPem } = await createCsr(['during-quorum-loss.lab.test']);
    const outcome = await run.step('a write fails within a bounded time', async () => {
      const survivor = c.endpoints.get(survivors[0]!.name)!;
      const t0 = Date.now();
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('hang'), WRITE_FAILS_WITHIN_MS + 5_000));
      const attempt = signCsr(vaultClient(survivor, c.ca, token), csrPem, 'during-quorum-loss.lab.test').then(() => 'succeeded', (err) => `failed: ${vaultErrorText(err)}`);
      return { result: await Promise.race([attempt, timeout]), ms: Date.now() - t0 };
    });
    const states = await Promise.all(survivors.map((n) => health(c.http, c.endpoints.get(n.name)!)));
    const noLeader = states.every((s) => s.state !== 'active');
    run.figure('write failed after', outcome.ms, 'ms', { threshold: { op: '<=', value: WRITE_FAILS_WITHIN_MS } });
    run.check('writes fail, not hang, without quorum', outcome.result.startsWith('failed'), outcome.result);
    run.check('quorum lost: no node is active', noLeader, states.map((s, i) => `${survivors[i]!.name}: ${s.state}`).join(', '));
    run.note('quorum lost', `3 of 5 nodes down (${down.map((n) => n.name).join(', ')}); surviving nodes: ${states.map((s, i) => `${survivors[i]!.name} ${s.state}`).join(', ')}.\nA write to a survivor: ${outcome.result} after ${outcome.ms} ms.`);

    for (const [i, node] of down.entries()) {
      await run.step(`${node.name} back (${survivors.length + i + 1} of 5 up)`, () => startContainer(node.container));
      if (i === 0) {
        const recoveredAt = await run.step('leader elected with quorum back', () => pollUntil(async () => ((await activeEndpoint(c, 1_000).catch(() => undefined)) ? Date.now() : undefined), { timeoutMs: 120_000, what: 'a leader after quorum returns', intervalMs: 100 }));
        run.figure('time to recovery after quorum returned', recoveredAt - faultAt, 'ms');
      }
    }
    await backToFullStrength(run, c);
    const listed = await run.step('list certificates issued before the fault', async () => {
      const res = await c.admin(await activeEndpoint(c)).list(`${ISSUER_MOUNT}/certs`);
      return new Set<string>(res.data.keys);
    });
    const missing = issued.filter((s) => !listed.has(s));
    run.check('every certificate issued before the fault is still listed', missing.length === 0, missing.length ? `missing: ${missing.join(', ')}` : `${issued.length} serials found`);
    c.http.close();
  },
};
