import { allocate, type Dtype, type FloatArray } from '../core/matrix.ts';
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
