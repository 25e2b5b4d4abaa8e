/**
 * MADE degrees (Germain et al. 2015, §4). Inputs have degrees 1..D in natural order (other orders are made with
 * `Permute` bijectors between layers). A hidden unit of degree m may read inputs 1..m; an output for feature d may
 * read hidden units of degree < d. maflow keeps hidden degrees **sorted**, which changes nothing about the model
 * class (hidden units are exchangeable) but makes every mask a staircase: unit j reads a prefix of its inputs.
 */
import type { Rng } from '../core/rng.ts';

/** How hidden degrees are assigned. */
export type DegreeMode = 'sequential' | 'random';

/** Input degrees 1..D. */
export function inputDegrees(features: number): Int32Array {
  const d = new Int32Array(features);
  for (let i = 0; i < features; i++) d[i] = i + 1;
  return d;
}

/**
 * Sorted hidden degrees in [lo, D − 1] (0 when D = 1, where every hidden unit may only see the context).
 * `sequential` cycles 1..D−1 like the MADE paper's deterministic assignment; `random` draws uniformly from
 * [min of the previous layer, D − 1] (the MADE paper's rule). `previousMin` is that minimum (1 for the first layer).
 */
export function hiddenDegrees(units: number, features: number, mode: DegreeMode, rng: Rng | undefined,
  previousMin = 1): Int32Array {
  const d = new Int32Array(units);
  const top = Math.max(features - 1, 0);
  const lo = Math.min(Math.max(previousMin, Math.min(1, top)), top);
  for (let j = 0; j < units; j++) {
    if (mode === 'random') {
      if (rng === undefined) throw new Error('hiddenDegrees: random degrees need an rng');
      d[j] = lo + rng.int(top - lo + 1);
    } else {
      d[j] = top === 0 ? 0 : (j % top) + 1;
    }
  }
  return d.sort();
}

/**
 * Staircase prefix lengths: how many of the sorted `inputs` degrees each output may read — those with
 * degree ≤ its own (`strict = false`, hidden layers) or < its own (`strict = true`, the output layer).
 */
export function prefixLengths(outputs: Int32Array, inputs: Int32Array, strict: boolean): Int32Array {
  const prefix = new Int32Array(outputs.length);
  for (let j = 0; j < outputs.length; j++) {
    const limit = strict ? outputs[j] - 1 : outputs[j];
    let lo = 0;
    let hi = inputs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (inputs[mid] <= limit) lo = mid + 1;
      else hi = mid;
    }
    prefix[j] = lo;
  }
  return prefix;
}

/**
 * Index ranges of each degree in a sorted degree vector: units of degree m are `[starts[m], starts[m + 1])`,
 * for m in 0..maxDegree (`starts` has maxDegree + 2 entries).
 */
export function degreeStarts(sorted: Int32Array, maxDegree: number): Int32Array {
  const starts = new Int32Array(maxDegree + 2);
  let j = 0;
  for (let m = 0; m <= maxDegree + 1; m++) {
    while (j < sorted.length && sorted[j] < m) j++;
    starts[m] = j;
  }
  return starts;
}
