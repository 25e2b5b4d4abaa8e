import { zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { Scratch } from '../nn/scratch.ts';
import { Distribution, HALF_LOG_2PI, type DistributionConfig, type LogProbTrainPass, type SamplesWithLogProb } from './distribution.ts';

/**
 * The standard normal base distribution N(0, I_D): `log p(z) = −½ Σ_d z_d² − (D/2) log 2π`.
 *
 * @example
 * import { StandardNormal, matrix } from 'maflow';
 * const base = new StandardNormal(2);
 * console.log(base.logProb(matrix([[0, 0]]))); // → Float64Array(1) [ -1.8378770664093453 ]
 */
export class StandardNormal extends Distribution {
  readonly contextFeatures = 0;
  private readonly scratch = new Scratch();

  constructor(readonly features: number, readonly dtype: Dtype = 'float32') {
    super();
    if (!Number.isInteger(features) || features < 1) throw new RangeError(`StandardNormal: features must be a positive integer, got ${features}`);
  }

  config(): DistributionConfig {
    return { type: 'StandardNormal', features: this.features, dtype: this.dtype };
  }

  protected computeLogProb(x: Matrix): Float64Array {
    const out = new Float64Array(x.rows);
    const D = this.features;
    for (let r = 0; r < x.rows; r++) {
      let s = 0;
      for (let d = 0; d < D; d++) {
        const v = x.data[r * D + d];
        s += v * v;
      }
      out[r] = -0.5 * s - D * HALF_LOG_2PI;
    }
    return out;
  }

  protected computeSample(n: number, _context: Matrix | null, rng: Rng): SamplesWithLogProb {
    const samples = zeros(n, this.features, this.dtype);
    rng.fillNormal(samples.data);
    return { samples, logProb: this.computeLogProb(samples) };
  }

  protected override trainLogProb(x: Matrix): LogProbTrainPass {
    return {
      logProb: this.computeLogProb(x),
      backward: (dLogProb) => {
        const dInput = this.scratch.matrix('dInput', x.rows, this.features, this.dtype);
        for (let r = 0; r < x.rows; r++) {
          for (let d = 0; d < this.features; d++) dInput.data[r * this.features + d] = -x.data[r * this.features + d] * dLogProb[r];
        }
        return { dInput, dContext: null };
      },
    };
  }
}
