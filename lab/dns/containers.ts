import { join } from 'node:path';
import type { LabContext } from '../context.ts';
import { imageByKey } from '../images/catalog.ts';
import { ensureLabContainer, type EnsuredContainer } from '../host/lab-container.ts';
import { LAB_HOSTS_FILE } from '../host/names.ts';
import type { DnsLayout } from './layout.ts';
import { renderCorefile, renderNamedConf, renderPrivateZone, renderPublicZone } from './render.ts';
import type { TsigKey } from './tsig.ts';

function hostUser(): string {
  return `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
}

function dnsPorts(host: number): Array<{ container: number; host: number; protocol: 'udp' | 'tcp' }> {
  return [{ container: 53, host, protocol: 'udp' }, { container: 53, host, protocol: 'tcp' }];
}

/** BIND with the public zone; its 53 is published on random host ports for RFC 2136 from the host. */
export async function startBind(ctx: LabContext, layout: DnsLayout, key: TsigKey): Promise<EnsuredContainer> {
  const image = imageByKey('bind9');
  return ensureLabContainer(ctx, {
    name: layout.bind.container,
    component: layout.bind.component,
    image: image.ref,
    aliases: [layout.bind.alias, `${layout.bind.alias}.${layout.privateZone}`],
    entrypoint: [image.binary!],
    command: ['-g', '-c', '/certlab/named.conf'],
    // As the lab's user, not root or `-u bind` as the image does: named drops the capabilities that would
    // let root read another user's 0600 file, and bind (uid 53) cannot read it either.
    user: hostUser(),
    mounts: [{ source: layout.bindDir, target: '/certlab', mode: 'ro' }],
    ports: dnsPorts(0),
    files: [
      { path: join(layout.bindDir, 'named.conf'), content: await renderNamedConf(layout.publicZone, key), secret: true },
      { path: join(layout.bindDir, `db.${layout.publicZone}`), content: await renderPublicZone(layout.publicZone, `${layout.bind.alias}.${layout.privateZone}`) },
    ],
    readyLog: /\srunning$/,
  });
}

/**
 * CoreDNS serves the private zone from the lab's hosts file (lab/host/names.ts: every lab container's names
 * with its current address, rewritten whenever a container may have moved), mounted as a directory so each
 * rewrite is seen; its own names (`coredns`, `ns`) are registered like any other container's.
 */
export async function startCoreDns(ctx: LabContext, layout: DnsLayout, bindIp: string): Promise<EnsuredContainer> {
  const image = imageByKey('coredns');
  return ensureLabContainer(ctx, {
    name: layout.coredns.container,
    component: layout.coredns.component,
    image: image.ref,
    aliases: [layout.coredns.alias, `${layout.coredns.alias}.${layout.privateZone}`, `ns.${layout.privateZone}`],
    entrypoint: [image.binary!],
    command: ['-conf', '/certlab/Corefile'],
    mounts: [
      { source: layout.corednsDir, target: '/certlab', mode: 'ro' },
      { source: layout.namesDir, target: NAMES_MOUNT, mode: 'ro' },
    ],
    ports: dnsPorts(ctx.config.ports.dns),
    files: [
      { path: join(layout.corednsDir, 'Corefile'), content: await renderCorefile(layout.publicZone, layout.privateZone, bindIp, `${NAMES_MOUNT}/${LAB_HOSTS_FILE}`) },
      { path: join(layout.corednsDir, 'db.private'), content: await renderPrivateZone(layout.privateZone) },
    ],
    readyLog: /CoreDNS-\d/,
  });
}

/** Where CoreDNS sees the lab's names directory. */
const NAMES_MOUNT = '/certlab-names';
