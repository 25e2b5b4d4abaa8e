/**
 * The sequence container of the sequence models (`TemporalMaf`): `n` sequences of up to `steps` time steps of
 * `features` values each, row-major `[n, steps, features]` with `data[(i · steps + t) · features + f]`.
 *
 * Sequences of different lengths use **lengths + padding**: `lengths[i]` (in `[1, steps]`) is the number of real steps
 * of sequence i, and the entries of its steps `t ≥ lengths[i]` are padding, which no computation reads (their values
 * do not matter, and no result depends on them). `lengths = null` means every sequence has all `steps` steps.
 */
import { FLOAT32_OVERFLOW } from './check-finite.ts';
import { DataError } from './data-error.ts';
import { allocate, dtypeOf, type Dtype, type FloatArray, type Matrix } from './matrix.ts';

/** `n` sequences `[count, steps, features]` (row-major) with optional per-sequence lengths (see the module doc). */
export interface Sequences {
  /** n, the number of sequences. */
  readonly count: number;
  /** T, the number of time steps per sequence (the longest length when `lengths` is set). */
  readonly steps: number;
  /** F, the values per step. */
  readonly features: number;
  /** `count · steps · features` values, `data[(i · steps + t) · features + f]`. */
  readonly data: FloatArray;
  /** `[count]` real lengths in `[1, steps]` (steps beyond are padding), or `null`: all sequences have `steps` steps. */
  readonly lengths: Int32Array | null;
}

/** Options of `sequences(values, options)`. */
export interface SequencesOptions {
  /** The shape of flat `values` (nested arrays give their own). */
  count?: number;
  steps?: number;
  features?: number;
  /** Per-sequence lengths for flat values (nested arrays of different lengths set them). @default null */
  lengths?: ArrayLike<number> | null;
  /** @default 'float32' */
  dtype?: Dtype;
}

/**
 * Builds a `Sequences` from nested arrays `[sequence][step][feature]` (sequences may differ in length: they are padded
 * with zeros and `lengths` is set) or from flat row-major values with an explicit shape.
 *
 * @example
 * import { sequences } from 'maflow';
 * const s = sequences([[[1, 2], [3, 4], [5, 6]], [[7, 8]]]);   // two sequences of 3 and 1 steps, 2 features
 * console.log(s.count, s.steps, s.features, s.lengths); // → 2 3 2 Int32Array(2) [ 3, 1 ]
 * const flat = sequences([1, 2, 3, 4, 5, 6], { count: 1, steps: 3, features: 2 });
 * console.log(flat.data.length, flat.lengths); // → 6 null
 */
export function sequences(values: ArrayLike<number> | readonly (readonly (readonly number[])[])[], options: SequencesOptions = {}): Sequences {
  const dtype = options.dtype ?? 'float32';
  if (options.count === undefined) {
    const nested = values as readonly (readonly (readonly number[])[])[];
    const count = nested.length;
    const steps = nested.reduce((m, s) => Math.max(m, s.length), 0);
    const features = count === 0 || nested[0].length === 0 ? 0 : nested[0][0].length;
    const data = allocate(dtype, count * steps * features);
    const lengths = new Int32Array(count);
    nested.forEach((s, i) => {
      if (s.length === 0) throw new RangeError(`sequences: sequence ${i} has no steps (a sequence needs at least 1)`);
      lengths[i] = s.length;
      s.forEach((step, t) => {
        if (step.length !== features) throw new RangeError(`sequences: sequence ${i}, step ${t} has ${step.length} values, expected ${features}`);
        data.set(step, (i * steps + t) * features);
      });
    });
    const ragged = lengths.some((l) => l !== steps);
    return { count, steps, features, data, lengths: ragged ? lengths : null };
  }
  const { count, steps = 0, features = 0 } = options;
  const flat = values as ArrayLike<number>;
  if (flat.length !== count * steps * features) {
    throw new RangeError(`sequences: ${flat.length} values do not fill [${count}, ${steps}, ${features}]`);
  }
  const data = allocate(dtype, flat.length);
  data.set(flat);
  const out = { count, steps, features, data, lengths: options.lengths == null ? null : Int32Array.from(options.lengths) };
  checkSequences('sequences', 'values', out, features);
  return out;
}

