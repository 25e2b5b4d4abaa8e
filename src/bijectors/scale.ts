import { zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import type { Parameter } from '../nn/parameter.ts';
import type { BijectorConfig, BijectorGradients, BijectorResult } from './bijector.ts';
import { ElementwiseAffine } from './elementwise-affine.ts';

/** Options of `new Scale(options)`. */
export interface ScaleOptions {
  features: number;
  /** Initial (or, when not trainable, constant) log-scale `[features]`. @default zeros */
  logScale?: readonly number[];
  /** Whether `s` is a trainable parameter. @default true */
  trainable?: boolean;
  /** @default 'float32' */
  dtype?: Dtype;
}

/** The serialised form of a `Scale` (`config()`). */
export interface ScaleConfig extends BijectorConfig {
  type: 'Scale';
  features: number;
  trainable: boolean;
  /** The constant log-scale (only when not trainable: a trainable one travels with the weights). */
  logScale?: number[];
  dtype: Dtype;
}

/**
 * An elementwise positive scale: `x = u · exp(s)` (base → data), `u = x · exp(−s)` (data → base), with the per-row
 * log-determinant `forwardLogDet = Σ_d s_d`. Shapes: `u, x [n, features]`, `s [features]` (the log-scale, a trainable
 * parameter unless `trainable: false`). Both directions are parallel and differentiable.
 *
 * @example
 * import { Scale, matrix, toArrays } from 'maflow';
 * const scale = new Scale({ features: 2, logScale: [Math.log(2), 0] });
 * const u = matrix([[1, 1]]);
 * console.log(toArrays(scale.forward(u)), scale.forwardLogDetJacobian(u)); // → [ [ 2, 1 ] ] Float64Array(1) [ 0.69… ] (log 2)
 */
export class Scale extends ElementwiseAffine {
  /** The log-scale `s [features]`. */
  readonly logScale: Parameter;

  constructor(options: ScaleOptions) {
    super('Scale', 'logScale', options, options.logScale);
    this.logScale = this.parameter;
  }

  override config(): ScaleConfig {
    return super.config() as ScaleConfig;
  }

  /** `m · exp(sign · s)` with log-det `sign · Σ s`. */
  protected apply(m: Matrix, sign: number): BijectorResult {
    const D = this.features;
    const output = zeros(m.rows, D, this.dtype);
    let logDet = 0;
    for (let d = 0; d < D; d++) logDet += sign * this.logScale.value[d];
    for (let k = 0; k < m.data.length; k++) output.data[k] = m.data[k] * Math.exp(sign * this.logScale.value[k % D]);
    return { output, logDet: new Float64Array(m.rows).fill(logDet) };
  }

  /** With `y = m · exp(sign · s)`: `∂y/∂m = exp(sign · s)`, `∂y/∂s = sign · y`, `∂logDet/∂s = sign`. */
  protected backward(output: Matrix, dOutput: Matrix, dLogDet: Float64Array | null, sign: number): BijectorGradients {
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
