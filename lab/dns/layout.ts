import { join } from 'node:path';
import type { LabConfig } from '../config/schema.ts';
import { labNamesDir } from '../host/names.ts';
import type { LabPaths } from '../paths.ts';

export interface DnsContainer {
  /** Docker container name. */
  container: string;
  /** Value of the certlab.component label. */
  component: string;
  /** Name on the lab network. */
  alias: string;
}

/** Names and directories of the DNS component for one lab. */
export interface DnsLayout {
  bind: DnsContainer;
  coredns: DnsContainer;
  publicZone: string;
  privateZone: string;
  tsigKeyName: string;
  /** named.conf (holds the TSIG secret, mode 0600) and the public zone's file, mounted read-only. */
  bindDir: string;
  /** Corefile and the private zone's SOA, readable by CoreDNS's non-root user. */
  corednsDir: string;
  /** The lab's names with their addresses (lab/host/names.ts), which CoreDNS serves in the private zone. */
  namesDir: string;
}

export function dnsLayout(config: LabConfig, paths: LabPaths): DnsLayout {
  const dir = join(paths.mounts, 'dns');
  return {
    bind: { container: `${config.name}-bind`, component: 'bind', alias: 'bind' },
    coredns: { container: `${config.name}-coredns`, component: 'coredns', alias: 'coredns' },
    publicZone: config.domains.public,
    privateZone: config.domains.private,
    tsigKeyName: `${config.name}-rfc2136`,
    bindDir: join(dir, 'bind'),
    corednsDir: join(dir, 'coredns'),
    namesDir: labNamesDir(paths),
  };
}
