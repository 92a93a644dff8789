import type { LabContext } from '../../context.ts';
import { LabError } from '../../errors.ts';
import { publishedPort } from '../../host/docker.ts';
import { vaultLbLayout } from './layout.ts';

/** How the host reaches the one Vault address: the published port, with the name the certificate carries. */
export interface VaultLbEndpoint {
  /** `https://127.0.0.1:<ports.vaultLb>`. */
  url: string;
  /** `vault.<private zone>`: the TLS server name to send and verify. */
  servername: string;
}

export async function vaultLbEndpoint(ctx: LabContext): Promise<VaultLbEndpoint> {
  const layout = vaultLbLayout(ctx.config, ctx.paths);
  const port = await publishedPort(layout.container, layout.listenPort);
  if (!port) throw new LabError(`the Vault load balancer of lab ${ctx.config.name} is not running`, 'run `certlab up vault`');
  return { url: `https://127.0.0.1:${port}`, servername: layout.name };
}
