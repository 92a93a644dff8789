import type { Command } from 'commander';
import { LabError } from '../errors.ts';
import { IMAGES, type ImageGroup } from '../images/catalog.ts';
import { supplyImage, withDependencies, type SupplyMode } from '../images/supply.ts';
import { resolveComponents } from '../components.ts';
import { labContext } from './lab.ts';

interface Selection { only?: string; group?: ImageGroup; all?: boolean }

/** --only keys, --group, --all, or by default the images the configured lab runs (its flavour, its components). */
function selected(program: Command, { only, group, all }: Selection) {
  const keys = only ? only.split(',').map((k) => k.trim())
    : group || all ? IMAGES.filter((i) => !group || i.group === group).map((i) => i.key)
    : resolveComponents([]).flatMap((c) => c.images(labContext(program).config));
  const unknown = keys.filter((k) => !IMAGES.some((i) => i.key === k));
  if (unknown.length) throw new LabError(`unknown image ${unknown.join(', ')}`, `use keys from: ${IMAGES.map((i) => i.key).join(', ')}`);
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
  images.command('list').description('every image with its pinned reference').action(() => {
    for (const i of IMAGES) process.stdout.write(`${i.key.padEnd(22)} ${i.group.padEnd(11)} ${i.ref}\n`);
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
