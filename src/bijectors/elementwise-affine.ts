import type { Dtype, Matrix } from '../core/matrix.ts';
import { joinName, Parameter, type NamedParameters } from '../nn/parameter.ts';
import { Bijector, type BijectorConfig, type BijectorGradients, type BijectorResult, type TrainPass } from './bijector.ts';

/** Options of the elementwise affine bijectors (`Shift`, `Scale`). */
export interface ElementwiseAffineOptions {
  features: number;
  /** Whether the parameter is trainable. @default true */
  trainable?: boolean;
  /** @default 'float32' */
  dtype?: Dtype;
}

/**
 * The shared base of the elementwise bijectors `Shift` and `Scale`: one vector parameter `θ [features]`
 * (trainable unless `trainable: false`, then a constant stored in the config), no context, both directions parallel
 * and differentiable. A subclass gives the map `y = apply(m, sign)` (`sign = +1`: base → data, `−1`: data → base)
 * and its backward pass; this class does the options, the config, the parameter names and the train passes.
 * Shapes: inputs and outputs `[n, features]`, `θ [features]`.
 *
 * @example
 * import { Shift, matrix, toArrays } from 'maflow';
 * const shift = new Shift({ features: 2, shift: [1, -1] });   // Shift and Scale extend ElementwiseAffine
 * console.log(toArrays(shift.inverse(matrix([[1, -1]]))), shift.namedParameters().map(([name]) => name)); // → [ [ 0, 0 ] ] [ 'shift' ]
 */
export abstract class ElementwiseAffine extends Bijector {
  readonly features: number;
  readonly contextFeatures = 0;
  readonly dtype: Dtype;
  readonly inverseIsParallel = true;
  readonly forwardIsParallel = true;
  readonly trainable: boolean;
  /** The vector parameter `θ [features]` (a subclass exposes it under its own name). */
  protected readonly parameter: Parameter;

  /** The log-det depends on the parameter only. */
  override get isConstantJacobian(): boolean {
    return true;
  }

  /**
   * @param type the class name, used in errors and as the config's `type`
   * @param parameterName the parameter's name in `namedParameters`, in errors and (when constant) in the config
   * @param initial the initial (or constant) `θ [features]`; zeros when absent
   */
  protected constructor(
    private readonly type: string,
    private readonly parameterName: string,
    options: ElementwiseAffineOptions,
    initial: readonly number[] | undefined,
  ) {
    super();
    const D = options.features;
    if (!Number.isInteger(D) || D < 1) throw new RangeError(`${type}: features must be a positive integer, got ${D}`);
    this.features = D;
    this.dtype = options.dtype ?? 'float32';
    this.trainable = options.trainable ?? true;
    this.parameter = new Parameter([D], this.dtype);
    if (initial !== undefined) {
      if (initial.length !== D) throw new RangeError(`${type}: expected ${parameterName} [${D}], got [${initial.length}]`);
      this.parameter.value.set(initial);
    }
  }

  /** `{type, features, trainable, dtype}`, plus the constant parameter when it is not trainable. */
  config(): BijectorConfig {
    return {
      type: this.type, features: this.features, trainable: this.trainable, dtype: this.dtype,
      ...(this.trainable ? {} : { [this.parameterName]: Array.from(this.parameter.value) }),
    };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return this.trainable ? [[joinName(prefix, this.parameterName), this.parameter]] : [];
  }

  protected computeForward(u: Matrix): BijectorResult {
    return this.apply(u, 1);
  }

  protected computeInverse(x: Matrix): BijectorResult {
    return this.apply(x, -1);
  }

  protected override trainForward(u: Matrix): TrainPass {
    return this.trainPass(u, 1);
  }

  protected override trainInverse(x: Matrix): TrainPass {
    return this.trainPass(x, -1);
  }

  /** The map in direction `sign` (+1 forward, −1 inverse) with its per-row log-determinant. */
  protected abstract apply(m: Matrix, sign: number): BijectorResult;

  /**
   * Accumulates `∂L/∂θ` into the parameter's grad (only when trainable) and returns `∂L/∂m`, given the `output` of
   * `apply(m, sign)`, `dOutput [n, features]` and `dLogDet [n]` (`null` = 0).
   */
  protected abstract backward(output: Matrix, dOutput: Matrix, dLogDet: Float64Array | null, sign: number): BijectorGradients;

  private trainPass(m: Matrix, sign: number): TrainPass {
    const result = this.apply(m, sign);
    return { ...result, backward: (dOutput, dLogDet) => this.backward(result.output, dOutput, dLogDet, sign) };
  }
}
