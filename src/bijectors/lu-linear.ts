import { type Dtype, type FloatArray, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { joinName, Parameter, type NamedParameters } from '../nn/parameter.ts';
import { InPlaceBijector, type BijectorConfig, type Direction, type TrainPass } from './bijector.ts';
import { Permute } from './permute.ts';

/** Options of `new LuLinear(options)`. */
export interface LuLinearOptions {
  features: number;
  /** The fixed permutation P: `'identity'`, `'reverse'`, `'random'` (needs `rng`) or explicit. @default 'identity' */
  permutation?: 'identity' | 'reverse' | 'random' | readonly number[];
  rng?: Rng;
  /** @default 'float32' */
  dtype?: Dtype;
}

/** The serialised form of a `LuLinear` (`config()`); the trained factors travel with the weights. */
export interface LuLinearConfig extends BijectorConfig {
  type: 'LuLinear';
  features: number;
  permutation: number[];
  dtype: Dtype;
}

/**
 * A learnable invertible linear map in LU form (Kingma & Dhariwal 2018, Glow §3.2; nflows' `LULinear`, TFP's
 * `ScaleMatvecLU`): base → data `x = P L U u + b`, with P a fixed permutation (`(P v)_i = v_{perm[i]}`, as `Permute`),
 * L unit lower triangular, U upper triangular with diagonal `exp(s)`. The parameters are the strictly-lower entries of
 * L (`lower [D(D−1)/2]`, row by row), the strictly-upper entries of U (`upper [D(D−1)/2]`, row by row), the
 * log-diagonal `s [D]` (`logDiagonal`) and the bias `b [D]`; W = PLU is invertible for every parameter value.
 * `log|det ∂x/∂u| = Σ_i s_i` for every row (O(D), a constant Jacobian); the inverse is two triangular solves
 * `u = U⁻¹ L⁻¹ Pᵀ (x − b)`, O(D²) per row like the forward map. Both directions are parallel and differentiable.
 * It starts as `x = P u` (L = U = I, b = 0), so between MAF layers with `permutation: 'reverse'` it begins as the
 * reversal it replaces and learns a mixing of the features (`order: 'lu'` in the factories).
 * Shapes: `u, x [n, features]`.
 *
 * @example
 * import { LuLinear, matrix, toArrays } from 'maflow';
 * const lu = new LuLinear({ features: 2, permutation: 'reverse' });
 * lu.logDiagonal.value[0] = Math.log(2);   // U = [[2, 0], [0, 1]]
 * const { output, logDet } = lu.forwardAndLogDet(matrix([[1, 3]]));
 * console.log(toArrays(output), logDet, toArrays(lu.inverse(output))); // → [ [ 3, 2 ] ] Float64Array(1) [ 0.693… ] [ [ 1, 3 ] ]
 */
export class LuLinear extends InPlaceBijector {
  readonly features: number;
  readonly contextFeatures = 0;
  readonly dtype: Dtype;
  readonly inverseIsParallel = true;
  readonly forwardIsParallel = true;
  readonly permutation: Int32Array;
  readonly lower: Parameter;
  readonly upper: Parameter;
  readonly logDiagonal: Parameter;
  readonly bias: Parameter;
  private readonly inversePermutation: Int32Array;

  /** `Σ s` for every row. */
  override get isConstantJacobian(): boolean {
    return true;
  }

  constructor(options: LuLinearOptions) {
    super();
    const D = options.features;
    if (!Number.isInteger(D) || D < 1) throw new RangeError(`LuLinear: features must be a positive integer, got ${D}`);
    this.features = D;
    this.dtype = options.dtype ?? 'float32';
    const p = options.permutation ?? 'identity';
    this.permutation = p === 'identity' ? Int32Array.from({ length: D }, (_, i) => i)
      : new Permute({ features: D, permutation: p, rng: options.rng }).permutation;
    this.inversePermutation = new Int32Array(D);
    this.permutation.forEach((src, dst) => { this.inversePermutation[src] = dst; });
    const triangle = (D * (D - 1)) / 2;
    this.lower = new Parameter([triangle], this.dtype);
    this.upper = new Parameter([triangle], this.dtype);
    this.logDiagonal = new Parameter([D], this.dtype);
    this.bias = new Parameter([D], this.dtype);
  }

  config(): LuLinearConfig {
    return { type: 'LuLinear', features: this.features, permutation: Array.from(this.permutation), dtype: this.dtype };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return [
      [joinName(prefix, 'lower'), this.lower], [joinName(prefix, 'upper'), this.upper],
      [joinName(prefix, 'logDiagonal'), this.logDiagonal], [joinName(prefix, 'bias'), this.bias],
    ];
  }

  /**
   * The dense matrix `W = P L U` `[D, D]` (row-major, float64) of the forward map `x = W u + b`, for exporters that
   * multiply by it (the ONNX export): `W[k, j] = (L U)[perm[k], j]`.
   */
  weightMatrix(): Float64Array {
    const D = this.features;
    const L = this.lower.value;
    const U = this.upper.value;
    const lu = new Float64Array(D * D);
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) {
        // (L U)_ij = Σ_{m ≤ min(i, j)} L_im U_mj with L_ii = 1, U_mm = exp(s_m).
        let sum = 0;
        for (let m = 0; m <= Math.min(i, j); m++) {
          const l = m === i ? 1 : L[lowerOffset(i) + m];
          const u = m === j ? Math.exp(this.logDiagonal.value[m]) : U[upperOffset(m, D) - m - 1 + j];
          sum += l * u;
        }
        lu[i * D + j] = sum;
      }
    }
    const w = new Float64Array(D * D);
    for (let k = 0; k < D; k++) w.set(lu.subarray(this.permutation[k] * D, (this.permutation[k] + 1) * D), k * D);
    return w;
  }

  /** `Σ_i s_i`, the forward log-determinant of every row. */
  private logDetValue(): number {
    let sum = 0;
    for (const s of this.logDiagonal.value) sum += s;
    return sum;
  }

  protected override computeInto(direction: Direction, input: Matrix, _context: Matrix | null, out: Matrix,
    logDet: Float64Array): void {
    const v = new Float64Array(this.features);
    for (let r = 0; r < input.rows; r++) {
      if (direction === 'forward') this.forwardRow(input.data, r, out.data, v);
      else this.inverseRow(input.data, r, out.data, v);
    }
    const value = direction === 'forward' ? this.logDetValue() : -this.logDetValue();
    for (let r = 0; r < logDet.length; r++) logDet[r] += value;
  }

  /** Row r: `v = U u`, `x_i = (L v)_{perm[i]} + b_i`. */
  private forwardRow(u: FloatArray, r: number, x: FloatArray, v: Float64Array): void {
    const D = this.features;
    const o = r * D;
    const L = this.lower.value;
    const U = this.upper.value;
    const s = this.logDiagonal.value;
    for (let i = 0; i < D; i++) {
      let sum = Math.exp(s[i]) * u[o + i];
      const base = upperOffset(i, D) - i - 1;
      for (let j = i + 1; j < D; j++) sum += U[base + j] * u[o + j];
      v[i] = sum;
    }
    for (let i = 0; i < D; i++) {
      const w = v[i] + lowerSum(v, L, i);
      x[o + this.inversePermutation[i]] = w + this.bias.value[this.inversePermutation[i]];
    }
  }

  /** Row r: `w = Pᵀ(x − b)`, `L v = w` forward, `U u = v` backward; `v` is left holding L⁻¹w. */
  private inverseRow(x: FloatArray, r: number, u: FloatArray, v: Float64Array): void {
    const D = this.features;
    const o = r * D;
    const L = this.lower.value;
    const U = this.upper.value;
    const s = this.logDiagonal.value;
    for (let i = 0; i < D; i++) {
      const k = this.inversePermutation[i];
      v[i] = x[o + k] - this.bias.value[k] - lowerSum(v, L, i);
    }
    for (let i = D - 1; i >= 0; i--) {
      let sum = v[i];
      const base = upperOffset(i, D) - i - 1;
      for (let j = i + 1; j < D; j++) sum -= U[base + j] * u[o + j];
      u[o + i] = sum * Math.exp(-s[i]);
    }
  }

  protected override trainForward(u: Matrix): TrainPass {
    return this.trainPass('forward', u);
  }

  protected override trainInverse(x: Matrix): TrainPass {
    return this.trainPass('inverse', x);
  }

  /** The pass with `v = U u` per row kept for the backward (see `backwardRow`). */
  private trainPass(direction: Direction, input: Matrix): TrainPass {
    const n = input.rows;
    const D = this.features;
    const output = this.scratch.matrix(`train.${direction}`, n, D, this.dtype);
    const v = this.scratch.get(`train.v`, 'float64', n * D) as Float64Array;
    for (let r = 0; r < n; r++) {
      const row = v.subarray(r * D, (r + 1) * D);
      if (direction === 'forward') this.forwardRow(input.data, r, output.data, row);
      else this.inverseRow(input.data, r, output.data, row);
    }
    const logDet = this.scratch.zeroDoubles('train.logDet', n).fill(direction === 'forward' ? this.logDetValue() : -this.logDetValue());
    return {
      output,
      logDet,
      backward: (dOutput, dLogDet) => {
        const dInput = this.scratch.matrix(`train.d${direction}`, n, D, this.dtype);
        const u = direction === 'forward' ? input.data : output.data;
        const a = new Float64Array(D);
        const c = new Float64Array(D);
        for (let r = 0; r < n; r++) {
          const vr = v.subarray(r * D, (r + 1) * D);
          if (direction === 'forward') this.forwardBackwardRow(u, vr, dOutput.data, r, dInput.data, a, c);
          else this.inverseBackwardRow(u, vr, dOutput.data, r, dInput.data, a, c);
        }
        let total = 0;
        if (dLogDet !== null) for (let r = 0; r < n; r++) total += dLogDet[r];
        const sign = direction === 'forward' ? 1 : -1;
        for (let i = 0; i < D; i++) this.logDiagonal.grad[i] += sign * total;
        return { dInput, dContext: null };
      },
    };
  }

  /**
   * Forward `x = P L v + b`, `v = U u`: `∂w = Pᵀ ∂x`, `∂b += ∂x`, `∂v = Lᵀ ∂w`, `∂L_ij += ∂w_i v_j`, `∂u = Uᵀ ∂v`,
   * `∂U_ij += ∂v_i u_j`, `∂s_i += ∂v_i e^{s_i} u_i` (row r; `dw`, `dv` are scratch).
   */
  private forwardBackwardRow(u: FloatArray, v: Float64Array, dX: FloatArray, r: number, dU: FloatArray, dw: Float64Array,
    dv: Float64Array): void {
    const D = this.features;
    const o = r * D;
    for (let i = 0; i < D; i++) {
      const k = this.inversePermutation[i];
      dw[i] = dX[o + k];
      this.bias.grad[k] += dX[o + k];
    }
    this.lowerTransposeTimes(dw, dv, v, 1);
    this.upperTransposeTimes(dv, u, o, dU, 1);
  }

  /**
   * Inverse `u = U⁻¹ v`, `v = L⁻¹ Pᵀ(x − b)`: `a = U⁻ᵀ ∂u`, `∂U_ij −= a_i u_j`, `∂s_i −= a_i e^{s_i} u_i`, `c = L⁻ᵀ a`,
   * `∂L_ij −= c_i v_j`, `∂x = P c`, `∂b −= P c` (row r).
   */
  private inverseBackwardRow(u: FloatArray, v: Float64Array, dZ: FloatArray, r: number, dX: FloatArray, a: Float64Array,
    c: Float64Array): void {
    const D = this.features;
    const o = r * D;
    const L = this.lower.value;
    const U = this.upper.value;
    const s = this.logDiagonal.value;
    // Uᵀ a = ∂u (Uᵀ is lower triangular): forward substitution.
    for (let j = 0; j < D; j++) {
      let sum = dZ[o + j];
      for (let i = 0; i < j; i++) sum -= U[upperOffset(i, D) + j - i - 1] * a[i];
      a[j] = sum * Math.exp(-s[j]);
    }
    for (let i = 0; i < D; i++) {
      this.logDiagonal.grad[i] -= a[i] * Math.exp(s[i]) * u[o + i];
      const base = upperOffset(i, D) - i - 1;
      for (let j = i + 1; j < D; j++) this.upper.grad[base + j] -= a[i] * u[o + j];
    }
    // Lᵀ c = a (Lᵀ is unit upper triangular): back substitution.
    for (let j = D - 1; j >= 0; j--) {
      let sum = a[j];
      for (let i = j + 1; i < D; i++) sum -= L[lowerOffset(i) + j] * c[i];
      c[j] = sum;
    }
    for (let i = 1; i < D; i++) for (let j = 0; j < i; j++) this.lower.grad[lowerOffset(i) + j] -= c[i] * v[j];
    for (let i = 0; i < D; i++) {
      const k = this.inversePermutation[i];
      dX[o + k] = c[i];
      this.bias.grad[k] -= c[i];
    }
  }

  /** `dv = Lᵀ dw` and `∂L_ij += sign · dw_i v_j`. */
  private lowerTransposeTimes(dw: Float64Array, dv: Float64Array, v: Float64Array, sign: number): void {
    const D = this.features;
    const L = this.lower.value;
    const g = this.lower.grad;
    dv.set(dw);
    for (let i = 1; i < D; i++) {
      const base = lowerOffset(i);
      for (let j = 0; j < i; j++) {
        dv[j] += L[base + j] * dw[i];
        g[base + j] += sign * dw[i] * v[j];
      }
    }
  }

  /** `∂u = Uᵀ dv` into row o of `dU`, with `∂U_ij += dv_i u_j`, `∂s_i += dv_i e^{s_i} u_i`. */
  private upperTransposeTimes(dv: Float64Array, u: FloatArray, o: number, dU: FloatArray, sign: number): void {
    const D = this.features;
    const U = this.upper.value;
    const s = this.logDiagonal.value;
    for (let j = 0; j < D; j++) dU[o + j] = Math.exp(s[j]) * dv[j];
    for (let i = 0; i < D; i++) {
      this.logDiagonal.grad[i] += sign * dv[i] * Math.exp(s[i]) * u[o + i];
      const base = upperOffset(i, D) - i - 1;
      for (let j = i + 1; j < D; j++) {
        dU[o + j] += U[base + j] * dv[i];
        this.upper.grad[base + j] += sign * dv[i] * u[o + j];
      }
    }
  }
}

/** Index of L's entry (i, 0) in `lower` (row i holds i entries). */
function lowerOffset(i: number): number {
  return (i * (i - 1)) / 2;
}

/** Index of U's entry (i, i + 1) in `upper` (row i holds D − 1 − i entries). */
function upperOffset(i: number, D: number): number {
  return i * D - (i * (i + 1)) / 2;
}

/** `Σ_{j<i} L_ij v_j` (so `(L v)_i = v_i +` this). */
function lowerSum(v: Float64Array, L: FloatArray, i: number): number {
  let sum = 0;
  const base = lowerOffset(i);
  for (let j = 0; j < i; j++) sum += L[base + j] * v[j];
  return sum;
}
