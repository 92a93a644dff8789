import { Listr, PRESET_TIMER } from 'listr2';
import type { Component } from '../component.ts';
import type { LabContext } from '../context.ts';
import { assertPortsFree, ensureNetwork, labNetwork } from '../host/docker.ts';
import { ensureImages, type SupplyMode } from '../images/supply.ts';
import { snapshotLab, undoBringUp } from './cleanup.ts';

export interface UpOptions { imageMode: SupplyMode; renderer?: 'default' | 'simple' | 'silent' }

/**
 * Brings the components up with a task list and timers. Ports are checked before anything is made;
 * on failure or Ctrl-C, what this run made is removed again.
 */
export async function bringUp(ctx: LabContext, components: Component[], opts: UpOptions): Promise<void> {
  const before = await snapshotLab(ctx);
  const pending: Component[] = [];
  for (const c of components) if (!(await c.isRunning(ctx))) pending.push(c);
  // Preflight: what would make the run fail half-way is found before anything is made.
  await labNetwork(ctx.config.name, ctx.config.network.name);
  await assertPortsFree(pending.flatMap((c) => c.hostPorts(ctx.config)));

  const onInterrupt = () => {
    process.stderr.write('\ncertlab: interrupted; removing what this run made\n');
    undoBringUp(ctx, before).finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    const list = new Listr([
      {
        title: 'images',
        task: async (_, task) => {
          const keys = pending.flatMap((c) => c.images(ctx.config));
          await ctx.steps.time('up', 'images', () => ensureImages(keys, opts.imageMode, (r) => {
            if (r.outcome !== 'present') task.output = `${r.spec.ref} ${r.outcome} in ${r.seconds.toFixed(0)} s`;
          }));
        },
      },
      { title: `network ${ctx.config.network.name}`, task: () => ctx.steps.time('up', 'network', () => ensureNetwork(ctx.config.name, ctx.config.network.name, ctx.config.network.subnet)) },
      ...components.map((c) => ({
        title: `${c.name}: ${c.description}`,
        skip: () => !pending.includes(c) && 'already running',
        task: async (_: unknown, task: { output: string }) => {
          ctx.progress = (line) => { task.output = line; };
          await ctx.steps.time('up', c.name, () => c.start(ctx));
        },
      })),
    ], {
      exitOnError: true,
      // Ctrl-C is the lab's to handle: it removes what this run made before exiting.
      registerSignalListeners: false,
      renderer: opts.renderer ?? 'default',
      fallbackRenderer: 'simple',
      rendererOptions: { timer: PRESET_TIMER, collapseSubtasks: false },
      fallbackRendererOptions: { timer: PRESET_TIMER },
    });
    await list.run();
  } catch (err) {
    await undoBringUp(ctx, before);
    throw err;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}
