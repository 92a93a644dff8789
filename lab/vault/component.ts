import type { Component } from '../component.ts';
import type { LabConfig } from '../config/schema.ts';
import { containerRunning, removeComponentContainers } from '../host/lab-container.ts';
import { connectVaultCluster, startVaultCluster, vaultContainersExist, waitForVoters } from './cluster.ts';
import { healVaultLb, startVaultLb, vaultLbLayout } from './lb/index.ts';
import { vaultStatus } from './status.ts';
import { vaultTopology } from './topology.ts';
import { userVaultComponent } from './user-vault/index.ts';

type VaultWork = Pick<Component, 'images' | 'hostPorts' | 'isRunning' | 'start' | 'heal' | 'status' | 'stop'>;

/** The Vault the lab makes: the seal node, the Raft cluster and the load balancer. */
const labVaultComponent: VaultWork = {
  images: (config) => [config.vault.flavor, 'haproxy'],
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

/** The lab's own Vault, or the user's when vault.address is set (lab/vault/user-vault). */
const chosen = (config: LabConfig): VaultWork => (config.vault.address ? userVaultComponent : labVaultComponent);

export const vaultComponent: Component = {
  name: 'vault',
  description: 'Raft cluster with transit auto-unseal and the private PKI, behind a load balancer (with vault.address: the PKI on your own Vault)',
  after: [],
  images: (config) => chosen(config).images(config),
  hostPorts: (config) => chosen(config).hostPorts(config),
  isRunning: (ctx) => chosen(ctx.config).isRunning(ctx),
  heal: (ctx, timeoutMs) => chosen(ctx.config).heal!(ctx, timeoutMs),
  start: (ctx) => chosen(ctx.config).start(ctx),
  status: (ctx) => chosen(ctx.config).status(ctx),
  stop: (ctx) => chosen(ctx.config).stop(ctx),
};
