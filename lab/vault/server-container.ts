import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import type { LabContext } from '../context.ts';
import { docker, publishedPort } from '../host/docker.ts';
import { chownTree } from '../host/files.ts';
import { imageUser, type ImageUser } from '../host/image-user.ts';
import { ensureLabContainer } from '../host/lab-container.ts';
import type { VaultFlavor, VaultServer } from './topology.ts';

export interface ServerMounts {
  tlsDir: string;
  configDir: string;
  configFile: string;
  /** Host directory for this server's audit log (mounted at AUDIT_MOUNT); the seal node has none. */
  auditDir?: string;
}

/** Where a server's audit directory is mounted; the audit device writes `audit.log` there. */
export const AUDIT_MOUNT = '/certlab/audit';

/**
 * A data volume made by an earlier lab, when the servers ran as root, belongs to root: handed to the
 * server's user once. Only where the engine's volumes are on this machine; a fresh volume needs nothing
 * (mounted on the image's data directory, it takes that directory's owner).
 */
async function adoptVolume(volume: string, owner: ImageUser): Promise<void> {
  const info = await (await docker()).getVolume(volume).inspect().catch(() => undefined);
  if (!info?.Mountpoint || !existsSync(info.Mountpoint)) return;
  const st = await stat(info.Mountpoint);
  if (st.uid !== owner.uid || st.gid !== owner.gid) await chownTree(info.Mountpoint, owner.uid, owner.gid, `volume ${volume} for the ${owner.name} user`);
}

/**
 * One Vault/OpenBao server container on the lab network, running as the image's unprivileged user (the
 * one its own entrypoint drops to) with the lab's explicit command: TLS and config mounted read-only and
 * owned by that user (the key and the config holding the transit token stay 0600), its data on a labelled
 * volume at the image's data directory (so a killed node keeps its Raft log, and a "destroyed" cluster is
 * really gone), its audit log in the state directory. A running one with the same configuration is kept.
 */
export async function startServerContainer(ctx: LabContext, flavor: VaultFlavor, server: VaultServer, mounts: ServerMounts): Promise<{ id: string; hostPort: number }> {
  const owner = await imageUser(ctx.config.name, flavor.image, flavor.user);
  const purpose = `the ${flavor.user} user ${server.name} runs as`;
  if (mounts.auditDir) await mkdir(mounts.auditDir, { recursive: true, mode: 0o700 });
  for (const dir of [mounts.tlsDir, mounts.configDir, ...(mounts.auditDir ? [mounts.auditDir] : [])]) await chownTree(dir, owner.uid, owner.gid, purpose);
  await adoptVolume(server.volume, owner);
  const { id } = await ensureLabContainer(ctx, {
    name: server.container,
    component: server.component,
    image: flavor.image,
    aliases: [server.name, `${server.name}.${ctx.config.domains.private}`],
    entrypoint: [flavor.binary],
    command: ['server', `-config=/certlab/config/${mounts.configFile}`],
    env: { SKIP_SETCAP: 'true' },
    user: `${owner.uid}:${owner.gid}`,
    mounts: [
      { source: mounts.tlsDir, target: '/certlab/tls', mode: 'ro' },
      { source: mounts.configDir, target: '/certlab/config', mode: 'ro' },
      { source: server.volume, target: flavor.dataDir, mode: 'rw', volume: true },
      ...(mounts.auditDir ? [{ source: mounts.auditDir, target: AUDIT_MOUNT, mode: 'rw' as const }] : []),
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
