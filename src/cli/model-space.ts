import { DataError } from '../core/data-error.ts';
import { rowSlice, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import { StandardNormal } from '../distributions/standard-normal.ts';
import type { CliModel } from './cli-model.ts';
import { UsageError } from './usage-error.ts';

/**
 * Rows evaluated per call at most, bounding working memory on large files. A chunk is cut into equal calls: a short
 * remainder would run the GEMMs at a fraction of their speed (3,000-row calls scored about 8 % slower than 8,192-row
 * ones on the miniboone-sized MAF, AMD EPYC Zen 4).
 */
const CHUNK_ROWS = 8192;

/**
 * `log p(x | context)` per row; `x [n, D]`, `context [n, C]` (or undefined). The flow holds its standardization, so
 * this is a density of the data in its own units with no correction here, evaluated a chunk of rows at a time.
 * `firstRow`: the data row of `x`'s first row (a chunk of a streamed file), so that a value error names the row in the
 * whole data.
 *
 * @example
 * import { Rng, Standardize, createMaf, matrix, withStandardization } from 'maflow';
 * import { logDensities } from './model-space.ts';
 * const x = matrix([[1, 10], [3, 30]], undefined, undefined, 'float64');
 * const flow = withStandardization(createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) }), { data: Standardize.fit(x) });
 * const lp = logDensities({ flow, columns: ['x1', 'x2'], contextColumns: [] }, x, undefined);   // Float64Array [n]
 * console.log(lp[0] === flow.logProb(x)[0]); // → true
 */
export function logDensities(model: CliModel, x: Matrix, context: Matrix | undefined, firstRow = 0): Float64Array {
  const out = new Float64Array(x.rows);
  const step = Math.ceil(x.rows / Math.ceil(x.rows / CHUNK_ROWS));
  for (let start = 0; start < x.rows; start += step) {
    const end = Math.min(x.rows, start + step);
    let lp: Float64Array;
    try {
      lp = model.flow.logProb(rowSlice(x, start, end), context === undefined ? {} : { context: rowSlice(context, start, end) });
    } catch (error) {
      throw inWholeData(error, firstRow + start);
    }
    out.set(lp, start);
  }
  return out;
}

/**
 * `n` samples `[n, D]` in the data's units; `context` is `[1, C]` (broadcast) or `[n, C]`, required for conditional
 * models.
 *
 * @example
 * import { Rng, Standardize, createMaf, matrix, withStandardization } from 'maflow';
 * import { sampleOriginal } from './model-space.ts';
 * const data = Standardize.fit(matrix([[1, 10], [3, 30]]));
 * const flow = withStandardization(createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) }), { data });
 * const samples = sampleOriginal({ flow, columns: ['x1', 'x2'], contextColumns: [] }, 1000, undefined, new Rng(1));
 * console.log(Standardize.fit(samples).mean); // ≈ [2, 20], the data's mean (the flow is untrained)
 */
export function sampleOriginal(model: CliModel, n: number, context: Matrix | undefined, rng: Rng): Matrix {
  return model.flow.sample(n, { rng, ...(context === undefined ? {} : { context }) });
}

/**
 * The data mapped to the flow's base space, `u = f⁻¹(x)` `[n, D]` (the flow's `toBase`: its standardization is the
 * first step of f⁻¹): N(0, 1) in every dimension when the flow fits (the MAF paper's diagnostic). Only flows with a
 * standard-normal base have such a space.
 */
export function toBaseSpace(model: CliModel, x: Matrix, context: Matrix | undefined): Matrix {
  const flow = model.flow;
  if (!(flow instanceof TransformedDistribution) || !(flow.base instanceof StandardNormal)) {
    throw new UsageError(`this model (${flow.config().type}${flow instanceof TransformedDistribution ? ` with a ${flow.base.config().type} base` : ''}) ` +
      'has no standard-normal base space to diagnose; diagnose works for maf, iaf, realnvp and made flows');
  }
  return flow.toBase(x, context === undefined ? {} : { context });
}

/** A value error from the chunk of rows that starts at `start`, with its row counted in the whole data instead. */
function inWholeData(error: unknown, start: number): unknown {
  if (!(error instanceof DataError) || error.indexBase !== 0 || error.row === undefined || start === 0) return error;
  return new DataError(error.detail, {
    file: error.file, row: error.row + start, indexBase: 0,
    ...(error.tensor === undefined ? {} : { tensor: error.tensor }),
    ...(error.column === undefined ? {} : { column: error.column }),
    ...(error.code === undefined ? {} : { code: error.code }),
  });
}
