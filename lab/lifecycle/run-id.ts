import { randomBytes } from 'node:crypto';

/** Sortable and unique: 20261122-074500-ab12. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}
