import { setTimeout as delay } from 'node:timers/promises';
import { Listr, ListrLogger, PRESET_TIMER, ProcessOutput, type ListrTask } from 'listr2';
import type { Component } from '../component.ts';
import { refuseUnsupported } from '../components.ts';
import type { LabContext } from '../context.ts';
import { assertPortsFree, ensureNetwork, labNetwork } from '../host/docker.ts';
import { repairLabContainers } from '../host/lab-container.ts';
import { catalogFor } from '../images/catalog.ts';
import { assertImagesObtainable } from '../images/preflight.ts';
import { buildEstimate, describeBuildStart } from '../images/build-estimate.ts';
import { describeSupply, ensureImages, type SupplyMode } from '../images/supply.ts';
import { LabError } from '../errors.ts';
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
  // Before anything is touched: a component this configuration cannot run, or a configured version this
  // machine can neither pull nor build, is one line.
  refuseUnsupported(ctx.config, components);
  const images = catalogFor(ctx.config);
  const imageKeys = components.flatMap((c) => c.images(ctx.config));
  await assertImagesObtainable(images.filter((i) => imageKeys.includes(i.key)), opts.imageMode);
  const before = await snapshotLab(ctx);
  const repaired = await repairLabContainers(ctx);
  const pending: Component[] = [];
  const changed = new Map<string, string[]>();
  for (const c of components) {
    if (!(await c.isRunning(ctx))) { pending.push(c); continue; }
    const drift = await c.drift?.(ctx);
    if (drift?.recreate.length) throw new LabError(`${c.name} of lab ${ctx.config.name} is running but ${drift.recreate.join('; ')}`, `run \`certlab down\` then \`certlab up\` to make it anew`);
    if (drift?.reapply.length) { pending.push(c); changed.set(c.name, drift.reapply); }
  }
  const healing = repaired.length ? components.filter((c) => !pending.includes(c) && c.heal) : [];
  // Preflight: what would make the run fail half-way is found before anything is made.
  await labNetwork(ctx.config.name, ctx.config.network.name);
  await assertPortsFree(pending.flatMap((c) => c.hostPorts(ctx.config)));

  const work = componentTasks(ctx, components, (c) => (healing.includes(c) ? 'heal' : pending.includes(c) ? 'start' : 'skip'), changed);
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
        await ctx.steps.time('up', 'images', () => ensureImages(keys, opts.imageMode, {
          images,
          onBuildStart: (spec) => { task.output = `${spec.ref}: ${describeBuildStart(buildEstimate(spec))}`; },
          onResult: (r) => { if (r.outcome !== 'present') task.output = `${r.spec.ref}: ${describeSupply(r)}`; },
        }));
      },
    },
    { title: `network ${ctx.config.network.name}`, task: () => ctx.steps.time('up', 'network', () => ensureNetwork(ctx.config.name, ctx.config.network.name, ctx.config.network.subnet)) },
    {
      title: 'components, each as soon as those it comes after are up',
      task: (_: unknown, task: TaskWrapper) => task.newListr(work.tasks, { concurrent: true, exitOnError: true }),
    },
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
    // Every component task stops (at its next wait) before the cleanup takes its inventory.
    await work.settled(SETTLE_AFTER_INTERRUPT_MS);
    await undoBringUp(ctx, before);
    const interrupted = interruption(ctx.signal);
    if (interrupted) process.stderr.write('certlab: removed what this bring-up made\n');
    throw interrupted ?? err;
  }
}

type Work = 'start' | 'heal' | 'skip';
type TaskWrapper = Parameters<ListrTask['task']>[1];

/**
 * One task per component, each starting as soon as the components it comes after are done (the Vault
 * cluster and the kind cluster come up side by side, both after DNS). Each gets its own progress line and
 * a signal that also aborts when another component fails, so a failed bring-up stops every task in flight
 * (each at its next wait) before the cleanup takes its inventory.
 */
function componentTasks(ctx: LabContext, components: Component[], work: (c: Component) => Work, changed: Map<string, string[]>) {
  const failed = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, failed.signal]) : failed.signal;
  const done = new Map<string, Promise<void>>();
  const resolvers = new Map<string, { resolve: () => void; reject: (err: unknown) => void }>();
  for (const c of components) {
    done.set(c.name, new Promise<void>((resolve, reject) => resolvers.set(c.name, { resolve, reject })));
    done.get(c.name)!.catch(() => undefined);
    if (work(c) === 'skip') resolvers.get(c.name)!.resolve();
  }
  const tasks: ListrTask[] = components.map((c) => ({
    title: `${c.name}: ${c.description}`,
    skip: () => work(c) === 'skip' && 'already running',
    task: async (_: unknown, task: TaskWrapper) => {
      const own: LabContext = { ...ctx, signal, progress: (line) => { task.output = line; } };
      try {
        const waitingFor = c.after.filter((d) => done.has(d));
        if (waitingFor.length) task.output = `after ${waitingFor.join(', ')}`;
        await Promise.all(waitingFor.map((d) => done.get(d)));
        signal.throwIfAborted();
        if (changed.has(c.name)) own.progress(`running; applying what changed: ${changed.get(c.name)!.join(', ')}`);
        if (work(c) === 'heal') await ctx.steps.time('up', `${c.name} whole again`, () => c.heal!(own, HEAL_TIMEOUT_MS));
        else await ctx.steps.time('up', c.name, () => c.start(own));
        resolvers.get(c.name)!.resolve();
      } catch (err) {
        resolvers.get(c.name)!.reject(err);
        if (!failed.signal.aborted) failed.abort(err);
        throw err;
      }
    },
  }));
  const settled = async (timeoutMs: number): Promise<void> => {
    failed.abort(new Error('the bring-up stopped'));
    // A task Listr never began would never settle: bounded.
    await Promise.race([Promise.allSettled(done.values()), delay(timeoutMs)]);
  };
  return { tasks, settled };
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
