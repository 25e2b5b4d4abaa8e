import type { Dtype } from './matrix.ts';

const f64 = new Float64Array(1);
const u64 = new BigInt64Array(f64.buffer);
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/**
 * The representable value of `dtype` nearest to `v` on the side `towards` (+1: the smallest value > v; −1: the largest
 * value < v), for keeping a saturated result strictly inside an open interval (a sigmoid that rounds to 1.0).
 * `nextFloat(Infinity, -1)` is the largest finite value; NaN stays NaN.
 *
 * @example
 * import { nextFloat } from './next-float.ts';
 * console.log(nextFloat(1, -1), nextFloat(1, -1, 'float32'), nextFloat(0, 1)); // → 0.9999999999999999 0.9999999403953552 5e-324
 */
export function nextFloat(v: number, towards: 1 | -1, dtype: Dtype = 'float64'): number {
  if (Number.isNaN(v)) return v;
  if (dtype === 'float32') {
    const r = Math.fround(v);
    if (towards > 0 ? r > v : r < v) return r;
    return step32(r, towards);
  }
  return step64(v, towards);
}

function step64(v: number, towards: 1 | -1): number {
  if (v === towards * Infinity) return v;
  if (v === 0) return towards * Number.MIN_VALUE;
  f64[0] = v;
  u64[0] += (v > 0) === (towards > 0) ? 1n : -1n;
  return f64[0];
}

function step32(v: number, towards: 1 | -1): number {
  if (v === towards * Infinity) return v;
  if (v === 0) return towards * 1.401298464324817e-45;
  f32[0] = v;
  i32[0] += (v > 0) === (towards > 0) ? 1 : -1;
  return f32[0];
}
