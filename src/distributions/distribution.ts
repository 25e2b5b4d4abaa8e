import { checkContext } from '../core/check-context.ts';
import { checkFinite } from '../core/check-finite.ts';
import { checkShape, clone, dtypeOf, zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import { toDtype } from '../core/to-dtype.ts';
import { Rng } from '../core/rng.ts';
import { Trainable } from '../nn/trainable.ts';

/** Options every distribution method takes. */
export interface DistributionCallOptions {
  /** Conditioning values `[n, contextFeatures]`. */
  context?: Matrix;
  /**
   * Check the values of `x` and `context` (TFP's `validate_args`): a NaN, a non-finite context value, or a float64
   * value beyond the range of a float32 model throws a `DataError` naming the method, the tensor, row and column;
   * an ±Infinity in `x` gives that row the log-density −∞. The check is a tight loop over the values (about 1 ns per
   * value: ~20 µs for a 10,000 × 2 `x`, ~1% of a small 5-layer MAF's `logProb` on those rows, well under 1% of a larger
   * one's); switch it off in a hot loop over values already checked, where NaN gives NaN and ±Infinity what the
   * arithmetic gives. `logProbTrain` never checks (`fit` handles its data). @default true
   */
  validateArgs?: boolean;
}

/** Options of `sample` and `sampleAndLogProb`. */
export interface SampleOptions extends DistributionCallOptions {
  /** The random generator; a generator seeded from `Math.random` when omitted (pass one for reproducibility). */
  rng?: Rng;
}

/** Samples `[n, D]` with their log-densities `[n]` (natural log), from `sampleAndLogProb`. */
export interface SamplesWithLogProb {
  samples: Matrix;
  logProb: Float64Array;
}

/** A differentiable evaluation of `logProb`, from `logProbTrain`. */
export interface LogProbTrainPass {
  logProb: Float64Array;
  /** Accumulates `∂L/∂θ` given `∂L/∂logProb` per row; returns `∂L/∂x` and `∂L/∂context`. */
  backward(dLogProb: Float64Array): { dInput: Matrix; dContext: Matrix | null };
}

/** The serialised form of a distribution (`config()`), keyed by its `type`; `createDistribution` rebuilds it. */
export interface DistributionConfig {
  type: string;
  [key: string]: unknown;
}

/**
 * The distribution contract. `logProb(x)` is per row (`Float64Array [n]`, natural log); `sample(n)` returns `[n, D]`.
 * Every method takes an optional `context [n, contextFeatures]` for conditional densities; a `[1, C]` context is
 * broadcast to all n rows (in `logProb` as in sampling). Shapes and values (`validateArgs`) are checked here, at the public boundary.
 *
 * Training: `logProbTrain(x)` returns the log-densities with a `backward(dLogProb)` that accumulates parameter
 * gradients and returns the gradients of the input and the context.
 */
export abstract class Distribution extends Trainable {
  abstract readonly features: number;
  abstract readonly contextFeatures: number;
  abstract readonly dtype: Dtype;

  protected abstract computeLogProb(x: Matrix, context: Matrix | null): Float64Array;
  protected abstract computeSample(n: number, context: Matrix | null, rng: Rng): SamplesWithLogProb;

  /**
   * `log p(x | context)` per row, `x [n, D]` → `[n]`. Every distribution here has support ℝᴰ and a density that
   * vanishes at infinity, so a row holding ±Infinity (and no NaN) has log-density −∞, as in PyTorch and TFP
   * (`Normal(0, 1).log_prob(inf) = -inf`); a NaN is refused (see `validateArgs`).
   */
  logProb(x: Matrix, options?: DistributionCallOptions): Float64Array {
    const where = `${this.constructor.name}.logProb`;
    checkShape(where, 'x', x, this.features);
    const check = options?.validateArgs === false ? 'shapes' : 'values';
    const context = this.contextFor(where, x.rows, broadcastRows(options?.context, x.rows), check);
    const hasInfinity = check === 'values' && checkFinite(where, 'x', x, { dtype: this.dtype, allowInfinity: true });
    return hasInfinity ? this.logProbWithInfinities(this.toDtype(x), context) : this.computeLogProb(this.toDtype(x), context);
  }

  /** `n` draws `[n, D]`. */
  sample(n: number, options?: SampleOptions): Matrix {
    return this.sampleAndLogProb(n, options).samples;
  }

  /** `n` draws with their log-densities, computed together (cheaper than `logProb(sample(n))`). */
  sampleAndLogProb(n: number, options?: SampleOptions): SamplesWithLogProb {
    const where = `${this.constructor.name}.sample`;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${where}: n must be a non-negative integer, got ${n}`);
    const context = this.contextFor(where, n, broadcastRows(options?.context, n), options?.validateArgs === false ? 'shapes' : 'values');
    return this.computeSample(n, context, options?.rng ?? new Rng(Math.floor(Math.random() * 2 ** 32)));
  }

  /** Differentiable `logProb` (maximum-likelihood training). */
  logProbTrain(x: Matrix, options?: DistributionCallOptions): LogProbTrainPass {
    const where = `${this.constructor.name}.logProbTrain`;
    checkShape(where, 'x', x, this.features);
    return this.trainLogProb(this.toDtype(x), this.contextFor(where, x.rows, options?.context));
  }

  protected trainLogProb(_x: Matrix, _context: Matrix | null): LogProbTrainPass {
    throw new Error(`${this.constructor.name}.logProbTrain: this distribution cannot be trained by maximum likelihood`);
  }

  abstract config(): DistributionConfig;

  /** The checked context in this distribution's dtype (`check: 'values'` checks its values too: the public methods). */
  protected contextFor(where: string, rows: number, context: Matrix | undefined, check: 'shapes' | 'values' = 'shapes'): Matrix | null {
    return checkContext(where, 'distribution',
      { contextFeatures: this.contextFeatures, rows, dtype: this.dtype, validate: check === 'values' }, context);
  }

  /** `logProb` of `x` with ±Infinity in some rows: those rows are evaluated as zeros and get −∞. */
  private logProbWithInfinities(x: Matrix, context: Matrix | null): Float64Array {
    const finite = clone(x);
    const infinite: number[] = [];
    for (let r = 0; r < x.rows; r++) {
      const row = finite.data.subarray(r * x.cols, (r + 1) * x.cols);
      if (row.some((v) => v === Infinity || v === -Infinity)) {
        infinite.push(r);
        row.fill(0);
      }
    }
    const lp = this.computeLogProb(finite, context);
    for (const r of infinite) lp[r] = -Infinity;
    return lp;
  }

  protected toDtype(m: Matrix): Matrix {
    return toDtype(m, this.dtype);
  }
}

/** A `[1, C]` context repeated to `[n, C]`; other shapes unchanged (they are checked later). */
export function broadcastRows(context: Matrix | undefined, n: number): Matrix | undefined {
  if (context === undefined || context.rows !== 1 || n === 1) return context;
  const out = zeros(n, context.cols, dtypeOf(context.data));
  for (let r = 0; r < n; r++) out.data.set(context.data, r * context.cols);
  return out;
}

/** `−½ log 2π`. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
