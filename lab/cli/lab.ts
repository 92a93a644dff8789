import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { COMPONENTS, resolveComponents } from '../components.ts';
import { loadConfig } from '../config/load.ts';
import { createContext, type LabContext } from '../context.ts';
import { deleteLabKubeClusters } from '../kube/index.ts';
import { docker, removeLabResources } from '../host/docker.ts';
import { labContainerProblems } from '../host/lab-container.ts';
import { onInterrupt } from '../interrupt.ts';
import { removeRuntimeState } from '../lifecycle/cleanup.ts';
import { cliCommandLine, describeLock, isLockFileName, readLabLock, withLabLock } from '../lifecycle/lock.ts';
import { newRunId } from '../lifecycle/run-id.ts';
import { bringUp } from '../lifecycle/up.ts';
import type { SupplyMode } from '../images/supply.ts';
import { statusTable } from './output.ts';

/**
 * The configured lab's context. An interruptible one (commands that change the lab) turns Ctrl-C and
 * SIGTERM into its abort signal, so the command stops its work, undoes what it made and exits 130.
 */
export function labContext(program: Command, opts: { interruptible?: boolean } = {}): LabContext {
  const config = loadConfig({ file: program.opts().config });
  return createContext(config, opts.interruptible ? { signal: onInterrupt() } : {});
}

export function registerLabCommands(program: Command): void {
  program.command('up')
    .description(`bring lab components up (default: ${COMPONENTS.map((c) => c.name).join(', ')}); a running component is reused`)
    .argument('[components...]', 'components to bring up')
    .option('--images <mode>', 'how to supply a missing image: pull-or-build, build, pull', 'pull-or-build')
    .option('--wait', 'when another command holds the lab, wait for it instead of refusing')
    .action(async (names: string[], opts: { images: SupplyMode; wait?: boolean }) => {
      const ctx = labContext(program, { interruptible: true });
      const components = resolveComponents(names);
      const runDir = join(ctx.config.reportsDir, newRunId());
      await withLabLock(ctx, { command: cliCommandLine(), wait: Boolean(opts.wait) }, async () => {
        try {
          await bringUp(ctx, components, { imageMode: opts.images });
        } finally {
          if (ctx.steps.steps.length) process.stdout.write(`timings: ${await ctx.steps.writeTimings(runDir)}\n`);
        }
      });
    });

  program.command('status')
    .description('a table of every component: address, health, Raft role')
    .action(async () => {
      const ctx = labContext(program);
      await docker();
      const rows = (await Promise.all(COMPONENTS.map((c) => c.status(ctx)))).flat();
      // What keeps a container from serving, whichever component it belongs to, and what fixes it.
      for (const p of await labContainerProblems(ctx.config.name, ctx.config.network.name)) {
        rows.push({ component: p.component, address: p.container, health: 'degraded', role: p.problem, detail: `${p.container} is ${p.problem}; \`certlab up\` repairs it` });
      }
      process.stdout.write(statusTable(rows) + '\n');
      // Only read: status is never blocked by a command holding the lab.
      const lock = await readLabLock(ctx).catch(() => undefined);
      if (lock) process.stdout.write(describeLock(lock) + '\n');
    });

  program.command('down')
    .description('remove everything labelled certlab.lab for this lab (containers, network, volumes), even after a crash')
    .option('--purge', 'also delete the offline PKI and the snapshot store')
    .option('--wait', 'when another command holds the lab, wait for it instead of refusing')
    .action(async (opts: { purge?: boolean; wait?: boolean }) => {
      const ctx = labContext(program);
      await withLabLock(ctx, { command: cliCommandLine(), wait: Boolean(opts.wait) }, async () => {
        const kubeClusters = await deleteLabKubeClusters(ctx.config.name);
        const removed = await removeLabResources(ctx.config.name);
        await removeRuntimeState(ctx);
        if (opts.purge) {
          // Everything but the lock: releasing it removes lock.json, then the directory once empty.
          for (const entry of await readdir(ctx.paths.root).catch(() => [] as string[])) {
            if (!isLockFileName(entry)) await rm(join(ctx.paths.root, entry), { recursive: true, force: true });
          }
        }
        process.stdout.write(`removed ${kubeClusters.length} kind clusters, ${removed.containers} containers, ${removed.networks} networks, ${removed.volumes} volumes of lab ${ctx.config.name}\n`);
      });
    });
}
