/**
 * Reads a training file for `maflow train`: the data columns (`--columns`, default: every column that is not a
 * context column) and the context columns (`--context-columns`), by header name or 0-based index. Any table the
 * streaming commands read will do (CSV/TSV, gzip too, `.npy`, JSON lines, Parquet, Arrow IPC, `-` for standard
 * input). A CSV is parsed on the calling thread: `train` starts its training worker on the other core meanwhile, and
 * a parse worker beside it made a 30,000 × 43 CSV slower to read (490 against 370–490 ms, AMD EPYC, 2 cores, loaded).
 */
import type { Matrix } from '../core/matrix.ts';
import { DataError } from '../io/data-error.ts';
import { resolveColumns } from '../io/resolve-columns.ts';
import { STDIO_PATH } from '../io/table-format.ts';
import { openTable, type OpenTableOptions, type RowChunk } from '../io/table-reader.ts';
import type { CliIo } from './cli-io.ts';
import { concatRows, modelColumnIndices, pick, type ColumnLayout, type ModelData } from './read-model-data.ts';

/** Options of `readTrainingData`. */
export interface TrainingDataOptions {
  /** Data column selectors, comma-separated (`"x1,x2"` or `"0,1"`). @default all non-context columns */
  columns?: string;
  /** Context column selectors, comma-separated. @default none */
  contextColumns?: string;
}

/** The training matrices (float64) and the names of their columns. */
export interface TrainingData {
  x: Matrix;
  /** `[n, C]` when there are context columns. */
  context?: Matrix;
  columns: string[];
  contextColumns: string[];
}

/**
 * Reads `path` as described above (`-`: `io`'s standard input).
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { readTrainingData } from './read-training-data.ts';
 * writeFileSync('train.csv', 'x1,y,x2\n1,0,2\n3,1,4\n');
 * const { x, context, columns } = await readTrainingData('train.csv', { contextColumns: 'y' });
 * console.log(columns, x.data, context?.data); // → [ 'x1', 'x2' ] Float64Array(4) [ 1, 2, 3, 4 ] Float64Array(2) [ 0, 1 ]
 */
export async function readTrainingData(path: string, options: TrainingDataOptions, io?: Pick<CliIo, 'stdin'>): Promise<TrainingData> {
  const table = await openTable(path, tableOptions(path, io));
  const split = (text: string | undefined): string[] => (text === undefined ? [] : text.split(',').map((s) => s.trim()));
  const contextSelectors = split(options.contextColumns);
  const contextIndices = contextSelectors.length === 0 ? [] : resolveColumns(contextSelectors, table.columns, table.file);
  const dataIndices = options.columns !== undefined ? resolveColumns(split(options.columns), table.columns, table.file)
    : table.columns.map((_, i) => i).filter((i) => !contextIndices.includes(i));
  if (dataIndices.length === 0) throw new DataError('no data columns are left to model (every column is a context column)', { file: table.file });
  const order = [...dataIndices, ...contextIndices];
  const rows = options.columns !== undefined ? await collectRows(table.chunks(order)) : await withColumnsHint(collectRows(table.chunks(order)));
  return divide(rows, order.map((i) => table.columns[i]), dataIndices.length);
}

/**
 * Reads the columns of `layout` from a validation file (any table format, by the column rules of `readModelData`).
 */
export async function readValidationData(path: string, layout: ColumnLayout, io?: Pick<CliIo, 'stdin'>): Promise<ModelData> {
  const table = await openTable(path, tableOptions(path, io));
  const all = await collectRows(table.chunks(modelColumnIndices(table.columns, [...layout.columns, ...layout.contextColumns], table.file)));
  const d = layout.columns.length;
  return layout.contextColumns.length === 0 ? { x: all, context: undefined } : { x: pick(all, 0, d), context: pick(all, d, all.cols) };
}

/** `openTable`'s options for `path`: parsed on this thread; `-` reads `io`'s standard input. */
function tableOptions(path: string, io: Pick<CliIo, 'stdin'> | undefined): OpenTableOptions {
  return { parseThreads: 0, ...(path === STDIO_PATH && io?.stdin !== undefined ? { stdin: io.stdin } : {}) };
}

/** Every chunk's rows in one float64 matrix. */
async function collectRows(chunks: AsyncGenerator<RowChunk, void, undefined>): Promise<Matrix> {
  const parts: Matrix[] = [];
  for await (const { rows } of chunks) parts.push(rows);
  return concatRows(parts);
}

/** A non-numeric cell, when every column was read, gets a hint that label columns can be left out with `--columns`. */
async function withColumnsHint(read: Promise<Matrix>): Promise<Matrix> {
  try {
    return await read;
  } catch (error) {
    if (!(error instanceof DataError) || error.column === undefined || error.code !== 'not-a-number') throw error;
    throw new DataError(`${error.detail}; to leave out non-numeric columns, select the data columns with --columns`, {
      file: error.file, column: error.column, code: 'not-a-number',
      ...(error.row === undefined ? {} : { row: error.row }),
      ...(error.columnName === undefined ? {} : { columnName: error.columnName }),
    });
  }
}

function divide(m: Matrix, names: string[], dataCount: number): TrainingData {
  const contextCount = m.cols - dataCount;
  return {
    x: contextCount === 0 ? m : pick(m, 0, dataCount),
    ...(contextCount === 0 ? {} : { context: pick(m, dataCount, m.cols) }),
    columns: names.slice(0, dataCount),
    contextColumns: names.slice(dataCount),
  };
}
