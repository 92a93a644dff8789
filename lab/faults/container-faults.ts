import type { LabContext } from '../context.ts';
import { docker } from '../host/docker.ts';
import { aliasesOf, registerLabNames } from '../host/names.ts';
import { pollUntil } from '../host/wait.ts';
import type { Release } from '../releases.ts';

/** The ways a node can fail in the scenarios, each with the way back. */
export type FaultKind = 'sigkill' | 'graceful-stop' | 'freeze' | 'network-cut';

export const FAULT_KINDS: readonly FaultKind[] = ['sigkill', 'graceful-stop', 'freeze', 'network-cut'];

type DockerContainer = ReturnType<Awaited<ReturnType<typeof docker>>['getContainer']>;

/**
 * Injects `kind` into a lab container and registers the way back (start, unpause, reconnect with its
 * aliases) on ctx.releases, so the fault is undone on every path. The returned release undoes it now.
 */
export async function injectFault(ctx: LabContext, container: string, kind: FaultKind): Promise<Release> {
  const d = await docker();
  const c = d.getContainer(container);
  switch (kind) {
    case 'sigkill':
      await c.kill({ signal: 'SIGKILL' });
      return ctx.releases.defer(`start ${container} (killed)`, () => startContainer(ctx, container));
    case 'graceful-stop':
      await c.stop({ t: 30 });
      return ctx.releases.defer(`start ${container} (stopped)`, () => startContainer(ctx, container));
    case 'freeze':
      await freeze(c);
      return ctx.releases.defer(`unpause ${container} (frozen)`, () => unpause(c));
    case 'network-cut': {
      const network = ctx.config.network.name;
      const aliases = aliasesOf((await c.inspect()).Config.Labels);
      await d.getNetwork(network).disconnect({ Container: container, Force: true });
      return ctx.releases.defer(`reconnect ${container} to ${network}`, () => reconnect(ctx, container, aliases));
    }
  }
}

/** A graceful stop of a lab container, started again on every path (see injectFault). */
export function stopNode(ctx: LabContext, container: string): Promise<Release> {
  return injectFault(ctx, container, 'graceful-stop');
}

/** Started again, with its names pointed at the address it came back with (it may be another). */
async function startContainer(ctx: LabContext, container: string): Promise<void> {
  await (await docker()).getContainer(container).start().catch((err: { statusCode?: number }) => {
    if (err.statusCode !== 304) throw err; // 304: already running
  });
  await registerLabNames(ctx);
}

async function unpause(c: DockerContainer): Promise<void> {
  if ((await c.inspect()).State.Paused) await c.unpause();
}

async function reconnect(ctx: LabContext, container: string, aliases: string[]): Promise<void> {
  const d = await docker();
  const network = ctx.config.network.name;
  const info = await d.getContainer(container).inspect();
  if (network in (info.NetworkSettings.Networks ?? {})) return;
  await d.getNetwork(network).connect({ Container: container, EndpointConfig: { Aliases: aliases } });
  await registerLabNames(ctx);
}

/**
 * The cgroup v1 freezer gives up ("unable to freeze") when a task is in uninterruptible sleep at that
 * moment, as under heavy disk I/O; a few attempts a moment apart freeze it.
 */
async function freeze(c: DockerContainer): Promise<void> {
  const outcome = await pollUntil(async () => {
    try {
      await c.pause();
      return 'frozen';
    } catch (err) {
      return /unable to freeze/.test(String(err)) ? undefined : (err as Error);
    }
  }, { timeoutMs: 5_000, intervalMs: 200, what: 'the cgroup freezer to freeze the container' });
  if (outcome instanceof Error) throw outcome;
}
