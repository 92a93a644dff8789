import { GenericContainer, Wait } from 'testcontainers';
import type { LabContext } from '../context.ts';
import { ensureVolume, labLabels } from '../host/docker.ts';
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
  await ensureVolume(config.name, server.component, server.volume);
  const started = await new GenericContainer(flavor.image)
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
