import { join } from 'node:path';
import type { LabContext } from '../../context.ts';
import { ensureLabContainer, type EnsuredContainer } from '../../host/lab-container.ts';
import { imageByKey } from '../../images/catalog.ts';
import type { VaultTopology } from '../topology.ts';
import type { VaultLbLayout } from './layout.ts';
import { LB_CONFIG_DIR, renderHaproxyConfig } from './render.ts';

/**
 * HAProxy on the lab network as `vault.<private zone>`, published on 127.0.0.1, running as the image's
 * unprivileged `haproxy` user. It gets the CA chain to verify the nodes in its health checks, never the
 * nodes' key: TLS is passed through.
 */
export async function startLbContainer(ctx: LabContext, topology: VaultTopology, layout: VaultLbLayout, caChain: string): Promise<EnsuredContainer> {
  const image = imageByKey('haproxy');
  return ensureLabContainer(ctx, {
    name: layout.container,
    component: layout.component,
    image: image.ref,
    aliases: layout.aliases,
    entrypoint: [image.binary!],
    // What the official entrypoint runs: master-worker, in the foreground.
    command: ['-W', '-db', '-f', `${LB_CONFIG_DIR}/haproxy.cfg`],
    mounts: [{ source: layout.configDir, target: LB_CONFIG_DIR, mode: 'ro' }],
    ports: [{ container: layout.listenPort, host: layout.hostPort, protocol: 'tcp' }],
    files: [
      { path: join(layout.configDir, 'haproxy.cfg'), content: await renderHaproxyConfig(topology, layout, ctx.config.domains.private) },
      { path: join(layout.configDir, 'ca-chain.pem'), content: caChain },
    ],
    readyLog: /Loading success/,
  });
}
