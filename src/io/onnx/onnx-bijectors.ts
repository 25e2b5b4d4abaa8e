/**
 * maflow's bijectors as ONNX subgraphs, in either direction (`forward`: base → data, `inverse`: data → base), each
 * giving its output `[n, D]` and its per-row log-determinant `[n]` (or none: 0). One table maps each bijector class to
 * its translation; a class it does not list is an `UnsupportedOnnxError`.
 */
import { AffineCoupling } from '../../bijectors/affine-coupling.ts';
import { BatchNormalization } from '../../bijectors/batch-normalization.ts';
import type { Bijector, Direction } from '../../bijectors/bijector.ts';
import { ActNorm } from '../../bijectors/act-norm.ts';
import { Chain } from '../../bijectors/chain.ts';
import { ElementwiseBijector } from '../../bijectors/elementwise-bijector.ts';
import { Invert } from '../../bijectors/invert.ts';
import { LuLinear } from '../../bijectors/lu-linear.ts';
import { MaskedAutoregressiveFlow } from '../../bijectors/masked-autoregressive-flow.ts';
import { Permute } from '../../bijectors/permute.ts';
import { Scale } from '../../bijectors/scale.ts';
import { Shift } from '../../bijectors/shift.ts';
import { Standardize } from '../../bijectors/standardize.ts';
import type { OnnxGraph, Value } from './onnx-graph.ts';
import { elementwisePass } from './onnx-elementwise.ts';
import { madeParallel, madeSequential } from './onnx-made.ts';
import { columnsAt, denseLayer, gatherColumns, groupedOutput } from './onnx-ops.ts';
import { onnxTransformer } from './onnx-transformers.ts';
import { UnsupportedOnnxError } from './unsupported-onnx-error.ts';

/**
 * A per-row log-determinant: `value [n]` (`null`: 0) plus `constant`, the part that is the same for every row (batch
 * norm, standardization, scales), kept as a float64 number and added once at the end.
 */
export interface LogDet {
  value: Value | null;
  constant: number;
}

/** A bijector's output with its log-determinant. */
export interface OnnxPass {
  output: Value;
  logDet: LogDet;
}

/** A log-determinant of 0. */
export const NO_LOG_DET: LogDet = { value: null, constant: 0 };

/** The bijectors the export translates, by class name (for messages). */
export const ONNX_BIJECTORS = ['Chain', 'Invert', 'MaskedAutoregressiveFlow', 'AffineCoupling', 'BatchNormalization', 'ActNorm',
  'LuLinear', 'Permute', 'Shift', 'Scale', 'Standardize', 'Bounds', 'Sigmoid', 'Tanh', 'Exp', 'Softplus'];

/** `b` in `direction` on `input [n, D]` with the (pre-mapped) context `[n, C]` or `null`. */
export function bijectorPass(g: OnnxGraph, b: Bijector, direction: Direction, input: Value, context: Value | null): OnnxPass {
  const ctx = b.contextFeatures > 0 ? context : null;
  if (b instanceof Chain) return chain(g, b, direction, input, ctx);
  if (b instanceof Invert) return bijectorPass(g, b.bijector, direction === 'forward' ? 'inverse' : 'forward', input, ctx);
  if (b instanceof MaskedAutoregressiveFlow) return maf(g, b, direction, input, ctx);
  if (b instanceof AffineCoupling) return coupling(g, b, direction, input, ctx);
  if (b instanceof BatchNormalization) return batchNorm(g, b, direction, input);
  if (b instanceof Permute) {
    const index = direction === 'forward' ? b.permutation : inversePermutation(b.permutation);
    return { output: gatherColumns(g, input, index), logDet: NO_LOG_DET };
  }
  if (b instanceof Shift) return { output: g.op(direction === 'forward' ? 'Add' : 'Sub', [input, g.floats(b.shift.value, [b.features])]), logDet: NO_LOG_DET };
  if (b instanceof Scale) return scale(g, b, direction, input);
  if (b instanceof Standardize) return standardize(g, b.mean, b.std, direction, input);
  if (b instanceof ElementwiseBijector) return elementwisePass(g, b, direction, input);
  if (b instanceof LuLinear) return luLinear(g, b, direction, input);
  if (b instanceof ActNorm) return actNorm(g, b, direction, input);
  throw new UnsupportedOnnxError(`the bijector ${b.constructor.name} (the export knows ${ONNX_BIJECTORS.join(', ')})`);
}

