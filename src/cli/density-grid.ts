/**
 * A regular 2-D grid of a 2-D model's log-density in the data's original units, for `densityPlot`.
 */
import { Standardize } from '../bijectors/standardize.ts';
import type { Matrix } from '../core/matrix.ts';
import { broadcastRows } from '../distributions/distribution.ts';
import type { CliModel } from './cli-model.ts';
import { logDensities } from './model-space.ts';
import type { DensityGrid } from './plots/index.ts';

/** Options of `densityGrid`. */
export interface DensityGridOptions {
  /** `[lo, hi]` of x1 and of x2. */
  x: readonly [number, number];
  y: readonly [number, number];
  /** Grid points per axis. @default 120 */
  resolution?: number;
  /** One context row `[1, C]` for a conditional model (used at every grid point). */
  context?: Matrix;
}

/**
 * Evaluates `log p` at `resolution²` points, row-major `[ny, nx]` with the first row at the lowest y.
 *
 * @example
 * import { Rng, createMaf } from 'maflow';
 * import type { CliModel } from './cli-model.ts';
 * import { densityGrid } from './density-grid.ts';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const columns = ['x1', 'x2'];
 * const model: CliModel = { flow, columns, contextColumns: [] };
 * const grid = densityGrid(model, { x: [-2, 3], y: [-1.5, 2], resolution: 20 });
 * console.log(grid.xs.length, grid.ys.length, grid.logDensity.length); // → 20 20 400
 */
export function densityGrid(model: CliModel, options: DensityGridOptions): DensityGrid {
  const n = options.resolution ?? 120;
  const axis = ([lo, hi]: readonly [number, number]): Float64Array =>
    Float64Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
  const xs = axis(options.x);
  const ys = axis(options.y);
  const points: Matrix = { rows: n * n, cols: 2, data: new Float64Array(2 * n * n) };
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      points.data[2 * (j * n + i)] = xs[i];
      points.data[2 * (j * n + i) + 1] = ys[j];
    }
  }
  const context = options.context === undefined ? undefined : broadcastRows(options.context, n * n);
  return { xs, ys, logDensity: logDensities(model, points, context) };
}

/**
 * The plotting range of column `c`: the data's range padded by 10 % when there is data, else mean ± 3 std of the
 * model's samples (the training data's, when the model fits; a few far-out samples do not stretch it).
 */
export function plotRange(c: number, data: Matrix | undefined, samples: Matrix): [number, number] {
  if (data === undefined && samples.rows > 0) {
    const { mean, std } = Standardize.fit(samples);
    return [mean[c] - 3 * std[c], mean[c] + 3 * std[c]];
  }
  const source = data ?? samples;
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = 0; r < source.rows; r++) {
    const v = source.data[r * source.cols + c];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return [lo - 1, lo + 1];
  const pad = 0.1 * (hi - lo);
  return [lo - pad, hi + pad];
}
