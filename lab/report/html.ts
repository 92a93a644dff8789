/** report.html: one self-contained page, no script, no external resource, charts inlined as SVG. */
import type { RunReport } from './model.ts';
import { buildDocument, type Block } from './document.ts';
import { escapeHtml } from './escape.ts';
import { renderChartSvg } from './charts.ts';
import { type Cell, type Table } from './tables.ts';

/**
 * The policy makes the page's self-containment enforced rather than promised: should a future chart
 * option or note ever reference a URL, the browser refuses to fetch it.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:";

const CSS = `
:root { --pass: #2e7d32; --fail: #c62828; --skip: #757575; --line: #e0e0e0; --muted: #5f6368; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f6f8; color: #202124; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; min-height: 100vh; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 19px; margin: 36px 0 8px; padding-top: 12px; border-top: 2px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; color: #3c4043; }
p { margin: 6px 0 10px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f1f3f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td { overflow-wrap: anywhere; }
a { color: #1a73e8; text-decoration: none; }
a:hover { text-decoration: underline; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; vertical-align: middle; }
h1 .badge, h2 .badge { font-size: 13px; margin-left: 8px; }
.tone-pass { color: var(--pass); } .tone-fail { color: var(--fail); font-weight: 600; } .tone-skip { color: var(--skip); }
.badge.tone-pass { background: var(--pass); color: #fff; } .badge.tone-fail { background: var(--fail); color: #fff; } .badge.tone-skip { background: var(--skip); color: #fff; }
figure.chart { margin: 10px 0 14px; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
figure.chart svg { display: block; width: 100%; height: auto; }
details { margin: 6px 0 12px; }
summary { cursor: pointer; color: var(--muted); font-weight: 600; }
.note { margin: 8px 0 14px; }
.note-title { font-weight: 600; margin-bottom: 4px; }
pre { margin: 0; padding: 10px 12px; background: #f8f9fa; border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
`;

function inline(cell: Cell, badge = false): string {
  if (typeof cell === 'string') return escapeHtml(cell);
  const text = escapeHtml(cell.text);
  const toned = cell.tone ? `<span class="${badge ? 'badge ' : ''}tone-${cell.tone}">${text}</span>` : text;
  return cell.href ? `<a href="${escapeHtml(cell.href)}">${toned}</a>` : toned;
}

function htmlTable(table: Table): string {
  const numeric = new Set(table.numeric ?? []);
  const cls = (i: number) => (numeric.has(i) ? ' class="num"' : '');
  const head = table.headers.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('');
  const body = table.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${inline(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case 'heading': {
      const id = block.anchor ? ` id="${escapeHtml(block.anchor)}"` : '';
      const status = block.status ? ` ${inline(block.status, true)}` : '';
      return `<h${block.level}${id}>${escapeHtml(block.text)}${status}</h${block.level}>`;
    }
    case 'paragraph':
      return `<p>${block.parts.map((p) => inline(p)).join('')}</p>`;
    case 'table':
      return block.collapsed
        ? `<details><summary>${escapeHtml(block.collapsed)}</summary>${htmlTable(block.table)}</details>`
        : htmlTable(block.table);
    case 'charts':
      return block.charts.map((c) => `<figure class="chart" aria-label="${escapeHtml(c.title)}">${renderChartSvg(c)}</figure>`).join('\n');
    case 'note':
      return `<div class="note"><div class="note-title">${escapeHtml(block.title)}</div><pre>${escapeHtml(block.body)}</pre></div>`;
  }
}

export function renderHtml(report: RunReport): string {
  const title = `certlab run ${report.runId} — ${report.passed ? 'passed' : 'FAILED'}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${buildDocument(report).map(renderBlock).join('\n')}
</main>
</body>
</html>
`;
}
