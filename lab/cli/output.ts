import Table from 'cli-table3';
import type { StatusRow } from '../component.ts';

export function statusTable(rows: StatusRow[]): string {
  const table = new Table({ head: ['component', 'address', 'health', 'role', 'detail'] });
  for (const r of rows) table.push([r.component, r.address, r.health, r.role, r.detail]);
  return table.toString();
}
