import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { COMPONENTS, resolveComponents } from '../components.ts';
import { loadConfig } from '../config/load.ts';
import { createContext, type LabContext } from '../context.ts';
import { deleteLabClusters } from '../cluster/index.ts';
import { docker, removeLabResources } from '../host/docker.ts';
import { removeRuntimeState } from '../lifecycle/cleanup.ts';
import { newRunId } from '../lifecycle/run-id.ts';
import { bringUp } from '../lifecycle/up.ts';
import type { SupplyMode } from '../images/supply.ts';
import { statusTable } from './output.ts';

export function labContext(program: Command): LabContext {
  return createContext(loadConfig({ file: program.opts().config }));
}

export function registerLabCommands(program: Command): void {
  program.command('up')
    .description(`bring lab components up (default: ${COMPONENTS.map((c) => c.name).join(', ')}); a running component is reused`)
    .argument('[components...]', 'components to bring up')
    .option('--images <mode>', 'how to supply a missing image: pull-or-build, build, pull', 'pull-or-build')
    .action(async (names: string[], opts: { images: SupplyMode }) => {
      const ctx = labContext(program);
      const components = resolveComponents(names);
      const runDir = join(ctx.config.reportsDir, newRunId());
      try {
        await bringUp(ctx, components, { imageMode: opts.images });
      } finally {
        if (ctx.steps.steps.length) process.stdout.write(`timings: ${await ctx.steps.writeTimings(runDir)}\n`);
      }
    });

  program.command('status')
    .description('a table of every component: address, health, Raft role')
    .action(async () => {
      const ctx = labContext(program);
      await docker();
      const rows = (await Promise.all(COMPONENTS.map((c) => c.status(ctx)))).flat();
      process.stdout.write(statusTable(rows) + '\n');
    });

  program.command('down')
    .description('remove everything labelled certlab.lab for this lab (containers, network, volumes), even after a crash')
    .option('--purge', 'also delete the offline PKI and the snapshot store')
    .action(async (opts: { purge?: boolean }) => {
      const ctx = labContext(program);
      const clusters = await deleteLabClusters(ctx.config.name);
      const removed = await removeLabResources(ctx.config.name);
      await removeRuntimeState(ctx);
      if (opts.purge) await rm(ctx.paths.root, { recursive: true, force: true });
      process.stdout.write(`removed ${clusters.length} kind clusters, ${removed.containers} containers, ${removed.networks} networks, ${removed.volumes} volumes of lab ${ctx.config.name}\n`);
    });
}
