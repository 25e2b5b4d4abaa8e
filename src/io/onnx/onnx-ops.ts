/**
 * Small building blocks of the exported graphs, over `OnnxGraph`: dense layers from maflow's `MaskedLinear` (masked
 * entries are stored as zeros, so the masked layer is a dense Gemm), activations, column gathers and slices, row sums.
 * Shapes are batch-first `[n, …]` with a dynamic `n`.
 */
import type { Activation } from '../../kernels/kernels.ts';
import type { MaskedLinear } from '../../nn/masked-linear.ts';
import type { OnnxGraph, Value } from './onnx-graph.ts';

/** A group of consecutive parameters per feature (a transformer's or a mixture's): `size` values, `[n, F]` when `vector` is false, else `[n, F, size]`. */
export interface ParamGroup {
  size: number;
  vector: boolean;
}

/** `act(v)` for maflow's activations (ELU with α = 1, as maflow's). */
export function activate(g: OnnxGraph, v: Value, activation: Activation): Value {
  switch (activation) {
    case 'relu': return g.op('Relu', [v]);
    case 'tanh': return g.op('Tanh', [v]);
    case 'elu': return g.op('Elu', [v], { alpha: { float: 1 } });
    case 'sigmoid': return g.op('Sigmoid', [v]);
    case 'softplus': return g.op('Softplus', [v]);
    case 'identity': return v;
    default: throw new Error(`exportOnnx: unknown activation '${activation as string}'`);
  }
}

/**
 * The rows `rows` of a layer (output units, in that order) restricted to its first `inputs` input columns:
 * `{ weight [rows.length, inputs], bias [rows.length], contextWeight [rows.length, C] | null }` (masked entries zero).
 */
export function layerRows(layer: MaskedLinear, rows: readonly number[], inputs = layer.inDim) {
  const C = layer.contextFeatures;
  const weight = new Float32Array(rows.length * inputs);
  const bias = new Float32Array(rows.length);
  const contextWeight = layer.contextWeight === null ? null : new Float32Array(rows.length * C);
  rows.forEach((j, r) => {
    const prefix = layer.prefix === null ? layer.inDim : layer.prefix[j];
    for (let i = 0; i < Math.min(prefix, inputs); i++) weight[r * inputs + i] = layer.weight.value[j * layer.inDim + i];
    bias[r] = layer.bias.value[j];
    if (contextWeight !== null) contextWeight.set(layer.contextWeight!.value.subarray(j * C, (j + 1) * C), r * C);
  });
  return { weight, bias, contextWeight };
}

/**
 * The part of a layer that does not depend on its input, for the output units `rows`: `W_c · c + b` `[n, rows]`
 * with a context, else the bias `[rows]` (broadcast by the Gemm that follows).
 */
export function constantPart(g: OnnxGraph, layer: MaskedLinear, rows: readonly number[], context: Value | null): Value {
  const { bias, contextWeight } = layerRows(layer, rows, 0);
  const b = g.floats(bias, [rows.length], 'bias');
  if (contextWeight === null || context === null) return b;
  const wc = g.floats(contextWeight, [rows.length, layer.contextFeatures], 'contextWeight');
  return g.op('Gemm', [context, wc, b], { transB: 1 }, 'context_term');
}

/**
 * `act(x · Wᵀ + W_c · c + b)` over all the layer's inputs, for the output units `rows` (default: all, in order). A
 * masked layer is one dense Gemm over its masked weights, or, with the graph's `staircaseBlocks` > 1, that many Gemms
 * over consecutive groups of units, each reading only the prefix of inputs its units may read (the zero blocks of the
 * staircase skipped, at the cost of a slice per group and a concatenation).
 */