/** `a + b`. */
export function addLogDet(g: OnnxGraph, a: LogDet, b: LogDet): LogDet {
  return { value: addValues(g, a.value, b.value), constant: a.constant + b.constant };
}

/** `a + b` for `[n]` values (`null` is 0). */
export function addValues(g: OnnxGraph, a: Value | null, b: Value | null): Value | null {
  if (a === null) return b;
  if (b === null) return a;
  return g.op('Add', [a, b], {}, 'log_det');
}

/**
 * The fixed per-column map `(v − mean) / std` (inverse) or `v · std + mean` (forward), computed in float64 as maflow
 * does (a column with a large mean keeps its digits), with the constant log-determinant `∓Σ log std`.
 */
export function standardize(g: OnnxGraph, mean: Float64Array, std: Float64Array, direction: Direction, input: Value): OnnxPass {
  const D = mean.length;
  const v = g.op('Cast', [input], { to: 11 });
  const m = g.doubles(mean, [D], 'mean');
  const s = g.doubles(std, [D], 'std');
  const mapped = direction === 'inverse' ? g.op('Div', [g.op('Sub', [v, m]), s]) : g.op('Add', [g.op('Mul', [v, s]), m]);
  let logStd = 0;
  for (let d = 0; d < D; d++) logStd += Math.log(std[d]);
  return { output: g.op('Cast', [mapped], { to: 1 }, 'standardized'), logDet: { value: null, constant: direction === 'forward' ? logStd : -logStd } };
}

function chain(g: OnnxGraph, b: Chain, direction: Direction, input: Value, context: Value | null): OnnxPass {
  const members = direction === 'inverse' ? b.bijectors : [...b.bijectors].reverse();
  let output = input;
  let logDet = NO_LOG_DET;
  for (const member of members) {
    const pass = bijectorPass(g, member, direction, output, context);
    output = pass.output;
    logDet = addLogDet(g, logDet, pass.logDet);
  }
  return { output, logDet };
}

/** Inverse: one parallel MADE pass; forward: the staircase sequential pass. */
function maf(g: OnnxGraph, b: MaskedAutoregressiveFlow, direction: Direction, input: Value, context: Value | null): OnnxPass {
  const transformer = onnxTransformer(b.transformer);
  if (direction === 'inverse') {
    const pass = transformer.apply(g, 'inverse', input, madeParallel(g, b.made, input, context, transformer.groups), { start: 0, count: b.features });
    return { output: pass.output, logDet: { value: pass.logDet, constant: 0 } };
  }
  const { x, sum } = madeSequential(g, b.made, context, transformer.groups, input, (s, at, params) => {
    const pass = transformer.apply(s, 'forward', columnsAt(s, input, at), params, at);
    return { value: pass.output, term: pass.logDet };
  });
  return { output: x, logDet: { value: sum, constant: 0 } };
}

/** Kept columns pass through; the others are transformed with parameters from the dense net of the kept ones. */
function coupling(g: OnnxGraph, b: AffineCoupling, direction: Direction, input: Value, context: Value | null): OnnxPass {
  const kept = b.mask.flatMap((k, d) => (k ? [d] : []));
  const transformed = b.mask.flatMap((k, d) => (k ? [] : [d]));
  const transformer = onnxTransformer(b.transformer);
  const keep = gatherColumns(g, input, kept);
  let h = keep;
  for (const layer of b.hidden) h = denseLayer(g, layer, h, context, b.activation);
  const params = groupedOutput(g, b.output, h, context, transformed.length, transformer.groups);
  const pass = transformer.apply(g, direction, gatherColumns(g, input, transformed), params, { start: 0, count: transformed.length });
  const order = [...kept, ...transformed];
  const joined = g.op('Concat', [keep, pass.output], { axis: 1 });
  return { output: gatherColumns(g, joined, inversePermutation(Int32Array.from(order))), logDet: { value: pass.logDet, constant: 0 } };
}

/** Evaluation mode: `u = (x − μ) · a + β` with `a = exp(logγ) / sqrt(v + eps)` (constants computed in float64). */
function batchNorm(g: OnnxGraph, b: BatchNormalization, direction: Direction, input: Value): OnnxPass {
  const D = b.features;
  const a = Array.from({ length: D }, (_, d) => Math.exp(b.logGamma.value[d]) / Math.sqrt(b.runningVariance[d] + b.eps));
  let logDet = 0;
  for (let d = 0; d < D; d++) logDet += b.logGamma.value[d] - 0.5 * Math.log(b.runningVariance[d] + b.eps);
  const mean = g.floats(b.runningMean, [D], 'running_mean');
  const beta = g.floats(b.beta.value, [D], 'beta');
  if (direction === 'inverse') {
    const output = g.op('Add', [g.op('Mul', [g.op('Sub', [input, mean]), g.floats(a, [D], 'bn_scale')]), beta]);
    return { output, logDet: { value: null, constant: logDet } };
  }
  const factor = Array.from({ length: D }, (_, d) => Math.exp(-b.logGamma.value[d]) * Math.sqrt(b.runningVariance[d] + b.eps));
  const output = g.op('Add', [g.op('Mul', [g.op('Sub', [input, beta]), g.floats(factor, [D], 'bn_factor')]), mean]);
  return { output, logDet: { value: null, constant: -logDet } };
}

