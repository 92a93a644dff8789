import type { Command } from 'commander';
import { InputError, LabError, errorText } from '../errors.ts';
import { catalogFor, type ImageGroup, type ImageSpec } from '../images/catalog.ts';
import { buildEstimate, describeBuildStart } from '../images/build-estimate.ts';
import { assertImagesObtainable } from '../images/preflight.ts';
import { describeSupply, ensureImages, type SupplyMode } from '../images/supply.ts';
import { resolveComponents } from '../components.ts';
import { labContext } from './lab.ts';
import { imageModeOption } from './options.ts';
import { outputOption, writeJson, type OutputFormat } from './output-format.ts';
import { renderTable } from './table.ts';
import { tableWidth } from './terminal.ts';

/** The catalog at the versions the configuration (certlab.config.json, --config) chooses. */
function configuredCatalog(program: Command): readonly ImageSpec[] {
  return catalogFor(labContext(program).config);
}

/** `certlab images list -o json`: every key on every image, null or [] where the catalog has none. */
function imagesDocument(images: readonly ImageSpec[]) {
  return {
    images: images.map((i) => ({ key: i.key, group: i.group, ref: i.ref, version: i.version, build: i.build, buildable: i.buildable, binary: i.binary ?? null, needs: i.needs ?? [] })),
  };
}

function imagesTable(images: readonly ImageSpec[], wide: boolean, maxWidth: number | undefined): string {
  const headers = ['key', 'group', 'reference', ...(wide ? ['version', 'build', 'binary'] : [])];
  const build = (i: ImageSpec) => (i.buildable ? `scripts/images/${i.build}.sh` : 'pull only (not the pinned version)');
  const rows = images.map((i) => [i.key, i.group, i.ref, ...(wide ? [i.version, build(i), i.binary ?? '-'] : [])]);
  return renderTable({ headers, rows }, { maxWidth });
}

interface Selection { only?: string; group?: ImageGroup; all?: boolean }

/** --only keys, --group, --all, or by default the images the configured lab runs (its flavour, its components). */
function selectedKeys(program: Command, images: readonly ImageSpec[], { only, group, all }: Selection): string[] {
  const keys = only ? only.split(',').map((k) => k.trim())
    : group || all ? images.filter((i) => !group || i.group === group).map((i) => i.key)
    : resolveComponents([]).flatMap((c) => c.images(labContext(program).config));
  const unknown = keys.filter((k) => !images.some((i) => i.key === k));
  if (unknown.length) throw new InputError(`unknown image ${unknown.join(', ')}`, `use keys from: ${images.map((i) => i.key).join(', ')}`);
  return keys;
}

/** One line per image, where it came from; an image that fails is said and the rest go on. */
async function supplyAll(program: Command, mode: SupplyMode, opts: Selection & { force?: boolean }): Promise<void> {
  const images = configuredCatalog(program);
  const keys = selectedKeys(program, images, opts);
  await assertImagesObtainable(images.filter((i) => keys.includes(i.key)), mode);
  let failed = 0;
  await ensureImages(keys, mode, {
    images,
    force: (spec) => Boolean(opts.force) && keys.includes(spec.key),
    onBuildStart: (spec) => process.stdout.write(`${spec.ref.padEnd(60)} ${describeBuildStart(buildEstimate(spec))}\n`),
    onResult: (r) => process.stdout.write(`${r.spec.ref.padEnd(60)} ${describeSupply(r)}\n`),
    onFailure: (spec, err) => {
      failed++;
      process.stdout.write(`${spec.ref.padEnd(60)} FAILED: ${err instanceof LabError ? err.message : errorText(err)}\n`);
    },
  });
  if (failed) throw new LabError(`${failed} image(s) could not be supplied`, 'see the lines above and the build logs under ~/.cache/certlab/build/logs');
}

const SUPPLY_HELP = `
Each image is said with where it came from: present, pulled from <registry>, or built from source (with
why it was not pulled). A registry is probed once (3 s at most, CERTLAB_REGISTRY_PROBE_TIMEOUT_MS) before
its first pull, so with none reachable the builds start at once; CERTLAB_REGISTRY_PROBE=off tries every
pull (an engine behind a proxy or mirror). Only the default versions build here; an image at another
version that cannot be pulled is refused in one line before anything starts.`;

export function registerImageCommands(program: Command): void {
  const images = program.command('images').description('the images the lab runs (lab/images/catalog.ts); alone: `images supply`');
  images.command('list').description('every image with its reference at the configured versions')
    .addOption(outputOption(['wide', 'json'], 'wide: add version, build script and binary; json: {images[]} for scripts'))
    .action((o: { output?: OutputFormat }) => {
      const catalog = configuredCatalog(program);
      if (o.output === 'json') writeJson(imagesDocument(catalog));
      else process.stdout.write(`${imagesTable(catalog, o.output === 'wide', tableWidth(process.stdout))}\n`);
    });
  const opts = (c: Command) => c
    .option('--only <keys>', 'comma-separated image keys')
    .option('--group <group>', 'core or kubernetes')
    .option('--all', 'every image in the catalog (default: those the configured lab runs)')
    .addHelpText('after', SUPPLY_HELP);
  // The default: `certlab images` (and setup) reuses what is here, pulls what it can, builds the rest.
  opts(images.command('supply', { isDefault: true }).description('make every image present: reuse, else pull, else build from source (--mode forces one)'))
    .addOption(imageModeOption('--mode <mode>'))
    .action((o: Selection & { mode: SupplyMode }) => supplyAll(program, o.mode, o));
  opts(images.command('pull').description('pull the official images from their registries (never build)'))
    .action((o) => supplyAll(program, 'pull', o));
  opts(images.command('build').description('build every image locally from source, tagged as the official reference; existing tags are skipped'))
    .option('--force', 'rebuild even when the tag exists')
    .action((o) => supplyAll(program, 'build', o));
}