/** The real length of sequence `i` (`steps` without `lengths`). */
export function sequenceLength(s: Sequences, i: number): number {
  return s.lengths === null ? s.steps : s.lengths[i];
}

/** `[n, T, F]` as text for messages. */
export function sequenceShapeText(s: Sequences): string {
  return `[${s.count}, ${s.steps}, ${s.features}]`;
}

/**
 * Throws unless `s` is a `Sequences` with `features` values per step, consistent sizes, and lengths in `[1, steps]`,
 * naming the method and both shapes: `TemporalMaf.logProb: expected sequences [n, T, 2], got [4, 10, 3]`.
 */
export function checkSequences(where: string, name: string, s: Sequences | undefined, features: number): void {
  if (s === undefined || s === null || typeof s !== 'object' || !(s.data instanceof Float32Array || s.data instanceof Float64Array)
    || !Number.isInteger(s.count) || !Number.isInteger(s.steps) || !Number.isInteger(s.features)) {
    throw new TypeError(`${where}: expected ${name} to be sequences {count, steps, features, data, lengths}`);
  }
  if (s.data.length !== s.count * s.steps * s.features) {
    throw new RangeError(`${where}: ${name} has ${s.data.length} values, but its shape is ${sequenceShapeText(s)}`);
  }
  if (s.features !== features) throw new RangeError(`${where}: expected ${name} [n, T, ${features}], got ${sequenceShapeText(s)}`);
  if (s.count > 0 && s.steps < 1) throw new RangeError(`${where}: ${name} has ${s.steps} steps, expected at least 1`);
  if (s.lengths !== null) {
    if (!(s.lengths instanceof Int32Array) || s.lengths.length !== s.count) {
      throw new RangeError(`${where}: ${name}.lengths must be an Int32Array of ${s.count} lengths`);
    }
    s.lengths.forEach((l, i) => {
      if (!(l >= 1 && l <= s.steps)) throw new RangeError(`${where}: ${name}.lengths[${i}] is ${l}, expected a length in [1, ${s.steps}]`);
    });
  }
}

/**
 * Throws a `DataError` for the first NaN, ±Infinity or float32 overflow among the real (unpadded) steps of `s`, naming
 * the sequence, step and feature (0-based).
 */
export function checkSequenceValues(where: string, name: string, s: Sequences, dtype: Dtype): void {
  const limit = dtype === 'float32' && s.data instanceof Float64Array ? FLOAT32_OVERFLOW : Infinity;
  const F = s.features;
  for (let i = 0; i < s.count; i++) {
    const end = (i * s.steps + sequenceLength(s, i)) * F;
    for (let k = i * s.steps * F; k < end; k++) {
      const v = s.data[k];
      if (v < limit && v > -limit) continue;
      const t = Math.floor(k / F) - i * s.steps;
      throw new DataError(`${name} sequence ${i}, step ${t}, feature ${k % F} (0-based): expected a finite number, got ${v}`,
        { file: where, code: 'non-finite' });
    }
  }
}

/** Sequences `[start, end)` of `s` as a zero-copy view. */
export function sliceSequences(s: Sequences, start: number, end: number): Sequences {
  const size = s.steps * s.features;
  return {
    count: end - start, steps: s.steps, features: s.features, data: s.data.subarray(start * size, end * size),
    lengths: s.lengths === null ? null : s.lengths.subarray(start, end),
  };
}

/** The sequences picked by `indices` (a copy, lengths kept). */
export function gatherSequences(s: Sequences, indices: ArrayLike<number>, dtype: Dtype = dtypeOf(s.data)): Sequences {
  const size = s.steps * s.features;
  const data = allocate(dtype, indices.length * size);
  const lengths = s.lengths === null ? null : new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    data.set(s.data.subarray(i * size, (i + 1) * size), k * size);
    if (lengths !== null && s.lengths !== null) lengths[k] = s.lengths[i];
  }
  return { count: indices.length, steps: s.steps, features: s.features, data, lengths };
}

/**
 * The flat `[count, steps · features]` view of `s` (zero-copy: row i is sequence i, step-major), for code that moves
 * whole sequences as rows (a validation split); the lengths are not part of it.
 */
export function sequencesAsRows(s: Sequences): Matrix {
  return { rows: s.count, cols: s.steps * s.features, data: s.data };
}
