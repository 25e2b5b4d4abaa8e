/**
 * Reads a training file for `maflow train`: the data columns (`--columns`, default: every column that is not a
 * context column) and the context columns (`--context-columns`), by header name or 0-based index.
 */
import type { Matrix } from '../core/matrix.ts';
import { DataError } from '../io/data-error.ts';
import { readMatrix } from '../io/read-matrix.ts';
import { resolveColumns } from '../io/resolve-columns.ts';

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
 * Reads `path` as described above.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { readTrainingData } from './read-training-data.ts';
 * writeFileSync('train.csv', 'x1,y,x2\n1,0,2\n3,1,4\n');
 * const { x, context, columns } = readTrainingData('train.csv', { contextColumns: 'y' });
 * console.log(columns, x.data, context?.data); // → [ 'x1', 'x2' ] Float64Array(4) [ 1, 2, 3, 4 ] Float64Array(2) [ 0, 1 ]
 */
export function readTrainingData(path: string, options: TrainingDataOptions): TrainingData {
  const split = (text: string | undefined): string[] => (text === undefined ? [] : text.split(',').map((s) => s.trim()));
  const contextSelectors = split(options.contextColumns);
  if (options.columns !== undefined) {
    const dataSelectors = split(options.columns);
    const { matrix, columns } = readMatrix(path, { columns: [...dataSelectors, ...contextSelectors], dtype: 'float64' });
    return divide(matrix, columns, dataSelectors.length, path);
  }
  const { matrix, columns } = readAllColumns(path);
  const contextIndices = contextSelectors.length === 0 ? [] : resolveColumns(contextSelectors, columns, path);
  const dataIndices = columns.map((_, i) => i).filter((i) => !contextIndices.includes(i));
  const order = [...dataIndices, ...contextIndices];
  const reordered: Matrix = { rows: matrix.rows, cols: order.length, data: new Float64Array(matrix.rows * order.length) };
  for (let r = 0; r < matrix.rows; r++) {
    for (let k = 0; k < order.length; k++) reordered.data[r * order.length + k] = matrix.data[r * matrix.cols + order[k]];
  }
  return divide(reordered, order.map((i) => columns[i]), dataIndices.length, path);
}

/** Reads every column; a non-numeric cell gets a hint that label columns can be left out with `--columns`. */
function readAllColumns(path: string): { matrix: Matrix; columns: string[] } {
  try {
    return readMatrix(path, { dtype: 'float64' });
  } catch (error) {
    if (!(error instanceof DataError) || error.column === undefined || error.code !== 'not-a-number') throw error;
    throw new DataError(`${error.detail}; to leave out non-numeric columns, select the data columns with --columns`, {
      file: error.file, column: error.column, code: 'not-a-number',
      ...(error.row === undefined ? {} : { row: error.row }),
      ...(error.columnName === undefined ? {} : { columnName: error.columnName }),
    });
  }
}

function divide(m: Matrix, names: string[], dataCount: number, path: string): TrainingData {
  if (dataCount === 0) throw new DataError('no data columns are left to model (every column is a context column)', { file: path });
  const take = (from: number, to: number): Matrix => {
    const width = to - from;
    const out: Matrix = { rows: m.rows, cols: width, data: new Float64Array(m.rows * width) };
    for (let r = 0; r < m.rows; r++) out.data.set(m.data.subarray(r * m.cols + from, r * m.cols + to), r * width);
    return out;
  };
  const contextCount = m.cols - dataCount;
  return {
    x: contextCount === 0 ? m : take(0, dataCount),
    ...(contextCount === 0 ? {} : { context: take(dataCount, m.cols) }),
    columns: names.slice(0, dataCount),
    contextColumns: names.slice(dataCount),
  };
}
