/**
 * A MADE as ONNX, in its two passes (`Made` in src/nn/made.ts): the parallel pass (every feature's parameters from
 * `x [n, D]` in one evaluation: density for MAF, sampling for IAF) as dense Gemms over the masked weights, and the
 * sequential pass laid out step by step with maflow's staircase: at step d only the hidden units of degree d become
 * computable, so each step computes exactly those (a Gemm over everything computed so far), then feature d's
 * parameters and value. Each unit is computed once, so the whole pass costs about one network evaluation, not D. The
 * steps are one ONNX Loop (the default: a small graph that loads fast whatever D) or laid out one after the other.
 */
import { degreeStarts } from '../../nn/degrees.ts';
import type { Made } from '../../nn/made.ts';
import type { MaskedLinear } from '../../nn/masked-linear.ts';
import type { OnnxGraph, Value } from './onnx-graph.ts';
import { activate, batchSize, constantPart, denseLayer, groupedOutput, layerRows, range, repeatRows, sliceAxis, splitGroups,
  type FeatureAt, type ParamGroup } from './onnx-ops.ts';

/** Every feature's parameters from `x [n, D]` (and the context), one value per group (`groupedOutput`). */
export function madeParallel(g: OnnxGraph, made: Made, x: Value, context: Value | null, groups: readonly ParamGroup[]): Value[] {
  let h = x;
  made.hidden.forEach((layer, l) => {
    const a = denseLayer(g, layer, h, context, made.activations[l]);
    h = made.residual && l > 0 ? g.op('Add', [h, a], {}, 'residual') : a;
  });
  return groupedOutput(g, made.output, h, context, made.features, groups);
}

/** What one step of a sequential pass gives: `x_d [n, 1]` (float32) and a per-row term `[n]` to sum (compute type), or none. */
export interface SequentialStep {
  value: Value;
  term: Value | null;
}

/**
 * The sequential pass: for d = 0..D−1, the units of degree d of every layer, then feature d's parameters (one value per
 * group, `[n, 1]` or `[n, 1, size]`), handed to `step(b, at, params)`, which builds `x_d` (and a term to sum over the
 * steps, such as the log-determinant) in the graph `b` for the feature `at`. Returns `x [n, D]` and the sum of the terms.
 * With the graph's `sequential: 'loop'` the steps are one ONNX Loop (`b` its body, `at` a dynamic index), else they are
 * laid out one after the other (`b` is `g`). `like` is any `[n, …]` value, for the batch size.
 */
export function madeSequential(g: OnnxGraph, made: Made, context: Value | null, groups: readonly ParamGroup[], like: Value,
  step: (b: OnnxGraph, at: FeatureAt, params: Value[]) => SequentialStep): { x: Value; sum: Value | null } {
  return g.sequential === 'loop' ? sequentialLoop(g, made, context, groups, like, step) : sequentialUnrolled(g, made, context, groups, like, step);
}

/** The blocks each step computes: per step d, per hidden layer, the units `[start, end)` and the inputs they read. */
function stepBlocks(made: Made): Array<{ hidden: Array<{ start: number; end: number; reads: number }>; outputReads: number }> {
  const D = made.features;
  const starts = made.hiddenDegrees.map((degrees) => degreeStarts(degrees, D));
  const computed = made.hidden.map(() => 0);
  return range(0, D).map((d) => {
    const hidden = made.hidden.map((layer, l) => {
      const start = starts[l][d];
      const end = starts[l][d + 1];
      const reads = l === 0 ? d : computed[l - 1];
      if (end > start) checkPrefix(layer, range(start, end), reads);
      computed[l] += end - start;
      return { start, end, reads };
    });
    const outputReads = computed[computed.length - 1];
    checkPrefix(made.output, range(d * made.paramsPerFeature, (d + 1) * made.paramsPerFeature), outputReads);
    return { hidden, outputReads };
  });
}

