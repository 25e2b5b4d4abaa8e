import { checkContext } from '../core/check-context.ts';
import { checkFinite } from '../core/check-finite.ts';
import { checkShape, rowSlice, zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import { toDtype } from '../core/to-dtype.ts';
import { Trainable } from '../nn/trainable.ts';
import { Scratch } from '../nn/scratch.ts';

/** Options every bijector method takes. */
export interface BijectorCallOptions {
  /** Conditioning values `[n, contextFeatures]`; required when `contextFeatures > 0`. */
  context?: Matrix;
  /**
   * Check the values of the input and the context (TFP's `validate_args`) in `forward`, `inverse`, their log-dets
   * and `forwardAndLogDet` / `inverseAndLogDet`: a NaN, ±Infinity (no bijector here has a limit there), or a
   * float64 value beyond the range of a float32 bijector throws a `DataError` naming the method, the tensor, row and
   * column. One comparison per value; switch it off in a hot loop over values already checked. The train passes
   * never check (`fit` handles its data). Independently of this option, a float64 value passed into float32 layers
   * inside a composition (after a float64 `Standardize`) must fit float32, or it would turn into NaN. @default true
   */
  validateArgs?: boolean;
}

/** An output with its per-row log-determinant. */
export interface BijectorResult {
  output: Matrix;
  logDet: Float64Array;
}

/** Gradients returned by a backward pass. */
export interface BijectorGradients {
  dInput: Matrix;
  /** Gradient with respect to the context (`null` when there is none). */
  dContext: Matrix | null;
}

/** A differentiable evaluation of one direction. */
export interface TrainPass extends BijectorResult {
  /**
   * (`output`, `logDet` and the returned gradients may be the bijector's reusable buffers: they are valid until its
   * next train pass, so a bijector instance appears at most once in a model.)
   *
   * Given `dOutput = ∂L/∂output` and `dLogDet = ∂L/∂logDet` (per row; `null` = 0), accumulates `∂L/∂θ` into the
   * parameters' `grad` and returns `∂L/∂input` and `∂L/∂context`.
   */
  backward(dOutput: Matrix, dLogDet: Float64Array | null): BijectorGradients;
}

/** `forward` maps base → data, `inverse` data → base. */
export type Direction = 'forward' | 'inverse';

/** A JSON description from which `createBijector` rebuilds the bijector (weights aside). */
export interface BijectorConfig {
  type: string;
  [key: string]: unknown;
}

/**
 * The bijector contract (TensorFlow Probability's semantics). A bijector maps **base space → data space** with
 * `forward` and data → base with `inverse`; log-determinants are per row (`Float64Array [n]`):
 * `forwardLogDetJacobian(u) = log|det ∂forward(u)/∂u|`, `inverseLogDetJacobian(x) = −forwardLogDetJacobian(inverse(x))`.
 * Every method takes an optional `context [n, contextFeatures]` (conditional flows); shapes are checked here, at the
 * public boundary, and inputs in another dtype than the bijector's are converted.
 *
 * Training goes through *parallel* directions only: `inverseTrain` / `forwardTrain` return a `TrainPass` whose
 * `backward` accumulates parameter gradients and returns the input and context gradients. A direction that is
 * sequential (MAF's forward) throws there.
 */
export abstract class Bijector extends Trainable {
  /** Number of features D: inputs and outputs are `[n, D]`. */
  abstract readonly features: number;
  /** Width of the context input (0 = unconditional). */
  abstract readonly contextFeatures: number;
  /** Element type of the parameters; inputs are converted to it. */
  abstract readonly dtype: Dtype;
  /** Buffers reused by the train passes (the training loop allocates nothing per step). */
  protected readonly scratch = new Scratch();

  /** Data → base is the direction this bijector computes in one parallel pass (true for MAF; false for IAF). */
  abstract readonly inverseIsParallel: boolean;
  /** Base → data is parallel (false for MAF: its forward is the sequential pass). */
  abstract readonly forwardIsParallel: boolean;

  /**
   * Whether the log-determinant is the same for every input and context (TFP's `is_constant_jacobian`): true for
   * permutations, shifts, scales, `Standardize`, `LuLinear`, `ActNorm`, a batch normalisation in evaluation mode, a
   * shift-only MAF or coupling, and chains and inverses of those. The log-det methods then evaluate one row and copy
   * it (a shift-only MAF's sequential log-det costs one row, not n). Conservatively false unless a bijector knows better.
   */
  get isConstantJacobian(): boolean {
    return false;
  }

  /**
   * The event shape `forward` produces from an input event of shape `shape` (TFP's `forward_event_shape`): `[D]` for
   * `[D]` — every maflow bijector keeps the dimension. Throws naming the shapes when `shape` is not `[features]`.
   */
  forwardEventShape(shape: readonly number[]): number[] {
    return this.eventShape('forwardEventShape', shape);
  }

  /** The event shape `inverse` produces from an input event of shape `shape` (TFP's `inverse_event_shape`). */
  inverseEventShape(shape: readonly number[]): number[] {
    return this.eventShape('inverseEventShape', shape);
  }

  private eventShape(method: string, shape: readonly number[]): number[] {
    if (!Array.isArray(shape) || shape.length !== 1 || shape[0] !== this.features) {
      const got = Array.isArray(shape) ? shape.join(', ') : String(shape);
      throw new RangeError(`${this.constructor.name}.${method}: expected the event shape [${this.features}], got [${got}]`);
    }
    return [this.features];
  }

  protected abstract computeForward(u: Matrix, context: Matrix | null): BijectorResult;
  protected abstract computeInverse(x: Matrix, context: Matrix | null): BijectorResult;

  /** Base → data: `x = f(u)`. */
  forward(u: Matrix, options?: BijectorCallOptions): Matrix {
    return this.forwardAndLogDet(u, options).output;
  }

  /** Data → base: `u = f⁻¹(x)`. */
  inverse(x: Matrix, options?: BijectorCallOptions): Matrix {
    return this.inverseAndLogDet(x, options).output;
  }

  /** `log|det ∂f(u)/∂u|` per row (one row evaluated when `isConstantJacobian`). */
  forwardLogDetJacobian(u: Matrix, options?: BijectorCallOptions): Float64Array {
    if (this.isConstantJacobian && u?.rows > 1) return this.constantLogDet('forward', u, options);
    return this.forwardAndLogDet(u, options).logDet;
  }

  /** `log|det ∂f⁻¹(x)/∂x|` per row (one row evaluated when `isConstantJacobian`). */
  inverseLogDetJacobian(x: Matrix, options?: BijectorCallOptions): Float64Array {
    if (this.isConstantJacobian && x?.rows > 1) return this.constantLogDet('inverse', x, options);
    return this.inverseAndLogDet(x, options).logDet;
  }

  /** The log-det of a constant-Jacobian bijector: the input checked as usual, then one row evaluated and copied. */
  private constantLogDet(direction: Direction, input: Matrix, options?: BijectorCallOptions): Float64Array {
    const [checked, context] = this.checkCall(direction, direction === 'forward' ? 'u' : 'x', input, options,
      options?.validateArgs === false ? 'shapes' : 'values');
    const first = rowSlice(checked, 0, 1);
    const firstContext = context === null ? null : rowSlice(context, 0, 1);
    const r = direction === 'forward' ? this.computeForward(first, firstContext) : this.computeInverse(first, firstContext);
    return new Float64Array(input.rows).fill(r.logDet[0]);
  }

  /** `forward` and its log-determinant in one pass. */
  forwardAndLogDet(u: Matrix, options?: BijectorCallOptions): BijectorResult {
    const [input, context] = this.checkCall('forward', 'u', u, options, options?.validateArgs === false ? 'shapes' : 'values');
    return this.computeForward(input, context);
  }

  /** `inverse` and its log-determinant in one pass. */
  inverseAndLogDet(x: Matrix, options?: BijectorCallOptions): BijectorResult {
    const [input, context] = this.checkCall('inverse', 'x', x, options, options?.validateArgs === false ? 'shapes' : 'values');
    return this.computeInverse(input, context);
  }

  /** A differentiable data → base pass (maximum-likelihood training of MAF-type flows). */
  inverseTrain(x: Matrix, options?: BijectorCallOptions): TrainPass {
    const [input, context] = this.checkCall('inverseTrain', 'x', x, options);
    return this.trainInverse(input, context);
  }

  /** A differentiable base → data pass (reverse-KL training of IAF-type flows). */
  forwardTrain(u: Matrix, options?: BijectorCallOptions): TrainPass {
    const [input, context] = this.checkCall('forwardTrain', 'u', u, options);
    return this.trainForward(input, context);
  }

  /**
   * One evaluation pass into caller-owned buffers, for compositions: writes `out [n, D]` (this bijector's dtype; it
   * must not alias `input`) and adds the per-row log-determinant into `logDet`. `input` and `context` are checked and
   * converted already. The default runs computeForward / computeInverse and copies; bijectors whose kernels write in
   * place override it, so that a Chain of them allocates nothing per member (a fresh large typed array costs a page
   * fault per 4 KiB, about as much as a whole layer of a small flow).
   */
  protected computeInto(direction: Direction, input: Matrix, context: Matrix | null, out: Matrix, logDet: Float64Array): void {
    const r = direction === 'forward' ? this.computeForward(input, context) : this.computeInverse(input, context);
    out.data.set(r.output.data);
    for (let k = 0; k < logDet.length; k++) logDet[k] += r.logDet[k];
  }

  /** computeForward / computeInverse for a bijector that overrides computeInto: a fresh output and log-determinant. */
  protected resultInto(direction: Direction, input: Matrix, context: Matrix | null): BijectorResult {
    const output = zeros(input.rows, this.features, this.dtype);
    const logDet = new Float64Array(input.rows);
    this.computeInto(direction, input, context, output, logDet);
    return { output, logDet };
  }

  /** `b.computeInto` for a member `b` of a composition, after `b`'s own checks and conversions of the input. */
  protected static passInto(b: Bijector, direction: Direction, input: Matrix, options: BijectorCallOptions, out: Matrix,
    logDet: Float64Array): void {
    const [checked, context] = b.checkCall(direction, direction === 'forward' ? 'u' : 'x', input, options);
    b.computeInto(direction, checked, context, out, logDet);
  }

  protected trainInverse(_x: Matrix, _context: Matrix | null): TrainPass {
    throw new Error(`${this.constructor.name}.inverseTrain: the inverse direction is not differentiable here (it is sequential)`);
  }

  protected trainForward(_u: Matrix, _context: Matrix | null): TrainPass {
    throw new Error(`${this.constructor.name}.forwardTrain: the forward direction is not differentiable here (it is sequential)`);
  }

  abstract config(): BijectorConfig;

  /**
   * Checks the input and context shapes (and, with `check: 'values'`, their values: the public methods), naming the
   * method, and converts them to this bijector's dtype. Members of a composition and train passes check shapes only.
   */
  protected checkCall(method: string, name: string, input: Matrix, options?: BijectorCallOptions,
    check: 'shapes' | 'values' = 'shapes'): [Matrix, Matrix | null] {
    const where = `${this.constructor.name}.${method}`;
    checkShape(where, name, input, this.features);
    const context = this.checkContext(where, input.rows, options?.context, check);
    if (check === 'values') checkFinite(where, name, input, { dtype: this.dtype });
    // A float64 value (a float64 Standardize's output) narrowed into float32 layers must fit, or it would become ±Inf
    // and then NaN inside the network: checked at the narrowing only, so once per call, whatever the caller checked.
    else if (this.dtype === 'float32' && input.data instanceof Float64Array) {
      checkFinite(where, name, input, { dtype: 'float32', allowInfinity: true, allowNaN: true });
    }
    return [this.toDtype(input), context];
  }

  protected checkContext(where: string, rows: number, context: Matrix | undefined, check: 'shapes' | 'values' = 'shapes'): Matrix | null {
    return checkContext(where, 'bijector',
      { contextFeatures: this.contextFeatures, rows, dtype: this.dtype, validate: check === 'values' }, context);
  }

  protected toDtype(m: Matrix): Matrix {
    return toDtype(m, this.dtype);
  }
}

/**
 * A bijector whose passes write into caller-owned buffers: it implements `computeInto` only, and its fresh-result
 * passes (`forwardAndLogDet`, `inverseAndLogDet`, …) allocate the output and log-determinant and run it.
 */
export abstract class InPlaceBijector extends Bijector {
  protected abstract override computeInto(direction: Direction, input: Matrix, context: Matrix | null, out: Matrix,
    logDet: Float64Array): void;

  protected computeForward(u: Matrix, context: Matrix | null): BijectorResult {
    return this.resultInto('forward', u, context);
  }

  protected computeInverse(x: Matrix, context: Matrix | null): BijectorResult {
    return this.resultInto('inverse', x, context);
  }
}
