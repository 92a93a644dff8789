import { LabError } from '../errors.ts';
import { demuxLogs, docker, labLabels } from './docker.ts';

export interface ImageUser {
  name: string;
  uid: number;
  gid: number;
}

const cache = new Map<string, Promise<ImageUser>>();

/**
 * The numeric uid and gid of a user defined in an image, read once per image id by running `id <user>`
 * in a throwaway container (no network): what a container started with `--user uid:gid` runs as, and
 * whom the host files it mounts must belong to.
 */
export async function imageUser(lab: string, image: string, user: string): Promise<ImageUser> {
  const d = await docker();
  const id = (await d.getImage(image).inspect()).Id;
  const key = `${id}/${user}`;
  let found = cache.get(key);
  if (!found) {
    found = readImageUser(lab, image, user);
    cache.set(key, found);
    found.catch(() => cache.delete(key));
  }
  return found;
}

async function readImageUser(lab: string, image: string, user: string): Promise<ImageUser> {
  const d = await docker();
  const container = await d.createContainer({
    Image: image, Entrypoint: ['id'], Cmd: [user], User: '0:0',
    Labels: labLabels(lab, 'image-user'), HostConfig: { NetworkMode: 'none' },
  });
  try {
    await container.start();
    const { StatusCode } = await container.wait() as { StatusCode: number };
    const raw = await container.logs({ stdout: true, stderr: true, follow: false });
    const text = demuxLogs(raw) || raw.toString('utf8');
    const m = /uid=(\d+)\([^)]*\)\s+gid=(\d+)/.exec(text);
    if (StatusCode !== 0 || !m) {
      throw new LabError(`image ${image} has no user ${user} (\`id ${user}\` said: ${text.trim().split('\n')[0] ?? 'nothing'})`, 'rebuild the image with `certlab images build` so it matches the official one');
    }
    return { name: user, uid: Number(m[1]), gid: Number(m[2]) };
  } finally {
    // v: the Vault images declare VOLUMEs; without it every look-up would leave two anonymous volumes.
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}