function sequentialUnrolled(g: OnnxGraph, made: Made, context: Value | null, groups: readonly ParamGroup[], like: Value,
  step: (b: OnnxGraph, at: FeatureAt, params: Value[]) => SequentialStep): { x: Value; sum: Value | null } {
  const P = made.paramsPerFeature;
  const rows = batchSize(g, like);
  const sofar: Array<Value | null> = made.hidden.map(() => null);
  let x: Value | null = null;
  let sum: Value | null = null;
  stepBlocks(made).forEach(({ hidden, outputReads }, d) => {
    let previous: Value | null = null;   // the block of the previous layer computed at this step (residual)
    made.hidden.forEach((layer, l) => {
      const { start, end, reads } = hidden[l];
      if (end === start) {
        previous = null;
        return;
      }
      let a = activate(g, blockPreActivation(g, layer, range(start, end), l === 0 ? x : sofar[l - 1], reads, context, rows), made.activations[l]);
      if (made.residual && l > 0) a = g.op('Add', [previous!, a], {}, 'residual');
      previous = a;
      sofar[l] = sofar[l] === null ? a : g.op('Concat', [sofar[l]!, a], { axis: 1 }, `h${l}`);
    });
    const out = blockPreActivation(g, made.output, range(d * P, (d + 1) * P), sofar[sofar.length - 1], outputReads, context, rows);
    const { value, term } = step(g, { start: d, count: 1 }, splitGroups(g, out, 1, groups));
    x = x === null ? value : g.op('Concat', [x, value], { axis: 1 }, 'x');
    sum = term === null ? sum : sum === null ? term : g.op('Add', [sum, term], {}, 'sum');
  });
  return { x: x!, sum };
}

/**
 * The sequential pass as one ONNX Loop over the features, each layer's values so far carried transposed, `[1 + units,
 * n]`, with a leading row of ones (so that every step's product has an input, and the bias rides in the weights):
 * appending a step's block is then one contiguous copy (along the first axis) instead of n strided ones. Step d of
 * layer l multiplies `[bias, W[block, :reads]]`, sliced from one flat initializer per layer by offset tables indexed
 * with d (each weight stored once, the staircase's zero blocks not at all), by what the layer below has computed; the
 * context's part, `W_c · cᵀ`, is one Gemm per layer before the loop, sliced per step.
 */
