import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { LabError } from '../errors.ts';
import { docker, imageExists } from '../host/docker.ts';
import { IMAGES, imageByKey, type ImageSpec } from './catalog.ts';

const SCRIPTS_DIR = fileURLToPath(new URL('../../scripts/images/', import.meta.url));
export const BUILD_LOG_DIR = join(process.env.CERTLAB_BUILD_DIR ?? join(homedir(), '.cache/certlab/build'), 'logs');

export type SupplyOutcome = 'present' | 'pulled' | 'built' | 'failed';
export interface SupplyResult { spec: ImageSpec; outcome: SupplyOutcome; seconds: number; detail?: string }

/** The images for `keys` with everything they need first, in catalog order. */
export function withDependencies(keys: string[]): ImageSpec[] {
  const wanted = new Set<string>();
  const visit = (key: string) => {
    if (wanted.has(key)) return;
    imageByKey(key).needs?.forEach(visit);
    wanted.add(key);
  };
  keys.forEach(visit);
  return IMAGES.filter((i) => wanted.has(i.key));
}

export async function pullImage(spec: ImageSpec): Promise<void> {
  const d = await docker();
  const stream = await d.pull(spec.ref);
  await new Promise<void>((resolve, reject) => d.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
}

/** Runs scripts/images/<build>.sh with IMAGE and VERSION; its output goes to a log file, not the terminal. */
export async function buildImage(spec: ImageSpec): Promise<string> {
  await mkdir(BUILD_LOG_DIR, { recursive: true });
  const logFile = join(BUILD_LOG_DIR, `${spec.key}.log`);
  const log = createWriteStream(logFile);
  const proc = $({ env: { ...process.env, IMAGE: spec.ref, VERSION: spec.version }, quiet: true, nothrow: true })`bash ${join(SCRIPTS_DIR, `${spec.build}.sh`)}`;
  proc.stdout.pipe(log, { end: false });
  proc.stderr.pipe(log, { end: false });
  const result = await proc;
  log.end();
  if (result.exitCode !== 0) {
    const tail = result.stderr.trim().split('\n').slice(-1)[0] ?? '';
    throw new Error(`build script ${spec.build}.sh exited ${result.exitCode}${tail ? `: ${tail}` : ''} (log: ${logFile})`);
  }
  if (!(await imageExists(spec.ref))) throw new Error(`build script ${spec.build}.sh finished but ${spec.ref} does not exist (log: ${logFile})`);
  return logFile;
}

async function timed(spec: ImageSpec, outcome: SupplyOutcome, work: () => Promise<unknown>): Promise<SupplyResult> {
  const t0 = performance.now();
  await work();
  return { spec, outcome, seconds: (performance.now() - t0) / 1000 };
}

/** How a missing image is supplied; the first is the default. */
export const SUPPLY_MODES = ['pull-or-build', 'build', 'pull'] as const;
export type SupplyMode = (typeof SUPPLY_MODES)[number];

/**
 * Makes one image present: an existing tag is used as it is; otherwise pulled and/or built as `mode` says.
 * When neither works, one LabError says both reasons.
 */
export async function supplyImage(spec: ImageSpec, mode: SupplyMode, force = false): Promise<SupplyResult> {
  if (!force && (await imageExists(spec.ref))) return { spec, outcome: 'present', seconds: 0 };
  const reasons: string[] = [];
  if (mode !== 'build' && !spec.ref.startsWith('certlab.local/')) {
    try {
      return await timed(spec, 'pulled', () => pullImage(spec));
    } catch (err) {
      reasons.push(`pull failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (mode !== 'pull') {
    try {
      return await timed(spec, 'built', () => buildImage(spec));
    } catch (err) {
      reasons.push(`build failed: ${(err as Error).message}`);
    }
  }
  throw new LabError(`image ${spec.ref} is missing and could not be supplied (${reasons.join('; ')})`,
    'make a registry reachable and run `certlab images pull`, or fix the build and run `certlab images build`');
}

/** Ensures every image the given components need exists, building or pulling what is missing. */
export async function ensureImages(keys: string[], mode: SupplyMode, onResult?: (r: SupplyResult) => void): Promise<SupplyResult[]> {
  const results: SupplyResult[] = [];
  for (const spec of withDependencies(keys)) {
    const r = await supplyImage(spec, mode);
    onResult?.(r);
    results.push(r);
  }
  return results;
}
