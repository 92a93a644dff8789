import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The lab's stand-in for the article's S3 bucket: snapshots as files, newest N kept (the article keeps 30).
 * Names sort by time, so the newest is last.
 */
export class SnapshotStore {
  constructor(readonly dir: string, readonly retain: number) {}

  async put(snapshot: Buffer, label = 'vault'): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const name = `${label}-${new Date().toISOString().replace(/[-:.]/g, '')}.snap`;
    await writeFile(join(this.dir, name), snapshot, { mode: 0o600 });
    await this.prune();
    return name;
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.snap')).sort();
  }

  async newest(): Promise<{ name: string; data: Buffer } | undefined> {
    const name = (await this.list()).at(-1);
    return name ? { name, data: await readFile(join(this.dir, name)) } : undefined;
  }

  private async prune(): Promise<void> {
    const names = await this.list();
    for (const old of names.slice(0, Math.max(0, names.length - this.retain))) await rm(join(this.dir, old));
  }
}