function sequentialLoop(g: OnnxGraph, made: Made, context: Value | null, groups: readonly ParamGroup[], like: Value,
  step: (b: OnnxGraph, at: FeatureAt, params: Value[]) => SequentialStep): { x: Value; sum: Value | null } {
  const P = made.paramsPerFeature;
  const D = made.features;
  const blocks = stepBlocks(made);
  const layers = [...made.hidden, made.output];
  const plan = layers.map((layer, l) => {
    const units = (d: number) => (l < made.hidden.length ? range(blocks[d].hidden[l].start, blocks[d].hidden[l].end) : range(d * P, (d + 1) * P));
    const reads = (d: number) => (l < made.hidden.length ? blocks[d].hidden[l].reads : blocks[d].outputReads);
    const parts: Float32Array[] = [];
    const offsets = [0];
    const shapes: number[] = [];
    const starts = [0];
    for (let d = 0; d < D; d++) {
      const rows = units(d);
      const k = reads(d);
      const { weight, bias } = layerRows(layer, rows, k);
      const stacked = new Float32Array((1 + k) * rows.length);
      rows.forEach((_, r) => {
        stacked[r * (1 + k)] = bias[r];
        stacked.set(weight.subarray(r * k, (r + 1) * k), r * (1 + k) + 1);
      });
      parts.push(stacked);
      offsets.push(offsets[d] + stacked.length);
      shapes.push(rows.length, 1 + k);
      starts.push(l < made.hidden.length ? blocks[d].hidden[l].end : (d + 1) * P);
    }
    const blob = new Float32Array(offsets[D]);
    parts.forEach((part, d) => blob.set(part, offsets[d]));
    const contextTerm = context === null || layer.contextWeight === null ? null
      : g.op('Gemm', [g.floats(layerRows(layer, range(0, layer.outDim), 0).contextWeight!, [layer.outDim, layer.contextFeatures], 'contextWeight'), context],
        { transB: 1 }, 'context_term');
    return {
      weights: g.floats(blob.length === 0 ? [0] : blob, [Math.max(1, blob.length)], 'step_weights'),
      offsets: g.ints(offsets, [D + 1], 'step_offsets'),
      shapes: g.ints(shapes, [D, 2], 'step_shapes'),
      starts: contextTerm === null ? '' : g.ints(starts, [D + 1], 'step_units'),
      contextTerm,
    };
  });
  const rows = batchSize(g, like);
  const ones = g.op('Expand', [g.floats([1], [1, 1], 'one'), g.op('Concat', [g.ints([1]), rows], { axis: 0 })], {}, 'ones');
  const type = g.compute === 'float64' ? 'double' : 'float';
  const zero = g.op('Mul', [g.toCompute(g.op('ReduceSum', [like, g.ints([1])], { keepdims: 0 })), g.scalar(0)], {}, 'zero_sum');
  let summed = false;
  const carried = [ones, ...made.hidden.map(() => ones)].map((value) => ({ value, type: 'float' as const }));
  const [xOut, ...rest] = g.loop(D, [...carried, { value: zero, type }], (b, i, values) => {
    const index = b.op('Unsqueeze', [i, b.ints([0])], {}, 'd');
    const next = b.op('Add', [index, b.ints([1])], {}, 'd1');
    const [x, ...hidden] = values.slice(0, -1);
    const out: Value[] = [];
    let previous: Value | null = null;
    let input = x;
    layers.forEach((_layer, l) => {
      const p = plan[l];
      const at = (table: Value, k: Value) => b.op('Gather', [table, k], { axis: 0 });
      const w = b.op('Reshape', [b.op('Slice', [p.weights, at(p.offsets, index), at(p.offsets, next), b.ints([0])]),
        b.op('Reshape', [at(p.shapes, index), b.ints([2])])], { allowzero: 1 }, 'step_weight');
      let pre = b.op('MatMul', [w, input], {}, 'step');
      if (p.contextTerm !== null) pre = b.op('Add', [pre, b.op('Slice', [p.contextTerm, at(p.starts, index), at(p.starts, next), b.ints([0])])]);
      if (l === made.hidden.length) {
        out.push(b.op('Transpose', [pre], { perm: [1, 0] }, 'params'));
        return;
      }
      let a = activate(b, pre, made.activations[l]);
      if (made.residual && l > 0) a = b.op('Add', [previous!, a], {}, 'residual');
      previous = a;
      input = b.op('Concat', [hidden[l], a], { axis: 0 }, `h${l}`);
      out.push(input);
    });
    const { value, term } = step(b, { index }, splitGroups(b, out.pop()!, 1, groups));
    summed = term !== null;
    const sum = term === null ? values[values.length - 1] : b.op('Add', [values[values.length - 1], term], {}, 'sum');
    return [b.op('Concat', [x, b.op('Reshape', [value, b.ints([1, -1])])], { axis: 0 }, 'x'), ...out, sum];
  }, 'sequential');
  return { x: g.op('Transpose', [sliceAxis(g, xOut, 0, 1, D + 1)], { perm: [1, 0] }, 'x'), sum: summed ? rest[rest.length - 1] : null };
}

/** Throws unless the units `block` of `layer` all read exactly the `available` inputs computed so far (a layout bug). */
function checkPrefix(layer: MaskedLinear, block: readonly number[], available: number): void {
  const prefix = layer.prefix === null ? layer.inDim : layer.prefix[block[block.length - 1]];
  if (prefix !== available || (layer.prefix !== null && layer.prefix[block[0]] !== prefix)) {
    throw new Error(`exportOnnx: a staircase block reads ${prefix} inputs but ${available} are computed (units ${block[0]}…${block[block.length - 1]})`);
  }
}

/** `W[block, :p] · input + (W_c · c + b)[block]` `[n, block]` where `p = available`, the block's prefix (`checkPrefix`). */
function blockPreActivation(g: OnnxGraph, layer: MaskedLinear, block: readonly number[], input: Value | null, available: number,
  context: Value | null, rows: Value): Value {
  const prefix = available;
  const constant = constantPart(g, layer, block, context);
  if (prefix === 0 || input === null) return context === null ? repeatRows(g, constant, block.length, rows) : constant;
  const { weight } = layerRows(layer, block, prefix);
  const w = g.floats(weight, [block.length, prefix], 'block_weight');
  return g.op('Gemm', [input, w, constant], { transB: 1 }, 'block');
}
