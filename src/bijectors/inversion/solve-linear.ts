/**
 * Solves one dense `D × D` system `A · v = b` in place of `b` (float64): forward substitution when `A` is lower
 * triangular (the Jacobian of an autoregressive layer), LU with partial pivoting otherwise. `A` is read from
 * `a[offset .. offset + D²)` row-major and left untouched. Returns false when `A` is singular to working precision.
 */
export function solveLinear(a: Float64Array, offset: number, D: number, b: Float64Array): boolean {
  let lower = true;
  for (let i = 0; i < D && lower; i++) for (let j = i + 1; j < D; j++) if (a[offset + i * D + j] !== 0) { lower = false; break; }
  if (lower) {
    for (let i = 0; i < D; i++) {
      let s = b[i];
      for (let j = 0; j < i; j++) s -= a[offset + i * D + j] * b[j];
      const pivot = a[offset + i * D + i];
      if (pivot === 0 || !Number.isFinite(pivot)) return false;
      b[i] = s / pivot;
    }
    return true;
  }
  const m = a.slice(offset, offset + D * D);
  for (let k = 0; k < D; k++) {
    let p = k;
    for (let i = k + 1; i < D; i++) if (Math.abs(m[i * D + k]) > Math.abs(m[p * D + k])) p = i;
    const pivot = m[p * D + k];
    if (pivot === 0 || !Number.isFinite(pivot)) return false;
    if (p !== k) {
      for (let j = 0; j < D; j++) [m[k * D + j], m[p * D + j]] = [m[p * D + j], m[k * D + j]];
      [b[k], b[p]] = [b[p], b[k]];
    }
    for (let i = k + 1; i < D; i++) {
      const f = m[i * D + k] / pivot;
      if (f === 0) continue;
      for (let j = k; j < D; j++) m[i * D + j] -= f * m[k * D + j];
      b[i] -= f * b[k];
    }
  }
  for (let i = D - 1; i >= 0; i--) {
    let s = b[i];
    for (let j = i + 1; j < D; j++) s -= m[i * D + j] * b[j];
    b[i] = s / m[i * D + i];
  }
  return true;
}

/**
 * `out = A⁻¹` for one dense `D × D` matrix (Gauss–Jordan with partial pivoting), both row-major at the given
 * offsets. Returns false (leaving `out` unspecified) when `A` is singular to working precision.
 */
export function invertMatrix(a: Float64Array, offset: number, D: number, out: Float64Array, outOffset: number): boolean {
  const m = a.slice(offset, offset + D * D);
  const inv = new Float64Array(D * D);
  for (let d = 0; d < D; d++) inv[d * D + d] = 1;
  for (let k = 0; k < D; k++) {
    let p = k;
    for (let i = k + 1; i < D; i++) if (Math.abs(m[i * D + k]) > Math.abs(m[p * D + k])) p = i;
    const pivot = m[p * D + k];
    if (pivot === 0 || !Number.isFinite(pivot)) return false;
    if (p !== k) {
      for (let j = 0; j < D; j++) {
        [m[k * D + j], m[p * D + j]] = [m[p * D + j], m[k * D + j]];
        [inv[k * D + j], inv[p * D + j]] = [inv[p * D + j], inv[k * D + j]];
      }
    }
    for (let j = 0; j < D; j++) {
      m[k * D + j] /= pivot;
      inv[k * D + j] /= pivot;
    }
    for (let i = 0; i < D; i++) {
      const f = m[i * D + k];
      if (i === k || f === 0) continue;
      for (let j = 0; j < D; j++) {
        m[i * D + j] -= f * m[k * D + j];
        inv[i * D + j] -= f * inv[k * D + j];
      }
    }
  }
  out.set(inv, outOffset);
  return true;
}
