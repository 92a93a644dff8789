import { GenericContainer } from 'testcontainers';

/**
 * A GenericContainer for the lab: its published ports listen on 127.0.0.1 only (a lab's Vault, DNS resolver
 * and ACME server are for this machine, not for whoever else shares its network; testcontainers binds all
 * addresses), and it is created on the lab network alone.
 */
export class LoopbackContainer extends GenericContainer {
  /**
   * The container is created on `network` only, with its aliases. testcontainers' own withNetworkAliases
   * creates it on Docker's default bridge and connects it to the network afterwards, which leaves every lab
   * container on docker0 too: reachable from any container there, and its published ports proxied through
   * the bridge, so the host's requests came from 172.17.0.1 instead of the lab network's gateway.
   */
  withLabNetwork(network: string, aliases: string[]): this {
    this.withNetworkMode(network);
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: aliases } } };
    return this;
  }

  protected override async beforeContainerCreated(): Promise<void> {
    const bindings = this.hostConfig.PortBindings ?? {};
    for (const [port, hosts] of Object.entries(bindings) as Array<[string, Array<{ HostIp?: string; HostPort?: string }>]>) {
      bindings[port] = hosts.map((h) => ({ ...h, HostIp: '127.0.0.1' }));
    }
  }
}