export function denseLayer(g: OnnxGraph, layer: MaskedLinear, x: Value, context: Value | null, activation: Activation,
  rows: readonly number[] = range(0, layer.outDim)): Value {
  const blocks = layer.prefix === null ? 1 : Math.min(g.staircaseBlocks, rows.length);
  const parts: Value[] = [];
  for (let b = 0; b < blocks; b++) {
    const group = rows.slice(Math.floor((b * rows.length) / blocks), Math.floor(((b + 1) * rows.length) / blocks));
    const prefix = blocks === 1 ? layer.inDim : Math.max(...group.map((j) => layer.prefix![j]));
    const constant = constantPart(g, layer, group, context);
    if (prefix === 0) {
      parts.push(context === null ? repeatRows(g, constant, group.length, batchSize(g, x)) : constant);
      continue;
    }
    const input = prefix === layer.inDim ? x : sliceAxis(g, x, 1, 0, prefix);
    const w = g.floats(layerRows(layer, group, prefix).weight, [group.length, prefix], 'weight');
    parts.push(g.op('Gemm', [input, w, constant], { transB: 1 }, 'gemm'));
  }
  const y = parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: 1 }, 'blocks');
  return activate(g, y, activation);
}

/**
 * The parameters of an output layer with `P = Σ sizes` parameters per feature for `F` features (columns `f·P + p`),
 * split into the groups: group k is `[n, F]` (size 1, not vector) or `[n, F, size]`. The rows are reordered at export
 * time so that each group is one contiguous block of the Gemm's output, so splitting costs nothing.
 */
export function groupedOutput(g: OnnxGraph, layer: MaskedLinear, h: Value, context: Value | null, features: number,
  groups: readonly ParamGroup[]): Value[] {
  const P = groups.reduce((a, k) => a + k.size, 0);
  if (layer.outDim !== P * features) throw new Error(`exportOnnx: an output layer of ${layer.outDim} units for ${features} × ${P} parameters`);
  const rows: number[] = [];
  let offset = 0;
  for (const group of groups) {
    for (let f = 0; f < features; f++) for (let i = 0; i < group.size; i++) rows.push(f * P + offset + i);
    offset += group.size;
  }
  const out = denseLayer(g, layer, h, context, 'identity', rows);
  return splitGroups(g, out, features, groups);
}

/** `[n, F·Σ sizes]` (group-major) → one value per group, `[n, F]` or `[n, F, size]`. */
export function splitGroups(g: OnnxGraph, out: Value, features: number, groups: readonly ParamGroup[]): Value[] {
  const parts = groups.length === 1 ? [out]
    : g.opN('Split', [out, g.ints(groups.map((k) => k.size * features))], groups.length, { axis: 1 }, 'params');
  return parts.map((part, k) => (groups[k].vector ? g.op('Reshape', [part, g.ints([0, features, groups[k].size])]) : part));
}

/** `v[:, index]` (columns). */
export function gatherColumns(g: OnnxGraph, v: Value, index: ArrayLike<number>): Value {
  return g.op('Gather', [v, g.ints(Array.from(index))], { axis: 1 }, 'columns');
}

/** `v[…, start:end]` along `axis`. */
export function sliceAxis(g: OnnxGraph, v: Value, axis: number, start: number, end: number): Value {
  return g.op('Slice', [v, g.ints([start]), g.ints([end]), g.ints([axis])], {}, 'slice');
}

/** `Σ_{axis} v` without the axis (default: the feature axis 1, `[n, F]` → `[n]`). */
export function sumAxis(g: OnnxGraph, v: Value, axis = 1, keepdims = 0): Value {
  return g.op('ReduceSum', [v, g.ints([axis])], { keepdims }, 'sum');
}

/** `log Σ exp(v)` along `axis` (keeping the axis), stable: the maximum is subtracted first. */
export function logSumExp(g: OnnxGraph, v: Value, axis: number): Value {
  const max = g.op('ReduceMax', [v], { axes: [axis], keepdims: 1 }, 'max');
  const sum = sumAxis(g, g.op('Exp', [g.op('Sub', [v, max])]), axis, 1);
  return g.op('Add', [g.op('Log', [sum]), max], {}, 'logsumexp');
}

