import type { LabContext } from '../context.ts';
import { docker } from '../host/docker.ts';
import { bringBack, type ContainerProblem } from '../host/lab-container.ts';
import { pollUntil } from '../host/wait.ts';
import type { Release } from '../releases.ts';

/** The ways a node can fail in the scenarios, each with the way back. */
export type FaultKind = 'sigkill' | 'graceful-stop' | 'freeze' | 'network-cut';

export const FAULT_KINDS: readonly FaultKind[] = ['sigkill', 'graceful-stop', 'freeze', 'network-cut'];

type DockerContainer = ReturnType<Awaited<ReturnType<typeof docker>>['getContainer']>;

/**
 * Injects `kind` into a lab container and registers the way back (start, unpause, reconnect with its
 * aliases: bringBack) on ctx.releases, so the fault is undone on every path. The returned release undoes
 * it now.
 */
export async function injectFault(ctx: LabContext, container: string, kind: FaultKind): Promise<Release> {
  const d = await docker();
  const c = d.getContainer(container);
  const back = (problem: ContainerProblem['problem']) => () => bringBack(ctx, container, problem);
  switch (kind) {
    case 'sigkill':
      await c.kill({ signal: 'SIGKILL' });
      return ctx.releases.defer(`start ${container} (killed)`, back('stopped'));
    case 'graceful-stop':
      await c.stop({ t: 30 });
      return ctx.releases.defer(`start ${container} (stopped)`, back('stopped'));
    case 'freeze':
      await freeze(c);
      return ctx.releases.defer(`unpause ${container} (frozen)`, back('paused'));
    case 'network-cut': {
      const network = ctx.config.network.name;
      await d.getNetwork(network).disconnect({ Container: container, Force: true });
      return ctx.releases.defer(`reconnect ${container} to ${network}`, back('off the network'));
    }
  }
}

/** A graceful stop of a lab container, started again on every path (see injectFault). */
export function stopNode(ctx: LabContext, container: string): Promise<Release> {
  return injectFault(ctx, container, 'graceful-stop');
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
