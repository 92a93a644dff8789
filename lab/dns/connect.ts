import type { LabContext } from '../context.ts';
import { LabError } from '../errors.ts';
import { containerIp, publishedPort } from '../host/docker.ts';
import { dnsLayout, type DnsContainer, type DnsLayout } from './layout.ts';
import { Rfc2136Client } from './rfc2136.ts';
import type { DnsServer } from './transport.ts';
import { loadTsigKey } from './tsig-key.ts';
import type { TsigKey } from './tsig.ts';

/** A running DNS component as the host and the other containers reach it. */
export interface LabDns {
  layout: DnsLayout;
  key: TsigKey;
  /** BIND through its published ports, for RFC 2136 updates from the host. */
  bind: DnsServer;
  /** CoreDNS through config.ports.dns: the lab's resolver. */
  resolver: DnsServer;
  bindIp: string;
  /** CoreDNS on the lab network, for containers that resolve through it (Pebble). */
  corednsIp: string;
  rfc2136: Rfc2136Client;
}

/** The host-side address of a container's published DNS ports, undefined when it is not running. */
export async function hostDnsServer(c: DnsContainer): Promise<DnsServer | undefined> {
  const [udpPort, tcpPort] = await Promise.all([publishedPort(c.container, 53, 'udp'), publishedPort(c.container, 53, 'tcp')]);
  return udpPort && tcpPort ? { host: '127.0.0.1', udpPort, tcpPort } : undefined;
}

export async function labDns(ctx: LabContext): Promise<LabDns> {
  const layout = dnsLayout(ctx.config, ctx.paths);
  const [bind, resolver] = await Promise.all([hostDnsServer(layout.bind), hostDnsServer(layout.coredns)]);
  if (!bind || !resolver) throw new LabError('the dns component is not running', 'start the dns component first (certlab up)');
  const network = ctx.config.network.name;
  const [key, bindIp, corednsIp] = await Promise.all([loadTsigKey(ctx.paths), containerIp(layout.bind.container, network), containerIp(layout.coredns.container, network)]);
  return { layout, key, bind, resolver, bindIp, corednsIp, rfc2136: new Rfc2136Client({ server: bind, zone: layout.publicZone, key }) };
}
