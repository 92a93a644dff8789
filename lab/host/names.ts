import { randomUUID } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabContext } from '../context.ts';
import type { LabPaths } from '../paths.ts';
import { labContainers } from './docker.ts';
import { writePublicFile } from './files.ts';

// The lab's names in its private zone, each with its container's address now. Every lab container carries
// its names on the lab network as a label; those under the private zone are written, with the container's
// current address on the lab network, to one hosts(5) file that the lab's resolver serves (CoreDNS's hosts
// plugin, lab/dns, re-reads it within seconds). A container that restarts may come back with another
// address, so the file is written again wherever that can happen: a lab container made, reused or removed
// (lab-container.ts), repaired (repairLabContainers), a fault on it undone (lab/faults). Living here, below
// every component, it needs no hook and no caller has to remember it.

/** The container's names on the lab network, so a node cut off the network can be put back as it was. */
export const ALIASES_LABEL = 'certlab.network-aliases';

/** The names a container's labels give it on the lab network. */
export function aliasesOf(labels: Record<string, string> | undefined): string[] {
  return labels?.[ALIASES_LABEL]?.split(',').filter(Boolean) ?? [];
}

/** The directory the resolver mounts (a directory, so a replaced file is seen through the mount). */
export function labNamesDir(paths: LabPaths): string {
  return join(paths.mounts, 'names');
}

export const LAB_HOSTS_FILE = 'private.hosts';

export interface NamedContainer { aliases: string[]; ip: string | undefined }

/** hosts(5) lines: every name under `zone` of every container with an address, sorted so equal input gives equal text. */
export function renderLabHosts(zone: string, containers: NamedContainer[]): string {
  const lines: string[] = [];
  for (const c of containers) {
    if (!c.ip) continue;
    for (const name of c.aliases) if (name.endsWith(`.${zone}`)) lines.push(`${c.ip}\t${name}`);
  }
  return lines.sort((a, b) => a.split('\t')[1]!.localeCompare(b.split('\t')[1]!)).map((l) => `${l}\n`).join('');
}

let writing: Promise<unknown> = Promise.resolve();

/**
 * Writes the lab's hosts file from the containers as they are now and returns its text. Calls are queued,
 * so a call that started later never writes an older view over a newer one; the file is replaced by a
 * rename, so the resolver never reads half of it, and left alone when nothing changed.
 */
export function registerLabNames(ctx: Pick<LabContext, 'config' | 'paths'>): Promise<string> {
  const next = writing.then(() => writeLabHosts(ctx));
  writing = next.catch(() => undefined);
  return next;
}

async function writeLabHosts({ config, paths }: Pick<LabContext, 'config' | 'paths'>): Promise<string> {
  const network = config.network.name;
  const containers = (await labContainers(config.name)).filter((c) => c.State === 'running' || c.State === 'paused');
  const text = renderLabHosts(config.domains.private, containers.map((c) => ({ aliases: aliasesOf(c.Labels), ip: c.NetworkSettings?.Networks?.[network]?.IPAddress || undefined })));
  const file = join(labNamesDir(paths), LAB_HOSTS_FILE);
  if ((await readFile(file, 'utf8').catch(() => undefined)) === text) return text;
  const tmp = `${file}.${randomUUID()}`;
  await writePublicFile(tmp, text);
  await rename(tmp, file);
  return text;
}

