/**
 * maflow's distributions as ONNX subgraphs: the log-density of `x [n, D]` and a draw from given noise (standard
 * normals `noise [n, D]`, and for mixtures the uniforms `uniform [n, U]` that choose components, used exactly as
 * maflow's sampler uses its generator's draws). One table maps each distribution class to its translation.
 */
import type { Distribution } from '../../distributions/distribution.ts';
import { HALF_LOG_2PI } from '../../distributions/distribution.ts';
import { ConditionalNormal } from '../../distributions/conditional-normal.ts';
import { DiagNormal } from '../../distributions/diag-normal.ts';
import type { MlpEncoder } from '../../nn/mlp-encoder.ts';
import { MadeMog } from '../../distributions/made-mog.ts';
import { MixtureOfGaussians } from '../../distributions/mixture-of-gaussians.ts';
import { StandardNormal } from '../../distributions/standard-normal.ts';
import { TransformedDistribution } from '../../distributions/transformed-distribution.ts';
import { addLogDet, bijectorPass, standardize, type LogDet } from './onnx-bijectors.ts';
import type { OnnxGraph, Value } from './onnx-graph.ts';
import { madeParallel, madeSequential } from './onnx-made.ts';
import { columnsAt, denseLayer, logSumExp, sliceAxis, softClip, sumAxis, type ParamGroup } from './onnx-ops.ts';
import { UnsupportedOnnxError } from './unsupported-onnx-error.ts';

/** The noise a sampling graph draws from: standard normals `[n, D]` and, for mixtures, uniforms in [0, 1) `[n, U]`. */
export interface OnnxNoise {
  noise: Value;
  uniform: Value | null;
}

/** The distributions the export translates. */
export const ONNX_DISTRIBUTIONS = ['TransformedDistribution', 'StandardNormal', 'DiagNormal', 'ConditionalNormal', 'MixtureOfGaussians', 'MadeMog'];

/** How many uniform columns a draw of `dist` needs: D for a MADE MoG, 1 for a mixture of Gaussians, else 0. */
export function uniformColumns(dist: Distribution): number {
  if (dist instanceof TransformedDistribution) return uniformColumns(dist.base);
  if (dist instanceof MadeMog) return dist.features;
  if (dist instanceof MixtureOfGaussians) return 1;
  return 0;
}

/** `log p(x | context)` `[n]` (a value plus a constant). */
export function logProbPass(g: OnnxGraph, dist: Distribution, x: Value, context: Value | null): LogDet {
  if (dist instanceof TransformedDistribution) {
    const ctx = premap(g, dist, context);
    const z = bijectorPass(g, dist.bijector, 'inverse', x, ctx);
    return addLogDet(g, logProbPass(g, dist.base, z.output, ctx), z.logDet);
  }
  if (dist instanceof StandardNormal) return normalLogProb(g, x, dist.features, 0);
  if (dist instanceof DiagNormal) return diagNormal(g, dist, x);
  if (dist instanceof ConditionalNormal) {
    const { mean, logStd } = conditionalNormalParams(g, dist, context);
    const z = g.op('Mul', [g.op('Sub', [g.toCompute(x), mean]), g.op('Exp', [g.op('Neg', [logStd])])]);
    const normal = normalLogProb(g, z, dist.features, 0);
    return { value: g.op('Sub', [normal.value!, sumAxis(g, logStd)]), constant: normal.constant };
  }
  if (dist instanceof MixtureOfGaussians) return { value: mixtureLogProb(g, dist, x), constant: 0 };
  if (dist instanceof MadeMog) {
    const params = madeParallel(g, dist.made, x, dist.contextFeatures > 0 ? context : null, mixtureGroups(dist.components));
    return { value: sumAxis(g, madeMogConditional(g, dist, x, params)), constant: 0 };
  }
  throw unsupported(dist);
}

/** A draw `[n, D]` from the noise, with its log-density. */
export function samplePass(g: OnnxGraph, dist: Distribution, noise: OnnxNoise, context: Value | null): { samples: Value; logProb: LogDet } {
  if (dist instanceof TransformedDistribution) {
    const ctx = premap(g, dist, context);
    const base = samplePass(g, dist.base, noise, ctx);
    const x = bijectorPass(g, dist.bijector, 'forward', base.samples, ctx);
    const minus = { value: x.logDet.value === null ? null : g.op('Neg', [x.logDet.value]), constant: -x.logDet.constant };
    return { samples: x.output, logProb: addLogDet(g, base.logProb, minus) };
  }
  if (dist instanceof StandardNormal) return { samples: noise.noise, logProb: normalLogProb(g, noise.noise, dist.features, 0) };
  if (dist instanceof DiagNormal) {
    const D = dist.features;
    const scale = g.constant(Array.from(dist.logScale.value, Math.exp), [D], 'scale');
    const samples = g.toStorage(g.op('Add', [g.op('Mul', [g.toCompute(noise.noise), scale]), g.constant(dist.loc.value, [D], 'loc')]));
    return { samples, logProb: diagNormal(g, dist, samples) };
  }
  if (dist instanceof ConditionalNormal) {
    const { mean, logStd } = conditionalNormalParams(g, dist, context);
    const samples = g.toStorage(g.op('Add', [mean, g.op('Mul', [g.op('Exp', [logStd]), g.toCompute(noise.noise)])], {}, 'samples'));
    return { samples, logProb: logProbPass(g, dist, samples, context) };
  }
  if (dist instanceof MixtureOfGaussians) return mixtureSample(g, dist, noise);
  if (dist instanceof MadeMog) return madeMogSample(g, dist, noise, dist.contextFeatures > 0 ? context : null);
  throw unsupported(dist);
}

