/**
 * Moving between the user's units and the flow's: data and context are standardized on the way in, samples are
 * un-standardized on the way out, and log-densities get the standardizer's log-Jacobian so that they are densities
 * of the original data: `log p(x) = log p̃((x − m)/s) − Σ_d log s_d`.
 */
import { rowSlice, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { broadcastRows } from '../distributions/distribution.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import { StandardNormal } from '../distributions/standard-normal.ts';
import type { CliModel } from './cli-model.ts';
import { UsageError } from './usage-error.ts';

/** Rows evaluated per call, bounding working memory on large files. */
const CHUNK_ROWS = 8192;

/**
 * `log p(x | context)` per row in the data's original units; `x [n, D]`, `context [n, C]` (or undefined).
 *
 * @example
 * import { Rng, Standardizer, createMaf, matrix } from 'maflow';
 * import type { CliModel } from './cli-model.ts';
 * import { logDensities } from './model-space.ts';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const x = matrix([[1, 10], [3, 30]]);
 * const columns = ['x1', 'x2'];
 * const model: CliModel = { flow, standardizer: Standardizer.fit(x), contextStandardizer: null, columns, contextColumns: [], info: { columns, contextColumns: [] } };
 * const lp = logDensities(model, x, undefined);   // Float64Array [n], a density of x in its own units
 * console.log(lp[0] - flow.logProb(model.standardizer!.transform(x))[0]); // → −2.302… = −Σ log std (std = [1, 10])
 */
export function logDensities(model: CliModel, x: Matrix, context: Matrix | undefined): Float64Array {
  const out = new Float64Array(x.rows);
  const shift = model.standardizer === null ? 0 : model.standardizer.logAbsDetJacobian();
  for (let start = 0; start < x.rows; start += CHUNK_ROWS) {
    const end = Math.min(x.rows, start + CHUNK_ROWS);
    const inputs = standardized(model, rowSlice(x, start, end), context === undefined ? undefined : rowSlice(context, start, end));
    const lp = model.flow.logProb(inputs.x, inputs.context === undefined ? {} : { context: inputs.context });
    for (let r = 0; r < lp.length; r++) out[start + r] = lp[r] + shift;
  }
  return out;
}

/**
 * `n` samples `[n, D]` in original units; `context` is `[1, C]` (broadcast) or `[n, C]`, required for conditional models.
 *
 * @example
 * import { Rng, Standardizer, createMaf, matrix } from 'maflow';
 * import type { CliModel } from './cli-model.ts';
 * import { sampleOriginal } from './model-space.ts';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const columns = ['x1', 'x2'];
 * const model: CliModel = { flow, standardizer: Standardizer.fit(matrix([[1, 10], [3, 30]])), contextStandardizer: null, columns, contextColumns: [], info: { columns, contextColumns: [] } };
 * const samples = sampleOriginal(model, 1000, undefined, new Rng(1));   // [1000, 2] in the data's units
 * console.log(Standardizer.fit(samples).mean); // ≈ [2, 20], the data's mean (the flow is untrained)
 */
export function sampleOriginal(model: CliModel, n: number, context: Matrix | undefined, rng: Rng): Matrix {
  const c = context === undefined ? undefined : model.contextStandardizer === null ? context : model.contextStandardizer.transform(context);
  const z = model.flow.sample(n, { rng, ...(c === undefined ? {} : { context: broadcastRows(c, n) }) });
  return model.standardizer === null ? z : model.standardizer.inverseTransform(z);
}

/**
 * The data mapped to the flow's base space, `u = f⁻¹((x − m)/s)` `[n, D]`: N(0, 1) in every dimension when the flow
 * fits (the MAF paper's diagnostic). Only flows with a standard-normal base have such a space.
 */
export function toBaseSpace(model: CliModel, x: Matrix, context: Matrix | undefined): Matrix {
  const flow = model.flow;
  if (!(flow instanceof TransformedDistribution) || !(flow.base instanceof StandardNormal)) {
    throw new UsageError(`this model (${flow.config().type}${flow instanceof TransformedDistribution ? ` with a ${flow.base.config().type} base` : ''}) ` +
      'has no standard-normal base space to diagnose; diagnose works for maf, iaf, realnvp and made flows');
  }
  const inputs = standardized(model, x, context);
  return flow.bijector.inverse(inputs.x, inputs.context === undefined ? {} : { context: inputs.context });
}

function standardized(model: CliModel, x: Matrix, context: Matrix | undefined): { x: Matrix; context: Matrix | undefined } {
  return {
    x: model.standardizer === null ? x : model.standardizer.transform(x),
    context: context === undefined || model.contextStandardizer === null ? context : model.contextStandardizer.transform(context),
  };
}
