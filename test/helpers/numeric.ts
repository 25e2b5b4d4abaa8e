/** Numerical tools for tests: finite-difference Jacobians, log|det|, gradient checks, random matrices. */
import { zeros, type Dtype, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import type { Parameter } from '../../src/nn/parameter.ts';

/** A `[rows, cols]` matrix of N(0, scale²) draws. */
export function randomMatrix(rows: number, cols: number, rng: Rng, scale = 1, dtype: Dtype = 'float64'): Matrix {
  const m = zeros(rows, cols, dtype);
  for (let k = 0; k < m.data.length; k++) m.data[k] = scale * rng.normal();
  return m;
}

/** Row `r` of `m` as a `[1, cols]` matrix (a copy). */
export function row(m: Matrix, r: number): Matrix {
  return { rows: 1, cols: m.cols, data: m.data.slice(r * m.cols, (r + 1) * m.cols) };
}

/** Central-difference Jacobian `J[i][j] = ∂f_i/∂x_j` of a map on one row. */
export function numericalJacobian(f: (x: Matrix) => Matrix, x: Matrix, h = 1e-6): number[][] {
  const D = x.cols;
  const J: number[][] = [];
  for (let i = 0; i < D; i++) J.push(new Array(D).fill(0));
  for (let j = 0; j < D; j++) {
    const plus = { rows: 1, cols: D, data: x.data.slice() };
    const minus = { rows: 1, cols: D, data: x.data.slice() };
    plus.data[j] += h;
    minus.data[j] -= h;
    const fp = f(plus).data;
    const fm = f(minus).data;
    for (let i = 0; i < D; i++) J[i][j] = (fp[i] - fm[i]) / (2 * h);
  }
  return J;
}

/** log|det A| by LU with partial pivoting. */
export function logAbsDet(A: number[][]): number {
  const n = A.length;
  const a = A.map((r) => r.slice());
  let sum = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i][k]) > Math.abs(a[p][k])) p = i;
    [a[k], a[p]] = [a[p], a[k]];
    if (a[k][k] === 0) return -Infinity;
    sum += Math.log(Math.abs(a[k][k]));
    for (let i = k + 1; i < n; i++) {
      const f = a[i][k] / a[k][k];
      for (let j = k; j < n; j++) a[i][j] -= f * a[k][j];
    }
  }
  return sum;
}

/** Largest |a − b| over two arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length}`);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

/**
 * Compares analytic gradients of a scalar loss with central differences, over a sample of entries of each parameter
 * (and of extra inputs). `loss()` must recompute from scratch; `analytic()` must zero and fill the gradients.
 * Returns the worst relative error `|g − ĝ| / max(1e-6, |g| + |ĝ|)`.
 */
export function gradientCheck(loss: () => number, analytic: () => void, targets: Array<{ value: Float64Array | Float32Array; grad: ArrayLike<number> }>,
  rng: Rng, samplesPerTarget = 12, h = 1e-6): number {
  analytic();
  const grads = targets.map((t) => Array.from(t.grad));
  let worst = 0;
  targets.forEach((t, ti) => {
    const n = t.value.length;
    const picks = n <= samplesPerTarget ? [...Array(n).keys()] : Array.from({ length: samplesPerTarget }, () => rng.int(n));
    for (const k of picks) {
      const saved = t.value[k];
      t.value[k] = saved + h;
      const lp = loss();
      t.value[k] = saved - h;
      const lm = loss();
      t.value[k] = saved;
      const numeric = (lp - lm) / (2 * h);
      const g = grads[ti][k];
      const err = Math.abs(g - numeric) / Math.max(1e-6, Math.abs(g) + Math.abs(numeric));
      worst = Math.max(worst, err);
    }
  });
  return worst;
}

/** Parameters as gradient-check targets. */
export function paramTargets(params: Parameter[]): Array<{ value: Float64Array | Float32Array; grad: ArrayLike<number> }> {
  return params.map((p) => ({ value: p.value, grad: p.grad }));
}