function unsupported(dist: Distribution): UnsupportedOnnxError {
  return new UnsupportedOnnxError(`the distribution ${dist.constructor.name} (the export knows ${ONNX_DISTRIBUTIONS.join(', ')})`);
}

/** `μ(c)` and `log σ(c)` `[n, D]` each (compute type) from a `ConditionalNormal`'s network. */
function conditionalNormalParams(g: OnnxGraph, dist: ConditionalNormal, context: Value | null): { mean: Value; logStd: Value } {
  if (context === null) throw new Error('exportOnnx: a conditional normal base needs the context');
  const params = g.toCompute(mlp(g, dist.network, context));
  const D = dist.features;
  return { mean: sliceAxis(g, params, 1, 0, D), logStd: sliceAxis(g, params, 1, D, 2 * D) };
}

/** An `MlpEncoder`'s dense layers on `c [n, inputFeatures]` (float32). */
function mlp(g: OnnxGraph, encoder: MlpEncoder, c: Value): Value {
  const last = encoder.layers.length - 1;
  let h = c;
  encoder.layers.forEach((layer, l) => { h = denseLayer(g, layer, h, null, l === last ? encoder.outputActivation : encoder.activation); });
  return h;
}

/** The context through the flow's pre-map `(c − mean) / std` and its context encoder (an MLP), when it has them. */
function premap(g: OnnxGraph, dist: TransformedDistribution, context: Value | null): Value | null {
  if (context === null) return null;
  const pre = dist.contextStandardize;
  let c = pre === undefined ? context : standardize(g, pre.mean, pre.std, 'inverse', context).output;
  return dist.contextEncoder === undefined ? c : mlp(g, dist.contextEncoder, c);
}

/** `−½ Σ_d z_d² − (D/2) log 2π + constant`. */
function normalLogProb(g: OnnxGraph, z: Value, D: number, constant: number): LogDet {
  const zc = g.toCompute(z);
  return { value: g.op('Mul', [sumAxis(g, g.op('Mul', [zc, zc])), g.scalar(-0.5)]), constant: constant - D * HALF_LOG_2PI };
}

function diagNormal(g: OnnxGraph, dist: DiagNormal, x: Value): LogDet {
  const D = dist.features;
  const inverse = g.constant(Array.from(dist.logScale.value, (s) => Math.exp(-s)), [D], 'inverse_scale');
  const z = g.op('Mul', [g.op('Sub', [g.toCompute(x), g.constant(dist.loc.value, [D], 'loc')]), inverse]);
  let logScales = 0;
  for (let d = 0; d < D; d++) logScales += dist.logScale.value[d];
  return normalLogProb(g, z, D, -logScales);
}

/** `log Σ_k π_k N(x; μ_k, σ_k²)` `[n]`, the components' constants computed in float64. */
function mixtureLogProb(g: OnnxGraph, dist: MixtureOfGaussians, x: Value): Value {
  const K = dist.components;
  const D = dist.features;
  const logWeights = mixtureLogWeights(dist);
  const constants = logWeights.map((w, k) => {
    let c = w - D * HALF_LOG_2PI;
    for (let d = 0; d < D; d++) c -= dist.logScales.value[k * D + d];
    return c;
  });
  const inverse = g.constant(Array.from(dist.logScales.value, (s) => Math.exp(-s)), [K, D], 'inverse_scales');
  const z = g.op('Mul', [g.op('Sub', [g.op('Unsqueeze', [g.toCompute(x), g.ints([1])]), g.constant(dist.means.value, [K, D], 'means')]), inverse]);
  const a = g.op('Add', [g.op('Mul', [sumAxis(g, g.op('Mul', [z, z]), 2), g.scalar(-0.5)]), g.constant(constants, [K], 'component_constants')]);
  return g.op('Squeeze', [logSumExp(g, a, 1), g.ints([1])]);
}

