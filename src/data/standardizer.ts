/**
 * Per-column standardization `x̃ = (x − mean) / std`, fitted on training data and stored with the model, so that a
 * flow trained on standardized data still reports densities in the user's original units.
 */
import { Standardize, type StandardizeFitOptions } from '../bijectors/standardize.ts';
import { allocate, checkShape, dtypeOf, type Matrix } from '../core/matrix.ts';
import { DataError } from '../io/data-error.ts';

/** Options of `Standardizer.fit` (the constant-column rule of `Standardize.fit`, which computes the statistics). */
export type StandardizerFitOptions = Pick<StandardizeFitOptions, 'constantTolerance'>;

/** The JSON form stored in model files. */
export interface StandardizerJson {
  mean: number[];
  std: number[];
}

/**
 * Standardizes each column to zero mean and unit (population, ddof = 0) standard deviation, like the MAF paper's
 * preprocessing. Sums run in float64 whatever the data's dtype.
 *
 * Densities: since `x̃ = (x − mean) / std`, `log p(x) = log p̃(x̃) + logAbsDetJacobian()` with
 * `logAbsDetJacobian() = −Σ_d log std_d`.
 *
 * @example
 * import { Standardizer, matrix, toArrays } from 'maflow';
 * const train = matrix([[1, 10], [3, 30]]);
 * const s = Standardizer.fit(train);     // mean [2, 20], std [1, 10]
 * const z = s.transform(train);          // columns with mean 0, std 1
 * console.log(toArrays(z), toArrays(s.inverseTransform(z))); // → [ [ -1, -1 ], [ 1, 1 ] ] [ [ 1, 10 ], [ 3, 30 ] ]
 */
export class Standardizer {
  readonly mean: Float64Array;
  readonly std: Float64Array;
  /** 0-based indices of columns that were constant when fitted (their std was set to 1). */
  readonly constantColumns: number[];

  constructor(mean: ArrayLike<number>, std: ArrayLike<number>, constantColumns: number[] = []) {
    if (mean.length !== std.length) throw new RangeError(`Standardizer: ${mean.length} means but ${std.length} stds`);
    for (let d = 0; d < std.length; d++) {
      if (!(std[d] > 0) || !Number.isFinite(std[d]) || !Number.isFinite(mean[d])) {
        throw new RangeError(`Standardizer: column ${d} needs a finite mean and a positive finite std, got mean ${mean[d]}, std ${std[d]}`);
      }
    }
    this.mean = Float64Array.from(mean);
    this.std = Float64Array.from(std);
    this.constantColumns = constantColumns;
  }

  /** Number of columns. */
  get features(): number {
    return this.mean.length;
  }

  /**
   * Fits the column means and standard deviations of `x` `[n, d]` (n ≥ 1), constant columns only centred: the same
   * statistics as `Standardize.fit`, which computes them (one owner of the rule).
   */
  static fit(x: Matrix, options: StandardizerFitOptions = {}): Standardizer {
    const fitted = Standardize.fit(x, options);
    return new Standardizer(fitted.mean, fitted.std, [...fitted.constantColumns]);
  }

  /** The same map as a bijector, to put at the data end of a flow (`withStandardization`). */
  toBijector(): Standardize {
    return new Standardize({ mean: this.mean, std: this.std, constantColumns: this.constantColumns });
  }

  /** `(x − mean) / std` for `x` `[n, d]`, in x's dtype. */
  transform(x: Matrix): Matrix {
    checkShape('Standardizer.transform', 'x', x, this.features);
    return this.map(x, (value, c) => (value - this.mean[c]) / this.std[c]);
  }

  /** `x̃ · std + mean` for `x̃` `[n, d]`, in its dtype. */
  inverseTransform(z: Matrix): Matrix {
    checkShape('Standardizer.inverseTransform', 'z', z, this.features);
    return this.map(z, (value, c) => value * this.std[c] + this.mean[c]);
  }

  /** `log |det ∂x̃/∂x| = −Σ_d log std_d`, the same for every row. */
  logAbsDetJacobian(): number {
    let sum = 0;
    for (let c = 0; c < this.features; c++) sum -= Math.log(this.std[c]);
    return sum;
  }

  toJSON(): StandardizerJson {
    return { mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  /**
   * Rebuilds a standardizer from `toJSON()` output, validating it. With `file`, problems are `DataError`s that
   * name the (model) file.
   */
  static fromJSON(json: unknown, file?: string): Standardizer {
    const fail = (detail: string): Error =>
      file === undefined ? new TypeError(`Standardizer.fromJSON: ${detail}`) : new DataError(`standardizer: ${detail}`, { file });
    if (json === null || typeof json !== 'object') throw fail('expected an object {mean, std}');
    const { mean, std } = json as Record<string, unknown>;
    for (const [name, values] of [['mean', mean], ['std', std]] as const) {
      if (!Array.isArray(values)) throw fail(`"${name}" must be an array of numbers`);
      const bad = values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v) || (name === 'std' && v <= 0));
      if (bad >= 0) {
        throw fail(`${name}[${bad}] must be a ${name === 'std' ? 'positive ' : ''}finite number, got ${JSON.stringify(values[bad])}`);
      }
    }
    if ((mean as number[]).length !== (std as number[]).length) {
      throw fail(`"mean" has ${(mean as number[]).length} values but "std" has ${(std as number[]).length}`);
    }
    return new Standardizer(mean as number[], std as number[]);
  }

  private map(x: Matrix, f: (value: number, column: number) => number): Matrix {
    const { rows, cols, data } = x;
    const out = allocate(dtypeOf(data), data.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = f(data[r * cols + c], c);
    return { rows, cols, data: out };
  }
}
