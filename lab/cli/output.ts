/** What `certlab status` prints: a table for people, or one JSON document for scripts. */
import { styleText } from 'node:util';
import type { Health, StatusRow } from '../component.ts';
import type { LabLockHolder, LockState } from '../lifecycle/lock.ts';
import { renderTable } from './table.ts';

/** `certlab status -o json`. Every key is always present (null where there is nothing), so scripts need no guards. */
export interface StatusDocument {
  lab: string;
  components: StatusRow[];
  lock: { state: LockState; file: string; holder: Omit<LabLockHolder, 'token'> | null } | null;
}

export function statusDocument(lab: string, components: StatusRow[], lock: { holder?: LabLockHolder; state: LockState; file: string } | undefined): StatusDocument {
  // The token only tells one acquisition from another inside lock.ts; it means nothing to a script.
  const holder = lock?.holder ? { pid: lock.holder.pid, command: lock.holder.command, host: lock.holder.host, since: lock.holder.since } : null;
  return { lab, components, lock: lock ? { state: lock.state, file: lock.file, holder } : null };
}

const HEALTH_COLOUR = { ok: 'green', degraded: 'yellow', down: 'red' } as const satisfies Record<Health, string>;

/** The narrow columns; `wide` adds the detail, which is what makes a line hundreds of columns long. */
export function statusTable(rows: StatusRow[], opts: { wide: boolean; maxWidth: number | undefined; colour: boolean }): string {
  const headers = ['component', 'address', 'health', 'role', ...(opts.wide ? ['detail'] : [])];
  const health = headers.indexOf('health');
  return renderTable(
    { headers, rows: rows.map((r) => [r.component, r.address, r.health, r.role, ...(opts.wide ? [r.detail] : [])]) },
    {
      maxWidth: opts.maxWidth,
      ...(opts.colour ? { paint: (text: string, column: number) => (column === health ? styleText(HEALTH_COLOUR[text as Health] ?? 'reset', text, { validateStream: false }) : text) } : {}),
    },
  );
}