function mixtureLogWeights(dist: MixtureOfGaussians): number[] {
  const logits = Array.from(dist.logits.value);
  const max = Math.max(...logits);
  const lse = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
  return logits.map((l) => l - lse);
}

/** The component `k [n]` chosen by `uniform [n, 1]` (inverse CDF, as maflow's `pickComponent`), then `μ_k + σ_k · noise`. */
function mixtureSample(g: OnnxGraph, dist: MixtureOfGaussians, noise: OnnxNoise): { samples: Value; logProb: LogDet } {
  const K = dist.components;
  const D = dist.features;
  const weights = mixtureLogWeights(dist).map(Math.exp);
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 0; k < K - 1; k++) cumulative.push(total += weights[k]);
  const k = countAtMost(g, g.constant(cumulative, [K - 1], 'cumulative_weights'), g.toCompute(requireUniform(noise)), 1, 0);
  const means = g.op('Gather', [g.constant(dist.means.value, [K, D], 'means'), k], { axis: 0 });
  const scales = g.op('Gather', [g.constant(Array.from(dist.logScales.value, Math.exp), [K, D], 'scales'), k], { axis: 0 });
  const samples = g.toStorage(g.op('Add', [means, g.op('Mul', [scales, g.toCompute(noise.noise)])], {}, 'samples'));
  return { samples, logProb: { value: mixtureLogProb(g, dist, samples), constant: 0 } };
}

/** The number of `cumulative` entries `≤ u`, summed over `axis` (int64; `keepdims`). */
function countAtMost(g: OnnxGraph, cumulative: Value, u: Value, axis: number, keepdims: number): Value {
  const below = g.op('Cast', [g.op('LessOrEqual', [cumulative, u])], { to: 7 });
  return g.op('ReduceSum', [below, g.ints([axis])], { keepdims }, 'component');
}

function requireUniform(noise: OnnxNoise): Value {
  if (noise.uniform === null) throw new Error('exportOnnx: a mixture base needs the uniform input');
  return noise.uniform;
}

/** A MADE MoG's parameters per feature: logits, means and raw log-scales, k each. */
function mixtureGroups(k: number): ParamGroup[] {
  return [{ size: k, vector: true }, { size: k, vector: true }, { size: k, vector: true }];
}

/** `log Σ_j π_j N(x_f; μ_j, σ_j²)` per feature `[n, F]` from the groups `[n, F, k]`. */
function madeMogConditional(g: OnnxGraph, dist: MadeMog, x: Value, params: readonly Value[]): Value {
  const [logits, means, raw] = params.map((p) => g.toCompute(p));
  const s = softClip(g, raw, dist.logScaleBound);
  const z = g.op('Mul', [g.op('Sub', [g.op('Unsqueeze', [g.toCompute(x), g.ints([2])]), means]), g.op('Exp', [g.op('Neg', [s])])]);
  const logWeights = g.op('LogSoftmax', [logits], { axis: -1 });
  const a = g.op('Sub', [g.op('Sub', [logWeights, g.op('Mul', [g.op('Mul', [z, z]), g.scalar(0.5)])]), g.op('Add', [s, g.scalar(HALF_LOG_2PI)])]);
  return g.op('Squeeze', [logSumExp(g, a, 2), g.ints([2])], {}, 'conditional');
}

/** The staircase sequential pass: at step d, feature d's component (from `uniform[:, d]`) and value (from `noise[:, d]`). */
function madeMogSample(g: OnnxGraph, dist: MadeMog, noise: OnnxNoise, context: Value | null): { samples: Value; logProb: LogDet } {
  const k = dist.components;
  const uniform = requireUniform(noise);
  const { x: samples, sum: logProb } = madeSequential(g, dist.made, context, mixtureGroups(k), noise.noise, (b, at, params) => {
    const [logits, means, raw] = params.map((p) => b.toCompute(p));
    const cumulative = sliceAxis(b, b.op('CumSum', [b.op('Softmax', [logits], { axis: -1 }), b.ints([2], [])]), 2, 0, k - 1);
    const u = b.toCompute(b.op('Unsqueeze', [columnsAt(b, uniform, at), b.ints([2])]));
    const j = countAtMost(b, cumulative, u, 2, 1);
    const pick = (v: Value) => b.op('Squeeze', [b.op('GatherElements', [v, j], { axis: 2 }), b.ints([2])]);
    const scale = b.op('Exp', [softClip(b, pick(raw), dist.logScaleBound)]);
    const xd = b.toStorage(b.op('Add', [pick(means), b.op('Mul', [scale, b.toCompute(columnsAt(b, noise.noise, at))])], {}, 'x'));
    return { value: xd, term: sumAxis(b, madeMogConditional(b, dist, xd, params)) };
  });
  return { samples, logProb: { value: logProb, constant: 0 } };
}
