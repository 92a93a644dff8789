// Before a command starts anything: can every image it needs be had on this machine? A version that can
// be neither pulled (no registry answers) nor built (builds are pinned to the defaults) is said in one
// line naming the configuration key, instead of after the lab is half up.
import { LabError } from '../errors.ts';
import { imageExists } from '../host/docker.ts';
import type { ImageSpec } from './catalog.ts';
import { probeRegistry, registryOf } from './registry.ts';
import { isLocalOnly, unbuildableReason, type SupplyMode } from './supply.ts';
import { BUILDABLE_VERSIONS, VERSION_CONFIG_KEYS } from './versions.ts';

interface Unobtainable { spec: ImageSpec; noPull: string; noBuild: string }

const PULL_MODE = 'the mode is pull';
const BUILD_MODE = 'the mode is build';

/** Why `spec` cannot be pulled here under `mode`, or undefined when it can (its registry answers). */
async function whyNoPull(spec: ImageSpec, mode: SupplyMode): Promise<string | undefined> {
  if (mode === 'build') return BUILD_MODE;
  if (isLocalOnly(spec)) return 'it exists only where it is built';
  const probe = await probeRegistry(registryOf(spec.ref));
  return probe.reachable ? undefined : `registry ${probe.registry} not reachable: ${probe.reason}`;
}

function whyNoBuild(spec: ImageSpec, mode: SupplyMode): string | undefined {
  return mode === 'pull' ? PULL_MODE : unbuildableReason(spec);
}

async function unobtainable(spec: ImageSpec, mode: SupplyMode): Promise<Unobtainable | undefined> {
  const noBuild = whyNoBuild(spec, mode);
  if (!noBuild || (await imageExists(spec.ref))) return undefined;
  const noPull = await whyNoPull(spec, mode);
  return noPull ? { spec, noPull, noBuild } : undefined;
}

/** What lifts the first obstacle: the mode that allows the other way, the version that builds, a registry. */
function fixFor({ spec, noPull, noBuild }: Unobtainable): string {
  const registry = registryOf(spec.ref);
  if (noBuild === PULL_MODE) return `use mode pull-or-build (it builds here), or make ${registry} reachable`;
  const buildable = spec.versionKey ? `set ${VERSION_CONFIG_KEYS[spec.versionKey]} to ${BUILDABLE_VERSIONS[spec.versionKey]} (it builds here)` : '';
  const pullable = noPull === BUILD_MODE ? `use mode pull-or-build where ${registry} is reachable` : `make ${registry} reachable`;
  return [buildable, pullable].filter(Boolean).join(', or ');
}

/**
 * Throws one LabError (exit 1: the configuration is valid, this machine cannot satisfy it) when an image
 * is missing and can be neither pulled nor built under `mode`. Touches nothing: it only asks the engine
 * what it has and probes registries.
 */
export async function assertImagesObtainable(specs: readonly ImageSpec[], mode: SupplyMode): Promise<void> {
  const problems = (await Promise.all(specs.map((s) => unobtainable(s, mode)))).filter((p): p is Unobtainable => Boolean(p));
  const first = problems[0];
  if (!first) return;
  const key = first.spec.versionKey ? `${VERSION_CONFIG_KEYS[first.spec.versionKey]} ${first.spec.version}: ` : '';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more image(s))` : '';
  throw new LabError(`${key}image ${first.spec.ref}${more} can be neither pulled (${first.noPull}) nor built (${first.noBuild})`, fixFor(first));
}
