import { DataError } from './data-error.ts';

/** The names of a model's data columns and context columns, in the flow's feature order. */
export interface ModelColumns {
  /** `features` names: column d of `x`. */
  columns: string[];
  /** `contextFeatures` names: column c of the context. */
  contextColumns: string[];
}

/**
 * The names a model without recorded names gets: by position, as a file without a header names its columns
 * (`col0 … col{D−1}` for the data, then `col{D} …` for the context, as they sit side by side in a training file).
 *
 * @example
 * import { defaultColumns } from './model-columns.ts';
 * console.log(defaultColumns(2, 1)); // → { columns: [ 'col0', 'col1' ], contextColumns: [ 'col2' ] }
 */
export function defaultColumns(features: number, contextFeatures: number): ModelColumns {
  const names = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `col${from + i}`);
  return { columns: names(0, features), contextColumns: names(features, contextFeatures) };
}

/**
 * `value` as `count` column names, or the reason it is not: `undefined` when it is an array of exactly `count` strings.
 *
 * @example
 * import { columnNamesProblem } from './model-columns.ts';
 * console.log(columnNamesProblem(['a', 'b'], 2), columnNamesProblem(['a'], 2)); // → undefined expected 2 names, got 1
 */
export function columnNamesProblem(value: unknown, count: number): string | undefined {
  if (!Array.isArray(value)) return `expected an array of ${count} names, got ${typeof value === 'object' ? JSON.stringify(value) : typeof value}`;
  if (value.length !== count) return `expected ${count} name${count === 1 ? '' : 's'}, got ${value.length}`;
  const bad = value.findIndex((name) => typeof name !== 'string');
  return bad < 0 ? undefined : `name ${bad} is not a string (${JSON.stringify(value[bad])})`;
}

/** Checks names given to `encodeModel` (a programming error: RangeError naming the option). */
export function checkColumnOption(option: 'columns' | 'contextColumns', value: readonly string[], count: number): string[] {
  const problem = columnNamesProblem(value, count);
  if (problem !== undefined) throw new RangeError(`saveModel: ${option}: ${problem} (the flow has ${count})`);
  return [...value];
}

/** Reads names from a model file's metadata entry (a `DataError` naming the file and the entry). */
export function readColumnEntry(what: string, value: unknown, count: number, file: string): string[] {
  const problem = columnNamesProblem(value, count);
  if (problem !== undefined) throw new DataError(`the '${what}' metadata does not name the flow's ${count} columns: ${problem}`, { file });
  return [...(value as string[])];
}
