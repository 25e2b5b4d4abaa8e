/**
 * A regular grid over a 2-D view box, in image order, for drawing a density as a heatmap: cell (i, j) is column i
 * from the left and row j from the **top**, so the grid's values map straight onto `ImageData` pixels.
 * Cell centres: `x_i = x0 + (i + ½)·(x1 − x0)/width`, `y_j = y1 − (j + ½)·(y1 − y0)/height`.
 *
 * @example
 * const grid = gridPoints({ x: [-2, 2], y: [-2, 2] }, 100, 100); // Matrix [10000, 2], row j·100 + i
 * const logDensity = evaluateGrid(grid, (m) => flow.logProb(m), 2500); // Float64Array [10000]
 */
import type { Matrix } from '../../src/index.ts';

/** The part of the plane a panel shows: `[lo, hi]` along each axis. */
export interface ViewBox {
  x: readonly [number, number];
  y: readonly [number, number];
}

/** The `width·height` cell centres `[width·height, 2]` (float64), row-major from the top-left cell. */
export function gridPoints(view: ViewBox, width: number, height: number): Matrix {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new RangeError(`gridPoints: expected positive integer width and height, got ${width} × ${height}`);
  }
  const [x0, x1] = view.x;
  const [y0, y1] = view.y;
  const data = new Float64Array(2 * width * height);
  for (let j = 0; j < height; j++) {
    const y = y1 - ((j + 0.5) * (y1 - y0)) / height;
    for (let i = 0; i < width; i++) {
      const k = 2 * (j * width + i);
      data[k] = x0 + ((i + 0.5) * (x1 - x0)) / width;
      data[k + 1] = y;
    }
  }
  return { rows: width * height, cols: 2, data };
}

/**
 * `logDensity(points)` evaluated in chunks of `chunkRows` rows (bounded working memory), concatenated into one
 * `Float64Array [points.rows]`.
 */
export function evaluateGrid(points: Matrix, logDensity: (rows: Matrix) => Float64Array, chunkRows = 4096): Float64Array {
  if (!(Number.isInteger(chunkRows) && chunkRows > 0)) throw new RangeError(`evaluateGrid: chunkRows must be a positive integer, got ${chunkRows}`);
  const out = new Float64Array(points.rows);
  for (let start = 0; start < points.rows; start += chunkRows) {
    const end = Math.min(points.rows, start + chunkRows);
    const chunk: Matrix = { rows: end - start, cols: points.cols, data: points.data.subarray(start * points.cols, end * points.cols) };
    const values = logDensity(chunk);
    if (values.length !== chunk.rows) {
      throw new RangeError(`evaluateGrid: expected ${chunk.rows} log-densities from logDensity, got ${values.length}`);
    }
    out.set(values, start);
  }
  return out;
}