/** The soft clip `c · tanh(r / c)` of maflow's log-scales (`c = Infinity`: none). */
export function softClip(g: OnnxGraph, r: Value, bound: number): Value {
  if (bound === Infinity) return r;
  return g.op('Mul', [g.op('Tanh', [g.op('Div', [r, g.scalar(bound)])]), g.scalar(bound)], {}, 'log_scale');
}

/** `log(1 + e^v) = max(v, 0) + log(1 + e^{−|v|})` in the compute type (ONNX's Softplus is float32-only in places). */
export function softplus(g: OnnxGraph, v: Value): Value {
  const tail = g.op('Log', [g.op('Add', [g.scalar(1), g.op('Exp', [g.op('Neg', [g.op('Abs', [v])])])])]);
  return g.op('Add', [g.op('Max', [v, g.scalar(0)]), tail], {}, 'softplus');
}

/** The batch size `[1]` (int64) of `v`. */
export function batchSize(g: OnnxGraph, v: Value): Value {
  return g.op('Shape', [v], { start: 0, end: 1 }, 'n');
}

/** `v [k]` repeated to `[n, k]` with `n` from `rows` (`batchSize`). */
export function repeatRows(g: OnnxGraph, v: Value, k: number, rows: Value): Value {
  return g.op('Expand', [v, g.op('Concat', [rows, g.ints([k])], { axis: 0 })], {}, 'repeat');
}

/** `[start, end)` as an array. */
export function range(start: number, end: number): number[] {
  return Array.from({ length: Math.max(0, end - start) }, (_, k) => start + k);
}

/**
 * Which features an elementwise step covers: `count` consecutive ones from `start`, or, inside a loop over the features,
 * the one whose index is the int64 value `index` `[1]`.
 */
export type FeatureAt = { start: number; count: number } | { index: Value };

/** The columns of `v [n, D]` that `at` covers: `[n, count]` or `[n, 1]`. */
export function columnsAt(g: OnnxGraph, v: Value, at: FeatureAt): Value {
  return 'index' in at ? g.op('Gather', [v, at.index], { axis: 1 }, 'column') : sliceAxis(g, v, 1, at.start, at.start + at.count);
}

/** The entries of a per-feature constant `values [D]` that `at` covers, in the compute type: `[count]` or `[1]`. */
export function constantsAt(g: OnnxGraph, values: readonly number[], at: FeatureAt, hint = 'per_feature'): Value {
  if ('index' in at) return g.op('Gather', [g.constant(values, [values.length], hint), at.index], { axis: 0 }, hint);
  return g.constant(values.slice(at.start, at.start + at.count), [at.count], hint);
}

/**
 * The root of an increasing function inside `[lo, hi]` (compute type, any shape) by `g.bisectionSteps` bisection steps
 * in one ONNX Loop: `below(b, mid)` builds, in the loop body `b`, whether the function at `mid` is below its target
 * (bool, same shape). The midpoint of the last bracket is returned, within `2^−(steps+1)·(hi − lo)` of the root.
 */
export function bisect(g: OnnxGraph, lo: Value, hi: Value, below: (b: OnnxGraph, mid: Value) => Value): Value {
  const type = g.compute === 'float64' ? 'double' : 'float';
  const [low, high] = g.loop(g.bisectionSteps, [{ value: lo, type }, { value: hi, type }], (b, _i, [l, h]) => {
    const mid = b.op('Mul', [b.op('Add', [l, h]), b.scalar(0.5)], {}, 'mid');
    const less = below(b, mid);
    return [b.op('Where', [less, mid, l], {}, 'lo'), b.op('Where', [less, h, mid], {}, 'hi')];
  }, 'bisection');
  return g.op('Mul', [g.op('Add', [low, high]), g.scalar(0.5)], {}, 'root');
}
