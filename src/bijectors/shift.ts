/**
 * An elementwise shift: `x = u + b` (base → data), `u = x − b` (data → base); log-determinant 0.
 * Shapes: `u, x [n, features]`, `b [features]`. Both directions are parallel and differentiable; `b` is a trainable
 * parameter unless `trainable: false` (then it is a constant stored in the config).
 *
 * @example
 * new Shift({ features: 2, shift: [1, -1] }).forward(matrix([[0, 0]])); // [[1, -1]]
 */
import { zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import { joinName, Parameter, type NamedParameters } from '../nn/parameter.ts';
import { Bijector, type BijectorConfig, type BijectorResult, type TrainPass } from './bijector.ts';

export interface ShiftOptions {
  features: number;
  /** Initial (or, when not trainable, constant) shift `[features]`. @default zeros */
  shift?: readonly number[];
  /** Whether `b` is a trainable parameter. @default true */
  trainable?: boolean;
  /** @default 'float32' */
  dtype?: Dtype;
}

export interface ShiftConfig extends BijectorConfig {
  type: 'Shift';
  features: number;
  trainable: boolean;
  /** The constant shift (only when not trainable: a trainable one travels with the weights). */
  shift?: number[];
  dtype: Dtype;
}

export class Shift extends Bijector {
  readonly features: number;
  readonly contextFeatures = 0;
  readonly dtype: Dtype;
  readonly inverseIsParallel = true;
  readonly forwardIsParallel = true;
  readonly trainable: boolean;
  /** The shift `b [features]`. */
  readonly shift: Parameter;

  constructor(options: ShiftOptions) {
    super();
    const D = options.features;
    if (!Number.isInteger(D) || D < 1) throw new RangeError(`Shift: features must be a positive integer, got ${D}`);
    this.features = D;
    this.dtype = options.dtype ?? 'float32';
    this.trainable = options.trainable ?? true;
    this.shift = new Parameter([D], this.dtype);
    if (options.shift !== undefined) {
      if (options.shift.length !== D) throw new RangeError(`Shift: expected shift [${D}], got [${options.shift.length}]`);
      this.shift.value.set(options.shift);
    }
  }

  config(): ShiftConfig {
    return {
      type: 'Shift', features: this.features, trainable: this.trainable, dtype: this.dtype,
      ...(this.trainable ? {} : { shift: Array.from(this.shift.value) }),
    };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return this.trainable ? [[joinName(prefix, 'shift'), this.shift]] : [];
  }

  protected computeForward(u: Matrix): BijectorResult {
    return { output: this.add(u, 1), logDet: new Float64Array(u.rows) };
  }

  protected computeInverse(x: Matrix): BijectorResult {
    return { output: this.add(x, -1), logDet: new Float64Array(x.rows) };
  }

  protected override trainForward(u: Matrix): TrainPass {
    return { ...this.computeForward(u), backward: (dOutput) => this.backward(dOutput, 1) };
  }

  protected override trainInverse(x: Matrix): TrainPass {
    return { ...this.computeInverse(x), backward: (dOutput) => this.backward(dOutput, -1) };
  }

  /** `m + sign · b` row by row. */
  private add(m: Matrix, sign: number): Matrix {
    const D = this.features;
    const out = zeros(m.rows, D, this.dtype);
    for (let k = 0; k < m.data.length; k++) out.data[k] = m.data[k] + sign * this.shift.value[k % D];
    return out;
  }

  private backward(dOutput: Matrix, sign: number): { dInput: Matrix; dContext: null } {
    const D = this.features;
    const dInput = zeros(dOutput.rows, D, this.dtype);
    dInput.data.set(dOutput.data);
    if (this.trainable) for (let k = 0; k < dOutput.data.length; k++) this.shift.grad[k % D] += sign * dOutput.data[k];
    return { dInput, dContext: null };
  }
}
