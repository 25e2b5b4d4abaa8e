import type { FloatArray } from '../core/matrix.ts';
import { kernels } from '../kernels/backend.ts';
import type { Transformer, TransformerConfig } from './transformer.ts';

/** Options of `new AffineTransformer(options)`. */
export interface AffineTransformerOptions {
  /** Only a shift (constant, zero log-determinant). @default false */
  shiftOnly?: boolean;
  /** Bound c of the soft clip `s = c·tanh(r/c)`; `Infinity` disables it. @default 5 */
  logScaleBound?: number;
}

/**
 * The affine transformer of MAF, IAF and Real NVP: `x = z · exp(s) + m` with the soft-clipped log-scale
 * `s = c · tanh(r / c)` (`c = logScaleBound`), so a raw output `r` can never blow the scale up (the most common
 * cause of NaNs when training affine flows). `shiftOnly` gives the volume-preserving `x = z + m` (NICE-style).
 */
export class AffineTransformer implements Transformer {
  readonly shiftOnly: boolean;
  readonly logScaleBound: number;
  readonly paramsPerFeature: number;
  readonly constantJacobian: boolean;

  constructor(options: AffineTransformerOptions = {}) {
    this.shiftOnly = options.shiftOnly ?? false;
    this.logScaleBound = options.logScaleBound ?? 5;
    if (!(this.logScaleBound > 0)) throw new RangeError(`AffineTransformer: logScaleBound must be > 0, got ${this.logScaleBound}`);
    this.paramsPerFeature = this.shiftOnly ? 1 : 2;
    this.constantJacobian = this.shiftOnly;
  }

  inverse(batch: number, features: number, dStart: number, dEnd: number, x: FloatArray, params: FloatArray,
    z: FloatArray, logDet: Float64Array, accumulate: boolean): void {
    kernels().affineInverse(batch, features, dStart, dEnd, x, params, z, logDet, accumulate, this.logScaleBound, this.shiftOnly);
  }

  forward(batch: number, features: number, dStart: number, dEnd: number, z: FloatArray, params: FloatArray,
    x: FloatArray, logDet: Float64Array, accumulate: boolean): void {
    kernels().affineForward(batch, features, dStart, dEnd, z, params, x, logDet, accumulate, this.logScaleBound, this.shiftOnly);
  }

  inverseBackward(batch: number, features: number, _x: FloatArray, params: FloatArray, z: FloatArray, dZ: FloatArray,
    dLogDet: Float64Array | null, dX: FloatArray, dParams: FloatArray): void {
    kernels().affineInverseBackward(batch, features, params, z, dZ, dLogDet, dX, dParams, this.logScaleBound, this.shiftOnly);
  }

  forwardBackward(batch: number, features: number, z: FloatArray, params: FloatArray, _x: FloatArray, dX: FloatArray,
    dLogDet: Float64Array | null, dZ: FloatArray, dParams: FloatArray): void {
    kernels().affineForwardBackward(batch, features, params, z, dX, dLogDet, dZ, dParams, this.logScaleBound, this.shiftOnly);
  }

  forwardDerivative(batch: number, features: number, _z: FloatArray, params: FloatArray, out: FloatArray): void {
    const c = this.logScaleBound;
    for (let b = 0; b < batch; b++) {
      for (let d = 0; d < features; d++) {
        if (this.shiftOnly) {
          out[b * features + d] = 1;
          continue;
        }
        const r = params[(b * features + d) * 2 + 1];
        out[b * features + d] = Math.exp(c === Infinity ? r : c * Math.tanh(r / c));
      }
    }
  }

  config(): TransformerConfig {
    // JSON has no Infinity: an unbounded log-scale is written as null.
    return { type: 'affine', shiftOnly: this.shiftOnly, logScaleBound: this.logScaleBound === Infinity ? null : this.logScaleBound };
  }
}
