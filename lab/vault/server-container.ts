import { Wait } from 'testcontainers';
import { LoopbackContainer } from '../host/loopback-container.ts';
import type { LabContext } from '../context.ts';
import { docker, ensureVolume, labLabels, publishedPort } from '../host/docker.ts';
import type { VaultFlavor, VaultServer } from './topology.ts';

export interface ServerMounts {
  tlsDir: string;
  configDir: string;
  configFile: string;
}

/**
 * One Vault/OpenBao server container on the lab network: its TLS and config mounted read-only, its data
 * on a labelled volume (so a killed node keeps its Raft log, and a "destroyed" cluster is really gone).
 */
export async function startServerContainer(ctx: LabContext, flavor: VaultFlavor, server: VaultServer, mounts: ServerMounts): Promise<{ id: string; hostPort: number }> {
  const { config } = ctx;
  const existing = await reuseContainer(server.container);
  if (existing) return existing;
  await ensureVolume(config.name, server.component, server.volume);
  const started = await new LoopbackContainer(flavor.image)
    .withName(server.container)
    .withLabels(labLabels(config.name, server.component))
    .withNetworkMode(config.network.name)
    .withNetworkAliases(server.name, `${server.name}.${config.domains.private}`)
    .withEntrypoint([flavor.binary])
    .withCommand(['server', `-config=/certlab/config/${mounts.configFile}`])
    .withEnvironment({ SKIP_SETCAP: 'true' })
    .withBindMounts([
      { source: mounts.tlsDir, target: '/certlab/tls', mode: 'ro' },
      { source: mounts.configDir, target: '/certlab/config', mode: 'ro' },
      { source: server.volume, target: '/certlab/data', mode: 'rw' },
    ])
    .withExposedPorts(server.hostPort ? { container: 8200, host: server.hostPort } : 8200)
    // The server logs this once its listeners are up; readiness beyond that is polled on sys/health.
    .withWaitStrategy(Wait.forLogMessage(/server started/))
    .withStartupTimeout(60_000)
    .start();
  return { id: started.getId(), hostPort: started.getMappedPort(8200) };
}

/** A container of that name left running (or stopped) by an earlier run is started and reused, not duplicated. */
async function reuseContainer(name: string): Promise<{ id: string; hostPort: number } | undefined> {
  const d = await docker();
  const info = await d.getContainer(name).inspect().catch(() => undefined);
  if (!info) return undefined;
  if (!info.State.Running) await d.getContainer(name).start();
  const hostPort = await publishedPort(name, 8200);
  if (!hostPort) throw new Error(`container ${name} runs but publishes no port for 8200; run \`certlab down\``);
  return { id: info.Id, hostPort };
}
