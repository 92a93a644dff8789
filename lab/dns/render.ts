import { renderFixture } from '../fixtures.ts';
import type { TsigKey } from './tsig.ts';

// Pure renderings of the DNS configuration (fixtures/dns/*), deterministic so that an unchanged
// configuration leaves running containers alone.

export function renderNamedConf(zone: string, key: TsigKey): Promise<string> {
  return renderFixture('dns/named.conf', { zone, keyName: key.name, keyAlgorithm: key.algorithm, keySecret: key.secret });
}

/** `nameserver` is BIND's name in the private zone: outside the public zone, so it needs no glue. */
export function renderPublicZone(zone: string, nameserver: string): Promise<string> {
  return renderFixture('dns/public.zone', { zone, nameserver });
}

/** `hostsFile`: the lab's names (lab/host/names.ts) as CoreDNS sees them. */
export function renderCorefile(publicZone: string, privateZone: string, bindAddress: string, hostsFile: string): Promise<string> {
  return renderFixture('dns/Corefile', { publicZone, privateZone, bindAddress, hostsFile });
}

export function renderPrivateZone(zone: string): Promise<string> {
  return renderFixture('dns/private.zone', { zone });
}

