import type { Command } from 'commander';
import { LabError } from '../errors.ts';
import { IMAGES, type ImageGroup } from '../images/catalog.ts';
import { supplyImage, withDependencies, type SupplyMode } from '../images/supply.ts';

function selected(only: string | undefined, group: ImageGroup | undefined) {
  const keys = only ? only.split(',').map((k) => k.trim()) : IMAGES.filter((i) => !group || i.group === group).map((i) => i.key);
  const unknown = keys.filter((k) => !IMAGES.some((i) => i.key === k));
  if (unknown.length) throw new LabError(`unknown image ${unknown.join(', ')}`, `use keys from: ${IMAGES.map((i) => i.key).join(', ')}`);
  return withDependencies(keys);
}

async function supplyAll(mode: SupplyMode, opts: { only?: string; group?: ImageGroup; force?: boolean }): Promise<void> {
  let failed = 0;
  for (const spec of selected(opts.only, opts.group)) {
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
    .option('--group <group>', 'core or kubernetes');
  opts(images.command('pull').description('pull the official images from their registries'))
    .action((o) => supplyAll('pull', o));
  opts(images.command('build').description('build every image locally from source, tagged as the official reference; existing tags are skipped'))
    .option('--force', 'rebuild even when the tag exists')
    .action((o) => supplyAll('build', o));
}
