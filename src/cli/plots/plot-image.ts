/**
 * Plain-data types shared by the PNG plots. The plots know nothing about flows: the CLI computes the numbers and
 * passes them in as arrays.
 */

/**
 * A row-major `[rows, cols]` table of numbers (`data[r * cols + c]`). Structurally compatible with the core `Matrix`,
 * but any array-like will do.
 */
export interface PlotMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: ArrayLike<number>;
}

/** A rendered plot: the PNG bytes, its pixel size, and the SVG it was rasterised from. */
export interface PlotImage {
  /** PNG file bytes. */
  readonly png: Uint8Array;
  /** Width of the PNG in pixels. */
  readonly width: number;
  /** Height of the PNG in pixels. */
  readonly height: number;
  /** The SVG source (one `<g class="maflow-panel">` per panel), kept for inspection and tests. */
  readonly svg: string;
}

/** Throws unless `m` is a well-formed matrix with `expectedCols` columns (when given). */
export function checkPlotMatrix(where: string, name: string, m: PlotMatrix, expectedCols?: number): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 0) {
    throw new Error(`${where}: ${name} has an invalid shape [${m.rows}, ${m.cols}]`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new Error(`${where}: ${name} is [${m.rows}, ${m.cols}] but holds ${m.data.length} values`);
  }
  if (expectedCols !== undefined && m.cols !== expectedCols) {
    throw new Error(`${where}: expected ${name} [n, ${expectedCols}], got [${m.rows}, ${m.cols}]`);
  }
}

/** Column `c` of `m` as a fresh array. */
export function column(m: PlotMatrix, c: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) out[r] = m.data[r * m.cols + c];
  return out;
}

/**
 * Row indices `0, stride, 2·stride, …` keeping at most `maxPoints` rows, so that huge inputs stay drawable while the
 * choice stays deterministic (no rng needed).
 */
export function thinnedRows(rows: number, maxPoints: number): number[] {
  const stride = Math.max(1, Math.ceil(rows / maxPoints));
  const out: number[] = [];
  for (let r = 0; r < rows; r += stride) out.push(r);
  return out;
}
