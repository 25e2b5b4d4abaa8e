import type { FloatArray } from '../core/matrix.ts';
import { DescribedTransformer } from './described-transformer.ts';
import type { TransformerConfig } from './transformer.ts';

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
export class AffineTransformer extends DescribedTransformer {
  readonly shiftOnly: boolean;
  readonly logScaleBound: number;
  readonly constantJacobian: boolean;

  constructor(options: AffineTransformerOptions = {}) {
    const shiftOnly = options.shiftOnly ?? false;
    const logScaleBound = options.logScaleBound ?? 5;
    if (!(logScaleBound > 0)) throw new RangeError(`AffineTransformer: logScaleBound must be > 0, got ${logScaleBound}`);
    super({ kind: 'affine', logScaleBound, shiftOnly });
    this.shiftOnly = shiftOnly;
    this.logScaleBound = logScaleBound;
    this.constantJacobian = shiftOnly;
  }

  override forwardDerivative(batch: number, features: number, _z: FloatArray, params: FloatArray, out: FloatArray): void {
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

  override config(): TransformerConfig {
    // JSON has no Infinity: an unbounded log-scale is written as null.
    return { type: 'affine', shiftOnly: this.shiftOnly, logScaleBound: this.logScaleBound === Infinity ? null : this.logScaleBound };
  }
}
