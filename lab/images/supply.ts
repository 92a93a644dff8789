import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { LabError } from '../errors.ts';
import { docker, imageExists } from '../host/docker.ts';
import { BUILD_DIR, recordBuild } from './build-estimate.ts';
import { IMAGES, imageByKey, type ImageSpec } from './catalog.ts';
import { probeRegistry, registryOf } from './registry.ts';
import { BUILDABLE_VERSIONS, VERSION_CONFIG_KEYS } from './versions.ts';

const SCRIPTS_DIR = fileURLToPath(new URL('../../scripts/images/', import.meta.url));
export const BUILD_LOG_DIR = join(BUILD_DIR, 'logs');

export type SupplyOutcome = 'present' | 'pulled' | 'built' | 'failed';
export interface SupplyResult {
  spec: ImageSpec;
  outcome: SupplyOutcome;
  seconds: number;
  /** The registry a pulled image came from. */
  registry?: string;
  /** Why a built image was not pulled instead (pull-or-build), said with where it came from. */
  pullFailure?: string;
}

/** The images for `keys` with everything they need first, in catalog order. */
export function withDependencies(keys: string[], images: readonly ImageSpec[] = IMAGES): ImageSpec[] {
  const wanted = new Set<string>();
  const visit = (key: string) => {
    if (wanted.has(key)) return;
    imageByKey(key, images).needs?.forEach(visit);
    wanted.add(key);
  };
  keys.forEach(visit);
  return images.filter((i) => wanted.has(i.key));
}

/** Images only this machine has (the build base): there is nothing to pull them from. */
export function isLocalOnly(spec: ImageSpec): boolean {
  return spec.ref.startsWith('certlab.local/');
}

