/**
 * A MADE as ONNX, in its two passes (`Made` in src/nn/made.ts): the parallel pass (every feature's parameters from
 * `x [n, D]` in one evaluation: density for MAF, sampling for IAF) as dense Gemms over the masked weights, and the
 * sequential pass laid out step by step with maflow's staircase: at step d only the hidden units of degree d become
 * computable, so each step computes exactly those (a Gemm over everything computed so far), then feature d's
 * parameters and value. Each unit is computed once, so the whole pass costs about one network evaluation, not D.
 */
import { degreeStarts } from '../../nn/degrees.ts';
import type { Made } from '../../nn/made.ts';
import type { MaskedLinear } from '../../nn/masked-linear.ts';
import type { OnnxGraph, Value } from './onnx-graph.ts';
import { activate, batchSize, constantPart, denseLayer, groupedOutput, layerRows, range, repeatRows, splitGroups,
  type ParamGroup } from './onnx-ops.ts';

/** Every feature's parameters from `x [n, D]` (and the context), one value per group (`groupedOutput`). */
export function madeParallel(g: OnnxGraph, made: Made, x: Value, context: Value | null, groups: readonly ParamGroup[]): Value[] {
  let h = x;
  made.hidden.forEach((layer, l) => {
    const a = denseLayer(g, layer, h, context, made.activations[l]);
    h = made.residual && l > 0 ? g.op('Add', [h, a], {}, 'residual') : a;
  });
  return groupedOutput(g, made.output, h, context, made.features, groups);
}

/**
 * The sequential pass: for d = 0..D−1, the units of degree d of every layer, then feature d's parameters (one value per
 * group, `[n, 1]` or `[n, 1, size]`), handed to `step(d, params)`, which returns `x_d [n, 1]`. Returns `x [n, D]`.
 * `like` is any `[n, …]` value, for the batch size.
 */
export function madeSequential(g: OnnxGraph, made: Made, context: Value | null, groups: readonly ParamGroup[], like: Value,
  step: (d: number, params: Value[]) => Value): Value {
  const D = made.features;
  const P = made.paramsPerFeature;
  const rows = batchSize(g, like);
  const starts = made.hiddenDegrees.map((degrees) => degreeStarts(degrees, D));
  // What each layer has computed so far (its first `computed[l]` units, as one [n, computed] value).
  const computed = made.hidden.map(() => 0);
  const sofar: Array<Value | null> = made.hidden.map(() => null);
  let x: Value | null = null;
  for (let d = 0; d < D; d++) {
    let previous: Value | null = null;   // the block of the previous layer computed at this step (residual)
    made.hidden.forEach((layer, l) => {
      const block = range(starts[l][d], starts[l][d + 1]);
      if (block.length === 0) {
        previous = null;
        return;
      }
      const input = l === 0 ? x : sofar[l - 1];
      const available = l === 0 ? d : computed[l - 1];
      let a = activate(g, blockPreActivation(g, layer, block, input, available, context, rows), made.activations[l]);
      if (made.residual && l > 0) a = g.op('Add', [previous!, a], {}, 'residual');
      previous = a;
      sofar[l] = sofar[l] === null ? a : g.op('Concat', [sofar[l]!, a], { axis: 1 }, `h${l}`);
      computed[l] += block.length;
    });
    const last = made.hidden.length - 1;
    const out = blockPreActivation(g, made.output, range(d * P, (d + 1) * P), sofar[last], computed[last], context, rows);
    const params = splitGroups(g, out, 1, groups);
    const xd = step(d, params);
    x = x === null ? xd : g.op('Concat', [x, xd], { axis: 1 }, 'x');
  }
  return x!;
}

/**
 * `W[block, :p] · input + (W_c · c + b)[block]` `[n, block]` where `p` is the block's prefix, which maflow's degrees
 * make exactly the `available` units computed so far (checked: anything else would be a bug in the layout).
 */
function blockPreActivation(g: OnnxGraph, layer: MaskedLinear, block: readonly number[], input: Value | null, available: number,
  context: Value | null, rows: Value): Value {
  const prefix = layer.prefix === null ? layer.inDim : layer.prefix[block[block.length - 1]];
  if (prefix !== available || (layer.prefix !== null && layer.prefix[block[0]] !== prefix)) {
    throw new Error(`exportOnnx: a staircase block reads ${prefix} inputs but ${available} are computed (units ${block[0]}…${block[block.length - 1]})`);
  }
  const constant = constantPart(g, layer, block, context);
  if (prefix === 0 || input === null) return context === null ? repeatRows(g, constant, block.length, rows) : constant;
  const { weight } = layerRows(layer, block, prefix);
  const w = g.floats(weight, [block.length, prefix], 'block_weight');
  return g.op('Gemm', [input, w, constant], { transB: 1 }, 'block');
}
