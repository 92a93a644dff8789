// The kind cluster back to serving after its nodes were restarted or a scenario left it degraded: what the
// lab set up on the nodes themselves (the CNI configuration and the routes between nodes, which a node
// container's restart may lose) written again, then every node Ready, cert-manager and Traefik available.
import type { LabContext } from '../context.ts';
import { installTraefik } from './addons/traefik.ts';
import { waitCertManagerReady } from './addons/cert-manager.ts';
import { openKubeCluster } from './connect.ts';
import { setUpNodeNetwork } from './node-network.ts';

export async function healKubeCluster(ctx: LabContext, timeoutMs: number): Promise<void> {
  const kubeCluster = await openKubeCluster(ctx);
  // A user's cluster's nodes are the user's to network.
  if (kubeCluster.layout.madeBy === 'lab') await setUpNodeNetwork(kubeCluster, timeoutMs);
  // installTraefik is an idempotent apply followed by the waits for its Deployment and GatewayClass.
  await Promise.all([waitCertManagerReady(kubeCluster, timeoutMs), installTraefik(kubeCluster, timeoutMs)]);
}
