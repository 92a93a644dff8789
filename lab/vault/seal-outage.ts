// Vault sealed by a KMS outage: the transit seal node stopped and every Raft node restarted, so none can
// unseal. Measured on OpenBao 2.4: a server whose transit seal is unreachable at start does not come up
// sealed, it exits ("Error parsing Seal configuration: Put \"https://vault-seal:8200/v1/transit/encrypt/
// autounseal\": dial tcp: lookup vault-seal ... no such host"). The way back (the seal node started and
// unsealed with its key, then the servers started) is registered on ctx.releases.
import type { LabContext } from '../context.ts';
import { docker, publishedPort } from '../host/docker.ts';
import { logTail } from '../host/lab-container.ts';
import { registerLabNames } from '../host/names.ts';
import { pollUntil } from '../host/wait.ts';
import type { Release } from '../releases.ts';
import { health, vaultClient } from './api.ts';
import { activeEndpoint, refreshEndpoints, waitForVoters, type VaultCluster } from './cluster.ts';
import { loadSecret } from './secrets.ts';

export interface SealOutage {
  /** Each node's state once the outage is complete, and the last line it logged about its seal. */
  evidence: string[];
  /** Ends the outage now: seal node back and unsealed, every node started, every voter healthy. */
  end: Release;
}

const SEAL_LINE = /seal/i;

/** Stops the seal node and restarts every Raft node; resolves once no node serves (each exited or sealed). */
export async function sealOutage(ctx: LabContext, vaultCluster: VaultCluster, timeoutMs = 90_000): Promise<SealOutage> {
  const d = await docker();
  const { seal, nodes } = vaultCluster.topology;
  await d.getContainer(seal.container).stop({ t: 10 });
  const end = ctx.releases.defer(`seal node ${seal.name} started and unsealed, Vault nodes started`, () => endSealOutage(ctx, vaultCluster, 120_000));
  await Promise.all(nodes.map((n) => d.getContainer(n.container).restart({ t: 10 })));
  const evidence = await pollUntil(async () => {
    const states = await Promise.all(nodes.map(async (n) => {
      const info = await d.getContainer(n.container).inspect();
      if (info.State.Running) {
        const port = await publishedPort(n.container, 8200);
        const h = port ? await health(vaultCluster.http, `https://127.0.0.1:${port}`, 1_000) : undefined;
        if (h?.state !== 'sealed') throw new Error(`${n.name} ${h?.state ?? 'starting'}`);
      }
      const line = (await logTail(n.container, 40)).split('\n').reverse().find((l) => SEAL_LINE.test(l))?.trim() ?? '(no line about the seal)';
      return `${n.name}: ${info.State.Running ? 'running, sealed' : `exited (${info.State.ExitCode})`}; its log: ${line}`;
    }));
    return states;
  }, { timeoutMs, intervalMs: 500, what: 'every Vault node to stop serving (exited or sealed) without its seal', ...(ctx.signal ? { signal: ctx.signal } : {}) });
  return { evidence, end };
}

/**
 * The seal node started (if stopped) and unsealed with its stored key, then every Raft node started (a
 * node left running sealed is restarted, since it does not retry the seal); waits for every voter healthy.
 */
export async function endSealOutage(ctx: LabContext, vaultCluster: VaultCluster, timeoutMs: number): Promise<void> {
  const d = await docker();
  const { seal, nodes } = vaultCluster.topology;
  const sealSecrets = await loadSecret(ctx.paths, 'seal');
  if (!sealSecrets) throw new Error('the seal node\'s key is not in the state directory');
  if (!(await d.getContainer(seal.container).inspect()).State.Running) await d.getContainer(seal.container).start();
  await registerLabNames(ctx);
  const sealEndpoint = await pollUntil(async () => {
    const port = await publishedPort(seal.container, 8200);
    const endpoint = port ? `https://127.0.0.1:${port}` : undefined;
    const h = endpoint ? await health(vaultCluster.http, endpoint, 1_000) : undefined;
    return h && ['sealed', 'active'].includes(h.state) ? endpoint : undefined;
  }, { timeoutMs, what: `the seal node ${seal.name} to answer` });
  vaultCluster.sealEndpoint = sealEndpoint;
  if ((await health(vaultCluster.http, sealEndpoint)).state === 'sealed') await vaultClient(sealEndpoint, vaultCluster.ca).unseal({ key: sealSecrets.unsealKey });
  await pollUntil(async () => ((await health(vaultCluster.http, sealEndpoint)).state === 'active' ? true : undefined), { timeoutMs, what: `the seal node ${seal.name} unsealed` });
  for (const n of nodes) {
    const c = d.getContainer(n.container);
    const info = await c.inspect();
    if (!info.State.Running) await c.start();
    else {
      const port = await publishedPort(n.container, 8200);
      if (port && (await health(vaultCluster.http, `https://127.0.0.1:${port}`)).state === 'sealed') await c.restart({ t: 10 });
    }
  }
  await registerLabNames(ctx);
  await refreshEndpoints(vaultCluster);
  await activeEndpoint(vaultCluster, timeoutMs);
  // Also on the release path, after the scenario's signal has fired: the lab is put back whatever happened.
  const { signal: _stopped, ...unstoppable } = ctx;
  await waitForVoters(unstoppable, vaultCluster, nodes.length, timeoutMs);
}
