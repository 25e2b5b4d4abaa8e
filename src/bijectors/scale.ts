/**
 * An elementwise positive scale: `x = u · exp(s)` (base → data), `u = x · exp(−s)` (data → base), with the per-row
 * log-determinant `forwardLogDet = Σ_d s_d`. Shapes: `u, x [n, features]`, `s [features]` (the log-scale, a trainable
 * parameter unless `trainable: false`). Both directions are parallel and differentiable.
 *
 * @example
 * new Scale({ features: 2, logScale: [Math.log(2), 0] }).forward(matrix([[1, 1]])); // [[2, 1]]
 */
import { zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import { joinName, Parameter, type NamedParameters } from '../nn/parameter.ts';
import { Bijector, type BijectorConfig, type BijectorResult, type TrainPass } from './bijector.ts';

export interface ScaleOptions {
  features: number;
  /** Initial (or, when not trainable, constant) log-scale `[features]`. @default zeros */
  logScale?: readonly number[];
  /** Whether `s` is a trainable parameter. @default true */
  trainable?: boolean;
  /** @default 'float32' */
  dtype?: Dtype;
}

export interface ScaleConfig extends BijectorConfig {
  type: 'Scale';
  features: number;
  trainable: boolean;
  /** The constant log-scale (only when not trainable: a trainable one travels with the weights). */
  logScale?: number[];
  dtype: Dtype;
}

export class Scale extends Bijector {
  readonly features: number;
  readonly contextFeatures = 0;
  readonly dtype: Dtype;
  readonly inverseIsParallel = true;
  readonly forwardIsParallel = true;
  readonly trainable: boolean;
  /** The log-scale `s [features]`. */
  readonly logScale: Parameter;

  constructor(options: ScaleOptions) {
    super();
    const D = options.features;
    if (!Number.isInteger(D) || D < 1) throw new RangeError(`Scale: features must be a positive integer, got ${D}`);
    this.features = D;
    this.dtype = options.dtype ?? 'float32';
    this.trainable = options.trainable ?? true;
    this.logScale = new Parameter([D], this.dtype);
    if (options.logScale !== undefined) {
      if (options.logScale.length !== D) throw new RangeError(`Scale: expected logScale [${D}], got [${options.logScale.length}]`);
      this.logScale.value.set(options.logScale);
    }
  }

  config(): ScaleConfig {
    return {
      type: 'Scale', features: this.features, trainable: this.trainable, dtype: this.dtype,
      ...(this.trainable ? {} : { logScale: Array.from(this.logScale.value) }),
    };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return this.trainable ? [[joinName(prefix, 'logScale'), this.logScale]] : [];
  }

  protected computeForward(u: Matrix): BijectorResult {
    return this.apply(u, 1);
  }

  protected computeInverse(x: Matrix): BijectorResult {
    return this.apply(x, -1);
  }

  protected override trainForward(u: Matrix): TrainPass {
    const result = this.apply(u, 1);
    return { ...result, backward: (dOutput, dLogDet) => this.backward(result.output, dOutput, dLogDet, 1) };
  }

  protected override trainInverse(x: Matrix): TrainPass {
    const result = this.apply(x, -1);
    return { ...result, backward: (dOutput, dLogDet) => this.backward(result.output, dOutput, dLogDet, -1) };
  }

  /** `m · exp(sign · s)` with log-det `sign · Σ s`. */
  private apply(m: Matrix, sign: number): BijectorResult {
    const D = this.features;
    const output = zeros(m.rows, D, this.dtype);
    let logDet = 0;
    for (let d = 0; d < D; d++) logDet += sign * this.logScale.value[d];
    for (let k = 0; k < m.data.length; k++) output.data[k] = m.data[k] * Math.exp(sign * this.logScale.value[k % D]);
    return { output, logDet: new Float64Array(m.rows).fill(logDet) };
  }

  /** With `y = m · exp(sign · s)`: `∂y/∂m = exp(sign · s)`, `∂y/∂s = sign · y`, `∂logDet/∂s = sign`. */
  private backward(output: Matrix, dOutput: Matrix, dLogDet: Float64Array | null, sign: number): { dInput: Matrix; dContext: null } {
    const D = this.features;
    const n = dOutput.rows;
    const dInput = zeros(n, D, this.dtype);
    for (let k = 0; k < dOutput.data.length; k++) dInput.data[k] = dOutput.data[k] * Math.exp(sign * this.logScale.value[k % D]);
    if (this.trainable) {
      let dLogDetSum = 0;
      if (dLogDet !== null) for (let r = 0; r < n; r++) dLogDetSum += dLogDet[r];
      for (let k = 0; k < dOutput.data.length; k++) this.logScale.grad[k % D] += sign * dOutput.data[k] * output.data[k];
      for (let d = 0; d < D; d++) this.logScale.grad[d] += sign * dLogDetSum;
    }
    return { dInput, dContext: null };
  }
}
