/** report.md: GitHub-flavoured markdown meant to be appended to $GITHUB_STEP_SUMMARY as it is. */
import type { RunReport } from './model.ts';
import { buildDocument, type Block } from './document.ts';
import { escapeMarkdownCell, markdownFence } from './escape.ts';
import { cellText, type Cell, type Table, type Tone } from './tables.ts';

const TONE_ICON: Record<Tone, string> = { pass: '✅', fail: '❌', skip: '⏭️' };

function inline(cell: Cell): string {
  if (typeof cell === 'string') return escapeMarkdownCell(cell);
  const text = escapeMarkdownCell(cell.text);
  return cell.tone ? `${TONE_ICON[cell.tone]} ${text}` : text;
}

export function markdownTable(table: Table): string {
  const numeric = new Set(table.numeric ?? []);
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    row(table.headers.map(escapeMarkdownCell)),
    row(table.headers.map((_, i) => (numeric.has(i) ? '---:' : '---'))),
    // An empty cell would still render, but a literal space keeps hand-edited copies aligned.
    ...table.rows.map((r) => row(r.map((c) => (cellText(c) ? inline(c) : ' ')))),
  ].join('\n');
}

function renderBlock(block: Block): string | undefined {
  switch (block.kind) {
    case 'heading': {
      const status = block.status ? ` ${inline(block.status)}` : '';
      return `${'#'.repeat(block.level)} ${escapeMarkdownCell(block.text)}${status}`;
    }
    case 'paragraph':
      return block.parts.map(inline).join('');
    case 'table':
      // The blank line after <summary> is what makes GitHub render the table inside <details>.
      return block.collapsed
        ? `<details><summary>${escapeMarkdownCell(block.collapsed)}</summary>\n\n${markdownTable(block.table)}\n\n</details>`
        : markdownTable(block.table);
    case 'charts':
      return undefined;
    case 'note': {
      const fence = markdownFence(block.body);
      return `**${escapeMarkdownCell(block.title)}**\n\n${fence}text\n${block.body}\n${fence}`;
    }
  }
}

export function renderMarkdown(report: RunReport): string {
  const parts = buildDocument(report).map(renderBlock).filter((p): p is string => p !== undefined);
  return `${parts.join('\n\n')}\n\n_Charts are in report.html._\n`;
}
