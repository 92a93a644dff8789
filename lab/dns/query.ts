import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import { exchange, type DnsServer } from './transport.ts';
import { encodeQuery, rcodeName } from './wire.ts';

export interface DnsAnswer {
  rcode: string;
  packet: dnsPacket.DecodedPacket;
}

/** One query over UDP, repeated over TCP when the answer is truncated. */
export async function query(server: DnsServer, name: string, type: dnsPacket.RecordType, timeoutMs?: number): Promise<DnsAnswer> {
  const message = encodeQuery(randomInt(0, 0x10000), name, type);
  let raw = await exchange(server, message, 'udp', timeoutMs);
  if (dnsPacket.decode(raw).flag_tc) raw = await exchange(server, message, 'tcp', timeoutMs);
  return { rcode: rcodeName(raw), packet: dnsPacket.decode(raw) };
}

function sameName(a: string, b: string): boolean {
  return a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

/** The TXT values at `name` (character-strings joined), [] when the name or the type does not exist. */
export async function resolveTxt(server: DnsServer, name: string): Promise<string[]> {
  const { rcode, packet } = await query(server, name, 'TXT');
  if (rcode === 'NXDOMAIN') return [];
  if (rcode !== 'NOERROR') throw new Error(`TXT ${name}: ${rcode}`);
  return (packet.answers ?? []).flatMap((a) => {
    if (a.type !== 'TXT' || !sameName(a.name, name)) return [];
    const parts = Array.isArray(a.data) ? a.data : [a.data];
    return [parts.map((p) => p.toString()).join('')];
  });
}

/** The IPv4 addresses at `name`, [] when the name or the type does not exist. */
export async function resolveA(server: DnsServer, name: string, timeoutMs?: number): Promise<string[]> {
  const { rcode, packet } = await query(server, name, 'A', timeoutMs);
  if (rcode === 'NXDOMAIN') return [];
  if (rcode !== 'NOERROR') throw new Error(`A ${name}: ${rcode}`);
  return (packet.answers ?? []).flatMap((a) => (a.type === 'A' && sameName(a.name, name) ? [a.data] : []));
}

/** The zone's SOA when the server answers for it, undefined otherwise. */
export async function querySoa(server: DnsServer, zone: string, timeoutMs?: number): Promise<dnsPacket.SoaData | undefined> {
  const { rcode, packet } = await query(server, zone, 'SOA', timeoutMs);
  if (rcode !== 'NOERROR') return undefined;
  const soa = (packet.answers ?? []).find((a): a is dnsPacket.SoaAnswer => a.type === 'SOA' && sameName(a.name, zone));
  return soa?.data;
}
