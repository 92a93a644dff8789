import { Listr, ListrLogger, PRESET_TIMER, ProcessOutput } from 'listr2';
import type { Component } from '../component.ts';
import type { LabContext } from '../context.ts';
import { assertPortsFree, ensureNetwork, labNetwork } from '../host/docker.ts';
import { repairLabContainers } from '../host/lab-container.ts';
import { ensureImages, type SupplyMode } from '../images/supply.ts';
import { interruption } from '../interrupt.ts';
import { snapshotLab, undoBringUp } from './cleanup.ts';

export interface UpOptions {
  imageMode: SupplyMode;
  renderer?: 'default' | 'simple' | 'silent';
  /** Where the task list and progress lines go (default stdout); stderr when stdout carries JSON. */
  progressTo?: NodeJS.WriteStream;
}

/** How long a component gets to be whole again after its containers were repaired. */
const HEAL_TIMEOUT_MS = 120_000;
/** How long an interrupted task may take to notice and stop before the cleanup takes its inventory. */
const SETTLE_AFTER_INTERRUPT_MS = 60_000;

/**
 * Brings the components up with a task list and timers. A lab left degraded (a node paused, stopped or
 * cut off the network) is repaired first, not refused on its own ports. Ports are checked before anything
 * is made. On failure or Ctrl-C (ctx.signal) the task in flight stops first, then what this run made is
 * removed, so nothing created after the cleanup's inventory survives.
 */
export async function bringUp(ctx: LabContext, components: Component[], opts: UpOptions): Promise<void> {
  const before = await snapshotLab(ctx);
  const repaired = await repairLabContainers(ctx);
  const pending: Component[] = [];
  for (const c of components) if (!(await c.isRunning(ctx))) pending.push(c);
  const healing = repaired.length ? components.filter((c) => !pending.includes(c) && c.heal) : [];
  // Preflight: what would make the run fail half-way is found before anything is made.
  await labNetwork(ctx.config.name, ctx.config.network.name);
  await assertPortsFree(pending.flatMap((c) => c.hostPorts(ctx.config)));

  const progress = opts.progressTo ?? process.stdout;
  // Given a stream (stdout carries JSON), the task list writes there alone, failures included;
  // otherwise listr2's own loggers: the list on stdout, failures on stderr.
  const writeTo = (stream: NodeJS.WriteStream | undefined) => (stream ? { logger: new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(stream, stream) }) } : {});
  const list = new Listr([
    ...(repaired.length ? [{
      title: `repaired ${repaired.length} container(s) left degraded`,
      task: (_: unknown, task: { output: string }) => { task.output = repaired.join('\n'); },
    }] : []),
    {
      title: 'images',
      task: async (_: unknown, task: { output: string }) => {
        const keys = pending.flatMap((c) => c.images(ctx.config));
        await ctx.steps.time('up', 'images', () => ensureImages(keys, opts.imageMode, (r) => {
          if (r.outcome !== 'present') task.output = `${r.spec.ref} ${r.outcome} in ${r.seconds.toFixed(0)} s`;
        }));
      },
    },
    { title: `network ${ctx.config.network.name}`, task: () => ctx.steps.time('up', 'network', () => ensureNetwork(ctx.config.name, ctx.config.network.name, ctx.config.network.subnet)) },
    ...components.map((c) => ({
      title: `${c.name}: ${c.description}`,
      skip: () => !pending.includes(c) && !healing.includes(c) && 'already running',
      task: async (_: unknown, task: { output: string }) => {
        ctx.signal?.throwIfAborted();
        ctx.progress = (line) => { task.output = line; };
        if (healing.includes(c)) await ctx.steps.time('up', `${c.name} whole again`, () => c.heal!(ctx, HEAL_TIMEOUT_MS));
        else await ctx.steps.time('up', c.name, () => c.start(ctx));
      },
    })),
  ], {
    exitOnError: true,
    // Ctrl-C is the command's to handle (ctx.signal): this run's work stops, then what it made is removed.
    registerSignalListeners: false,
    // The live task list redraws lines: only on a terminal, else one line per event.
    renderer: opts.renderer ?? (progress.isTTY ? 'default' : 'simple'),
    fallbackRenderer: 'simple',
    rendererOptions: { timer: PRESET_TIMER, collapseSubtasks: false, ...writeTo(opts.progressTo) },
    fallbackRendererOptions: { timer: PRESET_TIMER, ...writeTo(opts.progressTo) },
  });
  try {
    await settledOrAborted(list.run(), ctx.signal);
    // Interrupted as the last task finished: still an interrupted bring-up, undone like any other.
    ctx.signal?.throwIfAborted();
  } catch (err) {
    await undoBringUp(ctx, before);
    const interrupted = interruption(ctx.signal);
    if (interrupted) process.stderr.write('certlab: removed what this bring-up made\n');
    throw interrupted ?? err;
  }
}

/**
 * The work's outcome; once the signal aborts, the work still gets a moment to stop at its next check
 * (a wait, a container about to be made), so the cleanup does not race a task that is still creating.
 */
async function settledOrAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      const settle = setTimeout(() => reject(signal.reason), SETTLE_AFTER_INTERRUPT_MS);
      work.finally(() => { clearTimeout(settle); reject(signal.reason); }).catch(() => undefined);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
