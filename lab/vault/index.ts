import type { Component } from '../component.ts';
import { removeComponentContainers } from '../host/lab-container.ts';
import { connectVaultCluster, startVaultCluster, vaultContainersExist, waitForVoters } from './cluster.ts';
import { vaultStatus } from './status.ts';
import { vaultTopology } from './topology.ts';

export const vaultComponent: Component = {
  name: 'vault',
  description: '5-node Raft cluster with transit auto-unseal and the private PKI',
  images: (config) => [config.vault.flavor],
  after: [],
  hostPorts(config) {
    const t = vaultTopology(config);
    return [...t.nodes, t.seal].map((s) => ({ key: 'ports.vaultBase', port: s.hostPort }));
  },
  isRunning: vaultContainersExist,
  async heal(ctx, timeoutMs) {
    const vaultCluster = await connectVaultCluster(ctx);
    if (!vaultCluster) throw new Error('the Vault cluster\'s state is missing; run `certlab down` and `certlab up vault`');
    try {
      await waitForVoters(ctx, vaultCluster, vaultCluster.topology.nodes.length, timeoutMs);
    } finally {
      vaultCluster.http.close();
    }
  },
  async start(ctx) {
    await startVaultCluster(ctx);
  },
  status: vaultStatus,
  async stop(ctx) {
    const t = vaultTopology(ctx.config);
    await removeComponentContainers(ctx.config.name, [...t.nodes, t.seal].map((s) => s.component));
  },
};