function scale(g: OnnxGraph, b: Scale, direction: Direction, input: Value): OnnxPass {
  const sign = direction === 'forward' ? 1 : -1;
  const D = b.features;
  const factors = Array.from(b.logScale.value, (s) => Math.exp(sign * s));
  let logDet = 0;
  for (let d = 0; d < D; d++) logDet += sign * b.logScale.value[d];
  return { output: g.op('Mul', [input, g.floats(factors, [D], 'scale')]), logDet: { value: null, constant: logDet } };
}

/** Glow's `x = u · e^s + b` (data → base `(x − b) · e^{−s}`), log-det `±Σ s`. */
function actNorm(g: OnnxGraph, b: ActNorm, direction: Direction, input: Value): OnnxPass {
  const D = b.features;
  const sign = direction === 'forward' ? 1 : -1;
  const factors = g.floats(Array.from(b.logScale.value, (s) => Math.exp(sign * s)), [D], 'act_scale');
  const shift = g.floats(b.shift.value, [D], 'act_shift');
  const output = direction === 'forward' ? g.op('Add', [g.op('Mul', [input, factors]), shift]) : g.op('Mul', [g.op('Sub', [input, shift]), factors]);
  const logDet = Array.from(b.logScale.value).reduce((a, s) => a + s, 0);
  return { output, logDet: { value: null, constant: sign * logDet } };
}

/**
 * `x = W u + b` with `W = P L U` (a Gemm), and back by `W⁻¹`, both matrices computed in float64 at export time;
 * log-det `±Σ s` (the log-diagonal of U).
 */
function luLinear(g: OnnxGraph, b: LuLinear, direction: Direction, input: Value): OnnxPass {
  const D = b.features;
  const w = b.weightMatrix();
  const bias = g.floats(b.bias.value, [D], 'lu_bias');
  const logDet = Array.from(b.logDiagonal.value).reduce((a, s) => a + s, 0);
  if (direction === 'forward') {
    return { output: g.op('Gemm', [input, g.floats(w, [D, D], 'lu_weight'), bias], { transB: 1 }), logDet: { value: null, constant: logDet } };
  }
  const inverse = g.floats(invertMatrix(w, D), [D, D], 'lu_inverse');
  return { output: g.op('Gemm', [g.op('Sub', [input, bias]), inverse], { transB: 1 }), logDet: { value: null, constant: -logDet } };
}

/** `A⁻¹` of an invertible `[D, D]` matrix (Gauss–Jordan with partial pivoting, float64). */
function invertMatrix(a: Float64Array, D: number): Float64Array {
  const m = Float64Array.from(a);
  const inverse = new Float64Array(D * D);
  for (let i = 0; i < D; i++) inverse[i * D + i] = 1;
  for (let c = 0; c < D; c++) {
    let pivot = c;
    for (let r = c + 1; r < D; r++) if (Math.abs(m[r * D + c]) > Math.abs(m[pivot * D + c])) pivot = r;
    for (const t of [m, inverse]) {
      for (let j = 0; j < D; j++) [t[c * D + j], t[pivot * D + j]] = [t[pivot * D + j], t[c * D + j]];
    }
    const p = m[c * D + c];
    for (let j = 0; j < D; j++) {
      m[c * D + j] /= p;
      inverse[c * D + j] /= p;
    }
    for (let r = 0; r < D; r++) {
      if (r === c) continue;
      const f = m[r * D + c];
      if (f === 0) continue;
      for (let j = 0; j < D; j++) {
        m[r * D + j] -= f * m[c * D + j];
        inverse[r * D + j] -= f * inverse[c * D + j];
      }
    }
  }
  return inverse;
}

function inversePermutation(p: Int32Array): Int32Array {
  const inverse = new Int32Array(p.length);
  p.forEach((src, dst) => { inverse[src] = dst; });
  return inverse;
}
