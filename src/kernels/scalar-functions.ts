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