export async function pullImage(spec: ImageSpec): Promise<void> {
  const d = await docker();
  const stream = await d.pull(spec.ref);
  await new Promise<void>((resolve, reject) => d.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
}

/** Why `spec` cannot be built here, or undefined when it can: builds are pinned to the default versions. */
export function unbuildableReason(spec: ImageSpec): string | undefined {
  if (spec.buildable || !spec.versionKey) return undefined;
  return `only ${BUILDABLE_VERSIONS[spec.versionKey]} builds here`;
}

/** Runs <scriptsDir>/<build>.sh with IMAGE and VERSION; its output goes to a log file, not the terminal. */
export async function buildImage(spec: ImageSpec, scriptsDir = SCRIPTS_DIR): Promise<string> {
  const unbuildable = unbuildableReason(spec);
  if (unbuildable) throw new Error(`${VERSION_CONFIG_KEYS[spec.versionKey!]} is ${spec.version}, and ${unbuildable}`);
  await mkdir(BUILD_LOG_DIR, { recursive: true });
  const logFile = join(BUILD_LOG_DIR, `${spec.key}.log`);
  const log = createWriteStream(logFile);
  const proc = $({ env: { ...process.env, IMAGE: spec.ref, VERSION: spec.version }, quiet: true, nothrow: true })`bash ${join(scriptsDir, `${spec.build}.sh`)}`;
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

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return (performance.now() - t0) / 1000;
}

/** How a missing image is supplied; the first is the default. */
export const SUPPLY_MODES = ['pull-or-build', 'build', 'pull'] as const;
export type SupplyMode = (typeof SUPPLY_MODES)[number];

export interface SupplyOptions {
  /** Supply it even when the tag exists (a rebuild). */
  force?: boolean;
  /** Where the build scripts are (default scripts/images/); tests give a folder of tiny ones. */
  scriptsDir?: string;
  /** Makes what the build needs present first (ensureImages supplies `needs` only for images it builds). */
  beforeBuild?: (spec: ImageSpec) => Promise<void>;
  /** Told as the build itself starts (its needs present), to say what it will take (build-estimate.ts). */
  onBuildStart?: (spec: ImageSpec) => void;
}

/**
 * Makes one image present: an existing tag is used as it is; otherwise pulled and/or built as `mode` says.
 * A pull is only tried when the image's registry answers (probed once per registry, a few seconds at
 * most), so with no registry reachable the build starts at once. When neither works, one LabError says
 * both reasons.
 */
export async function supplyImage(spec: ImageSpec, mode: SupplyMode, opts: SupplyOptions = {}): Promise<SupplyResult> {
  if (!opts.force && (await imageExists(spec.ref))) return { spec, outcome: 'present', seconds: 0 };
  const reasons: string[] = [];
  if (mode !== 'build' && !isLocalOnly(spec)) {
    const registry = registryOf(spec.ref);
    const probe = await probeRegistry(registry);
    if (!probe.reachable) {
      reasons.push(`pull failed: registry ${registry} not reachable (${probe.reason})`);
    } else {
      try {
        return { spec, outcome: 'pulled', registry, seconds: await timed(() => pullImage(spec)) };
      } catch (err) {
        reasons.push(`pull failed: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }
  if (mode !== 'pull') {
    try {
      await opts.beforeBuild?.(spec);
      opts.onBuildStart?.(spec);
      const seconds = await timed(() => buildImage(spec, opts.scriptsDir));
      // Only the lab's own build scripts make an estimate for the next time (tests bring tiny ones).
      if (!opts.scriptsDir) await recordBuild(spec, seconds);
      return { spec, outcome: 'built', seconds, ...(reasons.length ? { pullFailure: reasons.join('; ') } : {}) };
    } catch (err) {
      reasons.push(`build failed: ${err instanceof LabError ? err.message : (err as Error).message}`);
    }
  }
  throw new LabError(`image ${spec.ref} is missing and could not be supplied (${reasons.join('; ')})`,
    'make a registry reachable and run `certlab images pull`, or fix the build and run `certlab images build`');
}

/** Where an image came from, for a person: `pulled from ghcr.io in 3.1 s`, `pull failed: … → built from source in 42.0 s`. */
export function describeSupply(r: SupplyResult): string {
  const took = `in ${r.seconds.toFixed(1)} s`;
  switch (r.outcome) {
    case 'present': return 'present, reused';
    case 'pulled': return `pulled from ${r.registry} ${took}`;
    case 'built': return `${r.pullFailure ? `${r.pullFailure} → ` : ''}built from source ${took}`;
    case 'failed': return 'failed';
  }
}

export interface SupplyRun {
  /** The catalog the keys are looked up in (default: the pinned versions; commands pass the configured one). */
  images?: readonly ImageSpec[];
  /** Which images to supply even when their tag exists. */
  force?: (spec: ImageSpec) => boolean;
  scriptsDir?: string;
  /** Each image as it is done, its build dependencies before it. */
  onResult?: (r: SupplyResult) => void;
  /** Each build from source as it starts. */
  onBuildStart?: (spec: ImageSpec) => void;
  /** Given, a failed image is reported here and the rest go on; else the first failure throws. */
  onFailure?: (spec: ImageSpec, err: unknown) => void;
}

/**
 * Makes every image `keys` name present (in catalog order), pulling or building what is missing as `mode`
 * says. What a build needs first (`needs`) is supplied just before that build, so an image that is pulled
 * costs no build of its base.
 */
export async function ensureImages(keys: string[], mode: SupplyMode, run: SupplyRun = {}): Promise<SupplyResult[]> {
  const images = run.images ?? IMAGES;
  const started = new Map<string, Promise<SupplyResult>>();
  const supply = (spec: ImageSpec): Promise<SupplyResult> => {
    let result = started.get(spec.key);
    if (!result) {
      result = supplyImage(spec, mode, {
        force: run.force?.(spec),
        scriptsDir: run.scriptsDir,
        onBuildStart: run.onBuildStart,
        beforeBuild: async (s) => { for (const need of s.needs ?? []) await supply(imageByKey(need, images)); },
      });
      result.then((r) => run.onResult?.(r), () => undefined);
      started.set(spec.key, result);
    }
    return result;
  };
  const results: SupplyResult[] = [];
  for (const spec of images.filter((i) => keys.includes(i.key))) {
    try {
      results.push(await supply(spec));
    } catch (err) {
      if (!run.onFailure) throw err;
      run.onFailure(spec, err);
    }
  }
  return results;
}
