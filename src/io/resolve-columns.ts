/**
 * Column selection shared by the CSV reader and the CLI: selectors are header names or **0-based** indices
 * (like pandas `iloc`), given as an array or as one comma-separated string such as `"x1,x2"` or `"0,3"`.
 */
import { quote, quoteList } from '../core/printable.ts';
import { DataError } from './data-error.ts';

/** Column selectors: `"x1,x3"`, `"0,2"`, `['x1', 2]`. Numbers and all-digit strings are 0-based indices. */
export type ColumnSelection = string | readonly (string | number)[];

/**
 * Resolves selectors against a file's column names to 0-based indices, in the order given.
 * A selector that exactly matches a header name is that column (a header may name a column `"3"`); otherwise an
 * all-digit selector is a 0-based index. Unknown names, out-of-range indices, duplicate selections and names that
 * occur twice in the header throw a `DataError` naming the file.
 *
 * @example
 * import { resolveColumns } from './resolve-columns.ts';
 * console.log(resolveColumns('x2,0', ['x0', 'x1', 'x2'], 'data.csv')); // → [ 2, 0 ]
 */
export function resolveColumns(selection: ColumnSelection, names: readonly string[], file: string): number[] {
  const selectors = typeof selection === 'string' ? selection.split(',').map((s) => s.trim()) : selection;
  if (selectors.length === 0 || (selectors.length === 1 && selectors[0] === '')) {
    throw new DataError('the column selection is empty', { file });
  }
  const indices: number[] = [];
  for (const selector of selectors) {
    const index = resolveOne(selector, names, file);
    if (indices.includes(index)) {
      throw new DataError(`column ${describe(index, names)} is selected twice`, { file });
    }
    indices.push(index);
  }
  return indices;
}

function resolveOne(selector: string | number, names: readonly string[], file: string): number {
  if (typeof selector === 'string') {
    const first = names.indexOf(selector);
    if (first >= 0) {
      const second = names.indexOf(selector, first + 1);
      if (second >= 0) {
        throw new DataError(`column name ${quote(selector)} occurs twice in the header (0-based columns ` +
          `${first} and ${second}); select the column by its 0-based index instead`, { file, code: 'duplicate-column' });
      }
      return first;
    }
    if (!/^\d+$/.test(selector)) {
      throw new DataError(`unknown column ${quote(selector)}; the columns are ` +
        `${quoteList(names)} (or 0-based indices 0..${names.length - 1})`, { file, code: 'unknown-column' });
    }
    selector = Number(selector);
  }
  if (!Number.isInteger(selector) || selector < 0 || selector >= names.length) {
    throw new DataError(`column index ${selector} is out of range: the file has ${names.length} columns ` +
      `(0-based indices 0..${names.length - 1})`, { file, code: 'unknown-column' });
  }
  return selector;
}

function describe(index: number, names: readonly string[]): string {
  return `${quote(names[index])} (0-based index ${index})`;
}
