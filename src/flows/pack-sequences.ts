import { allocate, dtypeOf, zeros, type Dtype, type FloatArray, type Matrix } from '../core/matrix.ts';
import { sequenceLength, type Sequences } from '../core/sequences.ts';
import { packSteps, type PackedSteps } from '../nn/recurrent-encoder.ts';

/** A batch of sequences in the packed layout of the recurrent encoders, with the map back to sequences and steps. */
export interface PackedSequences {
  layout: PackedSteps;
  /** `[n]`: the sequences by decreasing length (stable), so `order[i]` is the i-th longest. */
  order: Int32Array;
  /** `[total]`: the sequence of each packed row. */
  sequenceOfRow: Int32Array;
  /** `[total]`: the step of each packed row. */
  stepOfRow: Int32Array;
  /** `[total, features]`: the real steps, standardized when a mean and std are given, in the model's dtype. */
  x: FloatArray;
}

/**
 * Packs the real steps of `s` (padding is never read) as `x̃ = (x − mean) / std` per feature (no change without
 * `mean`/`std`) into the layout of `packSteps`: row `offsets[t] + i` is step t of the i-th longest sequence.
 */
export function packSequences(s: Sequences, dtype: Dtype, mean: Float64Array | null, std: Float64Array | null): PackedSequences {
  const n = s.count;
  const F = s.features;
  const lengths = Int32Array.from({ length: n }, (_, i) => sequenceLength(s, i));
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const layout = packSteps(Int32Array.from(order, (i) => lengths[i]));
  const total = layout.offsets[layout.steps];
  const x = allocate(dtype, total * F);
  const sequenceOfRow = new Int32Array(total);
  const stepOfRow = new Int32Array(total);
  for (let t = 0; t < layout.steps; t++) {
    for (let r = 0; r < layout.batchSizes[t]; r++) {
      const row = layout.offsets[t] + r;
      const i = order[r];
      sequenceOfRow[row] = i;
      stepOfRow[row] = t;
      const from = (i * s.steps + t) * F;
      for (let f = 0; f < F; f++) {
        const v = s.data[from + f];
        x[row * F + f] = mean === null || std === null ? v : (v - mean[f]) / std[f];
      }
    }
  }
  return { layout, order, sequenceOfRow, stepOfRow, x };
}

/**
 * The step flow's context per packed row, `[h_t, s_i]` `[total, H + C]` from the encoder's packed `hidden [total, H]`
 * and the covariates `context [n, C]` of the sequences (the encoder's buffer itself, without covariates).
 */
export function packedFlowContext(packed: PackedSequences, hidden: FloatArray, H: number, context: Matrix | null, dtype: Dtype): Matrix {
  const total = packed.sequenceOfRow.length;
  if (context === null) return { rows: total, cols: H, data: hidden };
  const C = context.cols;
  const width = H + C;
  const out = zeros(total, width, dtype);
  for (let row = 0; row < total; row++) {
    out.data.set(hidden.subarray(row * H, (row + 1) * H), row * width);
    const i = packed.sequenceOfRow[row];
    out.data.set(context.data.subarray(i * C, (i + 1) * C), row * width + H);
  }
  return out;
}

/**
 * `∂L/∂x` `[n, T, F]` (0 on padding) from the packed gradients of the flow's input and the encoder's input, through
 * the data standardization `x̃ = (x − mean) / std` (`std` undefined: none).
 */
export function unpackInputGradient(s: Sequences, packed: PackedSequences, fromFlow: FloatArray, fromEncoder: FloatArray,
  std: Float64Array | undefined): Sequences {
  const F = s.features;
  const data = new (dtypeOf(s.data) === 'float64' ? Float64Array : Float32Array)(s.count * s.steps * F);
  for (let row = 0; row < packed.sequenceOfRow.length; row++) {
    const at = (packed.sequenceOfRow[row] * s.steps + packed.stepOfRow[row]) * F;
    for (let f = 0; f < F; f++) data[at + f] = (fromFlow[row * F + f] + fromEncoder[row * F + f]) / (std === undefined ? 1 : std[f]);
  }
  return { count: s.count, steps: s.steps, features: F, data, lengths: s.lengths };
}

/**
 * `∂L/∂s` `[n, C]`: the covariate columns (after the first H) of the packed context gradient `[total, H + C]` summed
 * over each sequence's rows, through the covariates' standardization.
 */
export function covariateGradient(n: number, packed: PackedSequences, dContext: FloatArray, H: number, C: number,
  std: Float64Array | undefined): Matrix {
  const out = zeros(n, C, 'float64');
  for (let row = 0; row < packed.sequenceOfRow.length; row++) {
    const i = packed.sequenceOfRow[row];
    for (let c = 0; c < C; c++) out.data[i * C + c] += dContext[row * (H + C) + H + c];
  }
  if (std !== undefined) for (let k = 0; k < out.data.length; k++) out.data[k] /= std[k % C];
  return out;
}
