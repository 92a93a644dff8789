import type { Command } from 'commander';
import { InputError, LabError } from '../errors.ts';
import { IMAGES, type ImageGroup } from '../images/catalog.ts';
import { supplyImage, withDependencies, type SupplyMode } from '../images/supply.ts';
import { resolveComponents } from '../components.ts';
import { labContext } from './lab.ts';
import { outputOption, writeJson, type OutputFormat } from './output-format.ts';
import { renderTable } from './table.ts';
import { tableWidth } from './terminal.ts';

/** `certlab images list -o json`: every key on every image, null or [] where the catalog has none. */
function imagesDocument() {
  return {
    images: IMAGES.map((i) => ({ key: i.key, group: i.group, ref: i.ref, version: i.version, build: i.build, binary: i.binary ?? null, needs: i.needs ?? [] })),
  };
}

function imagesTable(wide: boolean, maxWidth: number | undefined): string {
  const headers = ['key', 'group', 'reference', ...(wide ? ['version', 'build', 'binary'] : [])];
  const rows = IMAGES.map((i) => [i.key, i.group, i.ref, ...(wide ? [i.version, `scripts/images/${i.build}.sh`, i.binary ?? '-'] : [])]);
  return renderTable({ headers, rows }, { maxWidth });
}

interface Selection { only?: string; group?: ImageGroup; all?: boolean }

/** --only keys, --group, --all, or by default the images the configured lab runs (its flavour, its components). */
function selected(program: Command, { only, group, all }: Selection) {
  const keys = only ? only.split(',').map((k) => k.trim())
    : group || all ? IMAGES.filter((i) => !group || i.group === group).map((i) => i.key)
    : resolveComponents([]).flatMap((c) => c.images(labContext(program).config));
  const unknown = keys.filter((k) => !IMAGES.some((i) => i.key === k));
  if (unknown.length) throw new InputError(`unknown image ${unknown.join(', ')}`, `use keys from: ${IMAGES.map((i) => i.key).join(', ')}`);
  return withDependencies(keys);
}

async function supplyAll(program: Command, mode: SupplyMode, opts: Selection & { force?: boolean }): Promise<void> {
  let failed = 0;
  for (const spec of selected(program, opts)) {
    try {
      const r = await supplyImage(spec, mode, opts.force && (!opts.only || opts.only.split(',').includes(spec.key)));
      const what = r.outcome === 'present' ? 'present, skipped' : `${r.outcome} in ${r.seconds.toFixed(1)} s`;
      process.stdout.write(`${spec.ref.padEnd(60)} ${what}\n`);
    } catch (err) {
      failed++;
      process.stdout.write(`${spec.ref.padEnd(60)} FAILED: ${err instanceof LabError ? err.message : String(err)}\n`);
    }
  }
  if (failed) throw new LabError(`${failed} image(s) could not be supplied`, 'see the lines above and the build logs under ~/.cache/certlab/build/logs');
}

export function registerImageCommands(program: Command): void {
  const images = program.command('images').description('the images the lab runs (lab/images/catalog.ts)');
  images.command('list').description('every image with its pinned reference')
    .addOption(outputOption(['wide', 'json'], 'wide: add version, build script and binary; json: {images[]} for scripts'))
    .action((o: { output?: OutputFormat }) => {
      if (o.output === 'json') writeJson(imagesDocument());
      else process.stdout.write(`${imagesTable(o.output === 'wide', tableWidth(process.stdout))}\n`);
    });
  const opts = (c: Command) => c
    .option('--only <keys>', 'comma-separated image keys')
    .option('--group <group>', 'core or kubernetes')
    .option('--all', 'every image in the catalog (default: those the configured lab runs)');
  opts(images.command('pull').description('pull the official images from their registries'))
    .action((o) => supplyAll(program, 'pull', o));
  opts(images.command('build').description('build every image locally from source, tagged as the official reference; existing tags are skipped'))
    .option('--force', 'rebuild even when the tag exists')
    .action((o) => supplyAll(program, 'build', o));
}
