import type { Row } from './figures';
import { passText } from './targets';

/** A Markdown table (readable in a terminal, pasted as is in an issue note). */
export function renderTable(rows: Row[]): string {
  const header = ['figure', 'product', 'bare baseline', 'ratio', 'target', 'pass', 'p50/p99 product · baseline'];
  const lines = rows.map((row) => [row.figure, row.product, row.baseline, row.ratio === null ? '—' : row.ratio.toFixed(2), row.target ?? '', row.target ? passText(row.pass) : '', row.latency]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [format(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...lines.map(format)].join('\n');
}
