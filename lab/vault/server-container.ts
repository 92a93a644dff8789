import type { LabContext } from '../context.ts';
import { publishedPort } from '../host/docker.ts';
import { ensureLabContainer } from '../host/lab-container.ts';
import type { VaultFlavor, VaultServer } from './topology.ts';

export interface ServerMounts {
  tlsDir: string;
  configDir: string;
  configFile: string;
}

/**
 * One Vault/OpenBao server container on the lab network: its TLS and config mounted read-only, its data
 * on a labelled volume (so a killed node keeps its Raft log, and a "destroyed" cluster is really gone).
 * A running one with the same configuration is kept.
 */
export async function startServerContainer(ctx: LabContext, flavor: VaultFlavor, server: VaultServer, mounts: ServerMounts): Promise<{ id: string; hostPort: number }> {
  const { id } = await ensureLabContainer(ctx, {
    name: server.container,
    component: server.component,
    image: flavor.image,
    aliases: [server.name, `${server.name}.${ctx.config.domains.private}`],
    entrypoint: [flavor.binary],
    command: ['server', `-config=/certlab/config/${mounts.configFile}`],
    env: { SKIP_SETCAP: 'true' },
    mounts: [
      { source: mounts.tlsDir, target: '/certlab/tls', mode: 'ro' },
      { source: mounts.configDir, target: '/certlab/config', mode: 'ro' },
      { source: server.volume, target: '/certlab/data', mode: 'rw', volume: true },
    ],
    ports: [{ container: 8200, host: server.hostPort, protocol: 'tcp' }],
    files: [],
    // The server logs this once its listeners are up; readiness beyond that is polled on sys/health.
    readyLog: /server started/,
  });
  const hostPort = await publishedPort(server.container, 8200);
  if (!hostPort) throw new Error(`${server.container} runs but publishes no port for 8200`);
  return { id, hostPort };
}
