import { zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import type { Parameter } from '../nn/parameter.ts';
import type { BijectorConfig, BijectorGradients, BijectorResult } from './bijector.ts';
import { ElementwiseAffine } from './elementwise-affine.ts';

/** Options of `new Shift(options)`. */
export interface ShiftOptions {
  features: number;
  /** Initial (or, when not trainable, constant) shift `[features]`. @default zeros */
  shift?: readonly number[];
  /** Whether `b` is a trainable parameter. @default true */
  trainable?: boolean;
  /** @default 'float32' */
  dtype?: Dtype;
}

/** The serialised form of a `Shift` (`config()`). */
export interface ShiftConfig extends BijectorConfig {
  type: 'Shift';
  features: number;
  trainable: boolean;
  /** The constant shift (only when not trainable: a trainable one travels with the weights). */
  shift?: number[];
  dtype: Dtype;
}

/**
 * An elementwise shift: `x = u + b` (base → data), `u = x − b` (data → base); log-determinant 0.
 * Shapes: `u, x [n, features]`, `b [features]`. Both directions are parallel and differentiable; `b` is a trainable
 * parameter unless `trainable: false` (then it is a constant stored in the config).
 *
 * @example
 * import { Shift, matrix, toArrays } from 'maflow';
 * const shift = new Shift({ features: 2, shift: [1, -1] });
 * console.log(toArrays(shift.forward(matrix([[0, 0]])))); // → [ [ 1, -1 ] ]
 */
export class Shift extends ElementwiseAffine {
  /** The shift `b [features]`. */
  readonly shift: Parameter;

  constructor(options: ShiftOptions) {
    super('Shift', 'shift', options, options.shift);
    this.shift = this.parameter;
  }

  override config(): ShiftConfig {
    return super.config() as ShiftConfig;
  }

  /** `m + sign · b` row by row; log-det 0. */
  protected apply(m: Matrix, sign: number): BijectorResult {
    const D = this.features;
    const output = zeros(m.rows, D, this.dtype);
    for (let k = 0; k < m.data.length; k++) output.data[k] = m.data[k] + sign * this.shift.value[k % D];
    return { output, logDet: new Float64Array(m.rows) };
  }

  /** `∂y/∂m = 1`, `∂y/∂b = sign`. */
  protected backward(_output: Matrix, dOutput: Matrix, _dLogDet: Float64Array | null, sign: number): BijectorGradients {
    const D = this.features;
    const dInput = zeros(dOutput.rows, D, this.dtype);
    dInput.data.set(dOutput.data);
    if (this.trainable) for (let k = 0; k < dOutput.data.length; k++) this.shift.grad[k % D] += sign * dOutput.data[k];
    return { dInput, dContext: null };
  }
}
