import type { Component } from '../component.ts';
import { containerRunning, removeComponentContainers } from '../host/lab-container.ts';
import { connectVaultCluster, startVaultCluster, vaultContainersExist, waitForVoters } from './cluster.ts';
import { healVaultLb, startVaultLb, vaultLbLayout } from './lb/index.ts';
import { vaultStatus } from './status.ts';
import { vaultTopology } from './topology.ts';

export const vaultComponent: Component = {
  name: 'vault',
  description: '5-node Raft cluster with transit auto-unseal and the private PKI, behind a load balancer',
  images: (config) => [config.vault.flavor, 'haproxy'],
  after: [],
  hostPorts(config) {
    const t = vaultTopology(config);
    return [...[...t.nodes, t.seal].map((s) => ({ key: 'ports.vaultBase', port: s.hostPort })), { key: 'ports.vaultLb', port: config.ports.vaultLb }];
  },
  async isRunning(ctx) {
    return (await vaultContainersExist(ctx)) && (await containerRunning(vaultLbLayout(ctx.config, ctx.paths).container)) === true;
  },
  async heal(ctx, timeoutMs) {
    const vaultCluster = await connectVaultCluster(ctx);
    if (!vaultCluster) throw new Error('the Vault cluster\'s state is missing; run `certlab down` and `certlab up vault`');
    try {
      await waitForVoters(ctx, vaultCluster, vaultCluster.topology.nodes.length, timeoutMs);
      await healVaultLb(ctx, timeoutMs);
    } finally {
      vaultCluster.http.close();
    }
  },
  async start(ctx) {
    const vaultCluster = await startVaultCluster(ctx);
    // After the nodes: it is ready when it sees the active one.
    await startVaultLb(ctx, vaultCluster.topology, vaultCluster.ca);
  },
  status: vaultStatus,
  async stop(ctx) {
    const t = vaultTopology(ctx.config);
    await removeComponentContainers(ctx, [vaultLbLayout(ctx.config, ctx.paths).component, ...[...t.nodes, t.seal].map((s) => s.component)]);
  },
};
