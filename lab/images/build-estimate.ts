// How long a build from source will take, said before it starts: what it last took on this machine
// (recorded after every build), else what it took on the lab's reference machine on a first run.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ImageSpec } from './catalog.ts';

export const BUILD_DIR = process.env.CERTLAB_BUILD_DIR ?? join(homedir(), '.cache/certlab/build');
const RECORD_FILE = join(BUILD_DIR, 'build-seconds.json');

/**
 * The first `bash scripts/lab.sh` on the reference machine (2 cores, nothing built, empty Go caches):
 * seconds per image, the shared compile on the image that pays it (the Kubernetes binaries on the first
 * control-plane image, cert-manager's four binaries on its controller). Images not named took seconds.
 */
const REFERENCE_SECONDS: Record<string, number> = {
  'kube-apiserver': 366,
  traefik: 282,
  openbao: 264,
  coredns: 126,
  'cert-manager-controller': 120,
  vault: 1980,
  pebble: 42,
  challtestsrv: 42,
};

export interface BuildEstimate {
  seconds: number;
  /** Where the figure comes from, for a person. */
  basis: 'last build here' | 'reference machine';
}

function recorded(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(RECORD_FILE, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** What building `spec` should take, or undefined when nothing is known (a short build). */
export function buildEstimate(spec: ImageSpec, record: Record<string, number> = recorded()): BuildEstimate | undefined {
  const last = record[spec.key];
  if (last !== undefined) return { seconds: last, basis: 'last build here' };
  const reference = REFERENCE_SECONDS[spec.key];
  return reference === undefined ? undefined : { seconds: reference, basis: 'reference machine' };
}

/** Keeps what a build took, for the next estimate on this machine. */
export async function recordBuild(spec: ImageSpec, seconds: number): Promise<void> {
  const record = recorded();
  record[spec.key] = Math.round(seconds);
  await mkdir(dirname(RECORD_FILE), { recursive: true });
  await writeFile(RECORD_FILE, `${JSON.stringify(record, null, 2)}\n`);
}

function minutes(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

/** `building from source, about 5 min (reference machine)`, or without a figure when none is known. */
export function describeBuildStart(estimate: BuildEstimate | undefined): string {
  return estimate ? `building from source, about ${minutes(estimate.seconds)} (${estimate.basis})` : 'building from source';
}
