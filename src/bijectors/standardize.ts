import { checkShape, dtypeOf, zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import { InPlaceBijector, type BijectorConfig, type Direction, type TrainPass } from './bijector.ts';

/** Options of `new Standardize(options)`. */
export interface StandardizeOptions {
  /** Column means `[features]` (finite). */
  mean: ArrayLike<number>;
  /** Column standard deviations `[features]` (positive, finite). */
  std: ArrayLike<number>;
  /** 0-based columns that were constant when fitted (their std was set to 1), for callers that warn. @default [] */
  constantColumns?: readonly number[];
  /**
   * Element type of the outputs. Inputs are read in whatever precision they come in, so float64 data keeps its digits
   * until it is standardized (a raw value of 1e6 ± 0.01 loses its spread in float32); the layers after it convert the
   * standardized values to their own dtype. @default 'float64'
   */
  dtype?: Dtype;
}

/** Options of `Standardize.fit(x, options)`. */
export interface StandardizeFitOptions {
  /**
   * A column whose standard deviation is below `constantTolerance · max(1, |mean|)` counts as constant: its std is set
   * to 1 (it is only centred), as scikit-learn's `StandardScaler` does, instead of dividing by ~0. Such a column has no
   * density (it is a point mass); `constantColumns` lists them.
   * @default 1e-12
   */
  constantTolerance?: number;
  /** @default 'float64' */
  dtype?: Dtype;
}

/** The serialised form of a `Standardize` (`config()`): the statistics themselves (they are not trained). */
export interface StandardizeConfig extends BijectorConfig {
  type: 'Standardize';
  features: number;
  mean: number[];
  std: number[];
  dtype: Dtype;
}

/**
 * A fixed per-column affine map fitted to data, for the data end of a flow (TFP semantics, base → data):
 * `forward(u) = u · std + mean`, `inverse(x) = (x − mean) / std`, with the per-row log-determinants
 * `forwardLogDet = Σ_d log std_d` and `inverseLogDet = −Σ_d log std_d`. Put first in a `Chain` (data → base runs it
 * first), so the layers train on standardized values while every log-density and sample is in the data's own units:
 * `log p(x) = log p̃((x − mean)/std) − Σ_d log std_d`. Nothing is trainable (`fit` leaves it as it is); both directions
 * are parallel and differentiable in the input. Statistics are population ones (ddof = 0), summed in float64, as in
 * the MAF paper's preprocessing. Shapes: `u, x [n, features]`, `mean, std [features]`.
 *
 * @example
 * import { Standardize, matrix, toArrays } from 'maflow';
 * const s = Standardize.fit(matrix([[1, 10], [3, 30]]));   // mean [2, 20], std [1, 10]
 * const u = s.inverse(matrix([[3, 30]]));                   // (x − mean) / std
 * console.log(toArrays(u), s.inverseLogDetJacobian(u)); // → [ [ 1, 1 ] ] Float64Array(1) [ -2.302… ] (−log 10)
 */
export class Standardize extends InPlaceBijector {
  readonly features: number;
  readonly contextFeatures = 0;
  readonly dtype: Dtype;
  readonly inverseIsParallel = true;
  readonly forwardIsParallel = true;
  readonly mean: Float64Array;
  readonly std: Float64Array;
  readonly constantColumns: readonly number[];
  /** `Σ_d log std_d`, the forward log-determinant of every row. */
  private readonly logStdSum: number;

  /** `±Σ log std` for every row. */
  override get isConstantJacobian(): boolean {
    return true;
  }

  constructor(options: StandardizeOptions) {
    super();
    const { mean, std } = options;
    if (mean === undefined || std === undefined || mean.length !== std.length || mean.length < 1) {
      throw new RangeError(`Standardize: expected mean and std of one length >= 1, got ${mean?.length} means and ${std?.length} stds`);
    }
    for (let d = 0; d < mean.length; d++) {
      if (!Number.isFinite(mean[d])) throw new RangeError(`Standardize: mean[${d}] must be a finite number, got ${mean[d]}`);
      if (!(std[d] > 0) || !Number.isFinite(std[d])) throw new RangeError(`Standardize: std[${d}] must be a positive finite number, got ${std[d]}`);
    }
    this.features = mean.length;
    this.dtype = options.dtype ?? 'float64';
    this.mean = Float64Array.from(mean);
    this.std = Float64Array.from(std);
    this.constantColumns = [...(options.constantColumns ?? [])];
    let sum = 0;
    for (let d = 0; d < this.features; d++) sum += Math.log(this.std[d]);
    this.logStdSum = sum;
  }

  /** Fits the column means and (population) standard deviations of `x [n, features]` (n ≥ 1, finite values). */
  static fit(x: Matrix, options: StandardizeFitOptions = {}): Standardize {
    checkShape('Standardize.fit', 'x', x, x?.cols);
    if (x.rows === 0) throw new RangeError('Standardize.fit: x has no rows');
    const tolerance = options.constantTolerance ?? 1e-12;
    const { rows, cols, data } = x;
    const mean = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += data[r * cols + c];
    for (let c = 0; c < cols; c++) mean[c] /= rows;
    const variance = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const deviation = data[r * cols + c] - mean[c];
        variance[c] += deviation * deviation;
      }
    }
    const std = new Float64Array(cols);
    const constantColumns: number[] = [];
    for (let c = 0; c < cols; c++) {
      if (!Number.isFinite(mean[c]) || !Number.isFinite(variance[c])) {
        throw new RangeError(`Standardize.fit: column ${c} contains non-finite values`);
      }
      std[c] = Math.sqrt(variance[c] / rows);
      if (std[c] < tolerance * Math.max(1, Math.abs(mean[c]))) {
        std[c] = 1;
        constantColumns.push(c);
      }
    }
    return new Standardize({ mean, std, constantColumns, ...(options.dtype === undefined ? {} : { dtype: options.dtype }) });
  }

  /** Rebuilds a `Standardize` from `config()` (the constructor checks the values). */
  static fromConfig(config: StandardizeConfig): Standardize {
    if (!Array.isArray(config.mean) || !Array.isArray(config.std)) {
      throw new RangeError('Standardize: the config needs "mean" and "std" arrays of numbers');
    }
    if (config.features !== config.mean.length) {
      throw new RangeError(`Standardize: the config has features ${config.features} but ${config.mean.length} means`);
    }
    return new Standardize({ mean: config.mean, std: config.std, dtype: config.dtype });
  }

  config(): StandardizeConfig {
    return { type: 'Standardize', features: this.features, mean: Array.from(this.mean), std: Array.from(this.std), dtype: this.dtype };
  }

  /** The map into `out`, adding `±Σ log std` into every row of `logDet`. */
  protected override computeInto(direction: Direction, input: Matrix, _context: Matrix | null, out: Matrix,
    logDet: Float64Array): void {
    this.apply(direction, input, out);
    const rowLogDet = direction === 'forward' ? this.logStdSum : -this.logStdSum;
    for (let r = 0; r < logDet.length; r++) logDet[r] += rowLogDet;
  }

  /** Inputs are not converted: a float64 value is standardized before anything rounds it (see `dtype`). */
  protected override toDtype(m: Matrix): Matrix {
    return m;
  }

  protected override trainForward(u: Matrix): TrainPass {
    return this.trainPass('forward', u);
  }

  protected override trainInverse(x: Matrix): TrainPass {
    return this.trainPass('inverse', x);
  }

  private apply(direction: Direction, input: Matrix, out: Matrix): void {
    const { rows, cols, data } = input;
    const target = out.data;
    const { mean, std } = this;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      if (direction === 'forward') for (let c = 0; c < cols; c++) target[base + c] = data[base + c] * std[c] + mean[c];
      else for (let c = 0; c < cols; c++) target[base + c] = (data[base + c] - mean[c]) / std[c];
    }
  }

  /** The map with its constant log-determinant; backward: `∂L/∂input = ∂L/∂output · (std or 1/std)`, no parameters. */
  private trainPass(direction: Direction, input: Matrix): TrainPass {
    const output = this.scratch.matrix(`train.${direction}`, input.rows, this.features, this.dtype);
    this.apply(direction, input, output);
    const logDet = this.scratch.zeroDoubles('train.logDet', input.rows).fill(direction === 'forward' ? this.logStdSum : -this.logStdSum);
    return {
      output,
      logDet,
      backward: (dOutput) => {
        const dInput = zeros(dOutput.rows, this.features, dtypeOf(input.data));
        const { cols } = dOutput;
        for (let k = 0; k < dOutput.data.length; k++) {
          const s = this.std[k % cols];
          dInput.data[k] = direction === 'forward' ? dOutput.data[k] * s : dOutput.data[k] / s;
        }
        return { dInput, dContext: null };
      },
    };
  }
}
