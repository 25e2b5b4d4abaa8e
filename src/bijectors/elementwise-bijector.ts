import type { Dtype, Matrix } from '../core/matrix.ts';
import { nextFloat } from '../core/next-float.ts';
import { InPlaceBijector, type Direction, type TrainPass } from './bijector.ts';
import { SCALAR_BIJECTIONS, type ScalarBijection, type ScalarBijectionName } from './scalar-bijections.ts';

/** One column of an `ElementwiseBijector`: `x = shift + scale · f(u)`, or the identity when `map` is null. */
export interface ElementwiseColumn {
  map: ScalarBijectionName | null;
  /** @default 0 */
  shift?: number;
  /** Non-zero and finite; negative flips the support (an upper bound). @default 1 */
  scale?: number;
}

/**
 * The shared base of the parameter-free elementwise bijectors (`Sigmoid`, `Tanh`, `Exp`, `Softplus`, `Bounds`): column
 * c maps the real line onto an open interval, `x_c = shift_c + scale_c · f_c(u_c)` (base → data) with
 * `log|∂x_c/∂u_c| = log|scale_c| + log f_c'(u_c)`, or is the identity. Both directions are parallel and differentiable
 * in the input; there is no context.
 *
 * At the extremes: `forward` keeps every value strictly inside its column's open support in this bijector's dtype
 * (a sigmoid of 40 is the largest value below 1, not 1), so every sample has a finite density; `inverse` of a point
 * outside the open support (on a bound, or beyond) is a point of density zero, not an error: its output is 0 (a finite
 * placeholder that later layers can carry) and its log-determinant −Infinity, so the flow's log-density there is
 * −Infinity, never NaN. (NaN in gives NaN out: `validateArgs` refuses it at the public methods.)
 * Shapes: `u, x [n, features]`.
 */
export abstract class ElementwiseBijector extends InPlaceBijector {
  readonly features: number;
  readonly contextFeatures = 0;
  readonly dtype: Dtype;
  readonly inverseIsParallel = true;
  readonly forwardIsParallel = true;
  /** Per column: the map (null = identity), shift, scale, log|scale| and the data-side open support. */
  private readonly maps: (ScalarBijection | null)[];
  private readonly shifts: Float64Array;
  private readonly scales: Float64Array;
  private readonly logScales: Float64Array;
  private readonly lows: Float64Array;
  private readonly highs: Float64Array;
  /** The values of `dtype` just inside the support (what a saturated forward value becomes). */
  private readonly lowInside: Float64Array;
  private readonly highInside: Float64Array;

  /** Only when every column is the identity. */
  override get isConstantJacobian(): boolean {
    return this.isIdentity;
  }

  /** Per column, its map `x = shift + scale · f(u)` as given to the constructor (for exporters: the ONNX export). */
  readonly columns: readonly ElementwiseColumn[];

  protected constructor(type: string, features: number, dtype: Dtype, columns: readonly ElementwiseColumn[]) {
    super();
    if (!Number.isInteger(features) || features < 1) throw new RangeError(`${type}: features must be a positive integer, got ${features}`);
    if (columns.length !== features) throw new RangeError(`${type}: expected ${features} columns, got ${columns.length}`);
    this.features = features;
    this.dtype = dtype;
    this.columns = columns.map((c) => ({ ...c }));
    this.maps = columns.map((c) => (c.map === null ? null : SCALAR_BIJECTIONS[c.map]));
    this.shifts = Float64Array.from(columns, (c) => c.shift ?? 0);
    this.scales = Float64Array.from(columns, (c) => c.scale ?? 1);
    this.logScales = this.scales.map((s) => Math.log(Math.abs(s)));
    this.lows = new Float64Array(features);
    this.highs = new Float64Array(features);
    this.maps.forEach((f, d) => {
      const shift = this.shifts[d];
      const scale = this.scales[d];
      if (!Number.isFinite(shift) || !Number.isFinite(scale) || scale === 0) {
        throw new RangeError(`${type}: column ${d} needs a finite shift and a finite non-zero scale, got ${shift} and ${scale}`);
      }
      const a = f === null ? -Infinity : shift + scale * f.low;
      const b = f === null ? Infinity : shift + scale * f.high;
      this.lows[d] = Math.min(a, b);
      this.highs[d] = Math.max(a, b);
    });
    this.lowInside = this.lows.map((v) => nextFloat(v, 1, dtype));
    this.highInside = this.highs.map((v) => nextFloat(v, -1, dtype));
  }

  /** The open support of column d in data space, `(low, high)` (±Infinity when unbounded). */
  support(d: number): [number, number] {
    return [this.lows[d], this.highs[d]];
  }

