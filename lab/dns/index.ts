export { dnsComponent } from './component.ts';
export { labDns, type LabDns } from './connect.ts';
export { dnsLayout, type DnsLayout } from './layout.ts';
export { query, querySoa, resolveA, resolveTxt } from './query.ts';
export { DnsUpdateError, Rfc2136Client, type Rfc2136Target } from './rfc2136.ts';
export { renderCorefile, renderNamedConf, renderPrivateZone, renderPublicZone } from './render.ts';
export type { DnsServer } from './transport.ts';
export { loadTsigKey } from './tsig-key.ts';
export type { TsigKey } from './tsig.ts';
