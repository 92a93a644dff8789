import { chmod, chown, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LabError } from '../errors.ts';

/** Writes a secret (key, token) readable by its owner only; the mode is set before any byte is written. */
export async function writeSecretFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600);
}

export async function writePublicFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, { mode: 0o644 });
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/**
 * Gives a directory and everything under it to uid:gid (modes unchanged), so a container that runs as
 * that unprivileged user can read its key and config and write its logs. Needs root (or CAP_CHOWN).
 */
export async function chownTree(dir: string, uid: number, gid: number, purpose: string): Promise<void> {
  const walk = async (path: string): Promise<void> => {
    await chown(path, uid, gid);
    if ((await lstat(path)).isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  try {
    await walk(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'EACCES') {
      throw new LabError(`cannot give ${dir} to uid ${uid}:${gid} (${purpose}): ${code}`, 'run certlab as root, or with CAP_CHOWN, so the servers can run as their unprivileged user');
    }
    throw err;
  }
}