  /** Whether the bijection is the identity in every column (then its Jacobian is constant). */
  protected get isIdentity(): boolean {
    return this.maps.every((f) => f === null);
  }

  protected override computeInto(direction: Direction, input: Matrix, _context: Matrix | null, out: Matrix,
    logDet: Float64Array): void {
    if (direction === 'forward') this.applyForward(input, out, logDet);
    else this.applyInverse(input, out, logDet);
  }

  protected override trainForward(u: Matrix): TrainPass {
    return this.trainPass('forward', u);
  }

  protected override trainInverse(x: Matrix): TrainPass {
    return this.trainPass('inverse', x);
  }

  private applyForward(u: Matrix, out: Matrix, logDet: Float64Array): void {
    const D = this.features;
    for (let r = 0; r < u.rows; r++) {
      let sum = 0;
      for (let d = 0; d < D; d++) {
        const k = r * D + d;
        const f = this.maps[d];
        const v = u.data[k];
        if (f === null) {
          out.data[k] = v;
          continue;
        }
        let x = this.shifts[d] + this.scales[d] * f.forward(v);
        if (this.dtype === 'float32') x = Math.fround(x);
        if (!(x > this.lows[d])) x = this.lowInside[d];
        else if (!(x < this.highs[d])) x = this.highInside[d];
        out.data[k] = Number.isNaN(v) ? NaN : x;
        sum += this.logScales[d] + f.logDerivative(v);
      }
      logDet[r] += sum;
    }
  }

  private applyInverse(x: Matrix, out: Matrix, logDet: Float64Array): void {
    const D = this.features;
    for (let r = 0; r < x.rows; r++) {
      let sum = 0;
      for (let d = 0; d < D; d++) {
        const k = r * D + d;
        const f = this.maps[d];
        const v = x.data[k];
        if (f === null) {
          out.data[k] = v;
          continue;
        }
        if (!(v > this.lows[d] && v < this.highs[d])) {
          // Outside the open support: density zero (NaN stays NaN).
          out.data[k] = Number.isNaN(v) ? NaN : 0;
          sum += Number.isNaN(v) ? NaN : -Infinity;
          continue;
        }
        const u = this.baseValue(f, d, v);
        out.data[k] = u;
        sum -= this.logScales[d] + f.logDerivative(u);
      }
      logDet[r] += sum;
    }
  }

  /** `f⁻¹((x − shift) / scale)` for x inside the support, kept finite when the division rounds onto f's bound. */
  private baseValue(f: ScalarBijection, d: number, x: number): number {
    let t = (x - this.shifts[d]) / this.scales[d];
    if (!(t > f.low)) t = nextFloat(f.low, 1);
    else if (!(t < f.high)) t = nextFloat(f.high, -1);
    return f.inverse(t);
  }

  /**
   * Backward, with `u` the base-side value of each entry: forward `∂L/∂u = ∂L/∂x · scale f'(u) + ∂L/∂logDet · (log f')'(u)`;
   * inverse `∂L/∂x = (∂L/∂u − ∂L/∂logDet · (log f')'(u)) / (scale f'(u))`. Entries outside the support get 0.
   */
  private trainPass(direction: Direction, input: Matrix): TrainPass {
    const { rows } = input;
    const D = this.features;
    const output = this.scratch.matrix(`train.${direction}`, rows, D, this.dtype);
    const logDet = this.scratch.zeroDoubles('train.logDet', rows);
    this.computeInto(direction, input, null, output, logDet);
    return {
      output,
      logDet,
      backward: (dOutput, dLogDet) => {
        const dInput = this.scratch.matrix(`train.d${direction}`, rows, D, this.dtype);
        for (let r = 0; r < rows; r++) {
          const gl = dLogDet === null ? 0 : dLogDet[r];
          for (let d = 0; d < D; d++) {
            const k = r * D + d;
            const f = this.maps[d];
            if (f === null) {
              dInput.data[k] = dOutput.data[k];
              continue;
            }
            if (direction === 'forward') {
              const u = input.data[k];
              dInput.data[k] = dOutput.data[k] * this.scales[d] * Math.exp(f.logDerivative(u)) + gl * f.logDerivativeSlope(u);
            } else {
              const v = input.data[k];
              if (!(v > this.lows[d] && v < this.highs[d])) {
                dInput.data[k] = 0;
                continue;
              }
              const u = output.data[k];
              dInput.data[k] = (dOutput.data[k] - gl * f.logDerivativeSlope(u)) * Math.exp(-f.logDerivative(u)) / this.scales[d];
            }
          }
        }
        return { dInput, dContext: null };
      },
    };
  }
}
