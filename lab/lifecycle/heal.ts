import type { Component } from '../component.ts';
import type { LabContext } from '../context.ts';
import { repairLabContainers } from '../host/lab-container.ts';

export interface Healed {
  /** One line per container put back (unpaused, started, reconnected). */
  repaired: string[];
  /** Components that were waited for until whole again. */
  waitedFor: string[];
}

/**
 * The lab back to full strength after a scenario failed or was cut short: degraded containers put back,
 * then each component that knows how waits until it serves fully again, within `timeoutMs` each.
 */
export async function restoreFullStrength(ctx: LabContext, components: Component[], timeoutMs: number): Promise<Healed> {
  const repaired = await repairLabContainers(ctx);
  const waitedFor: string[] = [];
  for (const c of components) {
    if (!c.heal || !(c.healsWhenDegraded || await c.isRunning(ctx))) continue;
    await c.heal(ctx, timeoutMs);
    waitedFor.push(c.name);
  }
  return { repaired, waitedFor };
}
