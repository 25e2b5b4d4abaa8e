/**
 * A Markdown table with padded columns, readable in a terminal and pasteable into the README:
 * the first `leftColumns` columns are left-aligned (names), the rest right-aligned (numbers).
 *
 * @example
 * formatTable(['config', 'ms'], [['power', '1.20'], ['gas', '10.5']]);
 * // | config |   ms |
 * // |--------|-----:|
 * // | power  | 1.20 |
 * // | gas    | 10.5 |
 */

export interface FormatTableOptions {
  /** How many leading columns are left-aligned. @default 1 */
  leftColumns?: number;
}

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[],
  options: FormatTableOptions = {}): string {
  const leftColumns = options.leftColumns ?? 1;
  rows.forEach((row, r) => {
    if (row.length !== header.length) {
      throw new RangeError(`formatTable: expected ${header.length} cells in row ${r}, got ${row.length}`);
    }
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length), 3));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, c) => (c < leftColumns ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c < leftColumns ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * A number with about `digits` significant digits and thousands separators for large values
 * (`12345.6 → "12,346"`, `2.345 → "2.35"`, `0.01234 → "0.0123"`); `null`/non-finite values print as "–".
 */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}
