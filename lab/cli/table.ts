/**
 * Tables the way kubectl prints them: upper-case headers, columns three spaces apart, no borders, so
 * `grep`, `awk` and `cut` work on them. On a terminal the table fits its width, long cells cut with "…";
 * elsewhere cells stay whole.
 */
import Table from 'cli-table3';
import stringWidth from 'string-width';

export interface TextTable {
  headers: string[];
  rows: string[][];
}

export interface TableOptions {
  /** The most columns a line may take (the terminal's width); undefined: no limit, nothing cut. */
  maxWidth?: number;
  /** Colours a cell (already known to be wanted); the text's width must not change. */
  paint?: (text: string, column: number) => string;
}

const GAP = 3;
/** A column cut narrower than this says nothing any more, so the line is left to wrap instead. */
const NARROWEST = 6;

const NO_BORDERS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' '.repeat(GAP),
};

/**
 * Column widths whose line fits `maxWidth`: the widest column gives way first, one character at a time,
 * so short columns (health, role) stay whole and long ones (addresses, details) are cut. A column never
 * goes below `floors` (nor NARROWEST); if the floors alone are too wide, the line is longer than asked.
 */
export function fitColumns(natural: number[], floors: number[], maxWidth: number, gap = GAP): number[] {
  const widths = [...natural];
  let excess = widths.reduce((a, b) => a + b, 0) + gap * Math.max(0, widths.length - 1) - maxWidth;
  while (excess > 0) {
    const floor = (i: number) => Math.min(natural[i]!, Math.max(floors[i] ?? 0, NARROWEST));
    let widest = -1;
    widths.forEach((w, i) => { if (w > floor(i) && (widest < 0 || w > widths[widest]!)) widest = i; });
    if (widest < 0) break;
    widths[widest]!--;
    excess--;
  }
  return widths;
}

/** One row, one line: a multi-line error message in a cell would break `grep` and the alignment. */
const oneLine = (cell: string | undefined) => (cell ?? '').replace(/\s*\n\s*/g, ' ');

export function renderTable(table: TextTable, opts: TableOptions = {}): string {
  const headers = table.headers.map((h) => h.toUpperCase());
  const rows = table.rows.map((r) => headers.map((_, i) => oneLine(r[i])));
  const natural = headers.map((h, i) => Math.max(stringWidth(h), ...rows.map((r) => stringWidth(r[i]!))));
  const widths = opts.maxWidth === undefined ? natural : fitColumns(natural, headers.map((h) => stringWidth(h)), opts.maxWidth);
  const out = new Table({
    head: headers,
    chars: NO_BORDERS,
    // Colour is the caller's to decide (lab/cli/terminal.ts): cli-table3's own would colour the header.
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    colWidths: widths,
    truncate: '…',
  });
  const paint = opts.paint ?? ((text: string) => text);
  for (const row of rows) out.push(row.map((cell, i) => paint(cell, i)));
  // The last column is padded to its width; trailing blanks would only make lines look longer.
  return out.toString().split('\n').map((line) => line.trimEnd()).join('\n');
}
