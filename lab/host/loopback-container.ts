import { GenericContainer } from 'testcontainers';

/**
 * A GenericContainer whose published ports listen on 127.0.0.1 only: a lab's Vault, DNS resolver and ACME
 * server are for this machine, not for whoever else shares its network (testcontainers binds all addresses).
 */
export class LoopbackContainer extends GenericContainer {
  protected override async beforeContainerCreated(): Promise<void> {
    const bindings = this.hostConfig.PortBindings ?? {};
    for (const [port, hosts] of Object.entries(bindings) as Array<[string, Array<{ HostIp?: string; HostPort?: string }>]>) {
      bindings[port] = hosts.map((h) => ({ ...h, HostIp: '127.0.0.1' }));
    }
  }
}
