/** `log(1 + e^v)` without overflow or loss for large |v|. */
export function softplus(v: number): number {
  return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
}

/** `1 / (1 + e^−v)` without overflow. */
export function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** `log Σ_{k<K} e^{terms[k]}`. */
export function logSumExp(terms: Float64Array, K: number): number {
  let max = -Infinity;
  for (let k = 0; k < K; k++) max = Math.max(max, terms[k]);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let k = 0; k < K; k++) sum += Math.exp(terms[k] - max);
  return max + Math.log(sum);
}

/**
 * The floor of a positive quantity parameterised as `POSITIVE_FLOOR + softplus(raw + POSITIVE_SHIFT)`: NAF's unit
 * slopes and UMNN's integrand, kept away from 0 far from the data.
 */
export const POSITIVE_FLOOR = 1e-3;
/** The shift that makes raw 0 give exactly 1 in that parameterisation. */
export const POSITIVE_SHIFT = Math.log(Math.expm1(1 - POSITIVE_FLOOR));

/**
 * `K` fixed offsets spread evenly over `[−halfWidth, halfWidth]` (0 for one unit): with all-zero raw parameters every
 * unit would otherwise be the same function and receive the same gradient.
 */
export function spreadOffsets(K: number, halfWidth: number): Float64Array {
  return Float64Array.from({ length: K }, (_, k) => (K === 1 ? 0 : halfWidth * (2 * k / (K - 1) - 1)));
}
