import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Names start with the time, then a sequence within the millisecond, then the label: they sort by time. */
const NAME = /^(\d{8}T\d{9}Z)-(\d{3})-([a-z0-9-]+)\.snap$/;

/**
 * The lab's stand-in for the article's S3 bucket: snapshots as files, newest N kept (the article keeps 30).
 * Names sort by the time they were put, whatever their label, so the newest is last; two puts within one
 * millisecond get consecutive sequence numbers instead of one overwriting the other.
 */
export class SnapshotStore {
  constructor(readonly dir: string, readonly retain: number) {}

  async put(snapshot: Buffer, label = 'vault'): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[-:.]/g, '');
    for (let seq = 0; seq < 1000; seq++) {
      const name = `${stamp}-${String(seq).padStart(3, '0')}-${label}.snap`;
      try {
        // 'wx': never replaces a snapshot already stored under that name.
        await writeFile(join(this.dir, name), snapshot, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      await this.prune();
      return name;
    }
    throw new Error(`more than 1000 snapshots put within one millisecond into ${this.dir}`);
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => NAME.test(n)).sort();
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
