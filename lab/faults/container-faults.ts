import { docker } from '../host/docker.ts';

/** The ways a node can fail in the scenarios, each with the way back. */
export type FaultKind = 'sigkill' | 'graceful-stop' | 'freeze' | 'network-cut';

export const FAULT_KINDS: readonly FaultKind[] = ['sigkill', 'graceful-stop', 'freeze', 'network-cut'];

/** Injects `kind` into a container; the returned function undoes it (start, unpause, reconnect). */
export async function injectFault(container: string, kind: FaultKind, network: string, aliases: string[]): Promise<() => Promise<void>> {
  const d = await docker();
  const c = d.getContainer(container);
  switch (kind) {
    case 'sigkill':
      await c.kill({ signal: 'SIGKILL' });
      return () => c.start();
    case 'graceful-stop':
      await c.stop({ t: 30 });
      return () => c.start();
    case 'freeze':
      await freeze(c);
      return () => c.unpause();
    case 'network-cut': {
      const net = d.getNetwork(network);
      await net.disconnect({ Container: container, Force: true });
      return () => net.connect({ Container: container, EndpointConfig: { Aliases: aliases } });
    }
  }
}

export async function stopContainer(container: string): Promise<void> {
  await (await docker()).getContainer(container).stop({ t: 10 }).catch((err: { statusCode?: number }) => {
    if (err.statusCode !== 304) throw err; // 304: already stopped
  });
}

export async function startContainer(container: string): Promise<void> {
  await (await docker()).getContainer(container).start().catch((err: { statusCode?: number }) => {
    if (err.statusCode !== 304) throw err; // 304: already running
  });
}

/**
 * The cgroup v1 freezer gives up ("unable to freeze") when a task is in uninterruptible sleep at that
 * moment, as under heavy disk I/O; a second or third attempt a moment later freezes it.
 */
async function freeze(c: ReturnType<Awaited<ReturnType<typeof docker>>['getContainer']>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await c.pause();
      return;
    } catch (err) {
      if (attempt >= 3 || !/unable to freeze/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
