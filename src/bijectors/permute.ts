import { dtypeOf, zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { kernels } from '../kernels/backend.ts';
import { InPlaceBijector, type BijectorConfig, type Direction, type TrainPass } from './bijector.ts';

/** Options of `new Permute(options)`. */
export interface PermuteOptions {
  features: number;
  /** 'reverse', 'random' (needs `rng`), or an explicit permutation of 0..D−1. @default 'reverse' */
  permutation?: 'reverse' | 'random' | readonly number[];
  rng?: Rng;
  dtype?: Dtype;
}

/**
 * Reorders features: `forward(u)[:, i] = u[:, permutation[i]]` (TFP's `Permute`); log-determinant 0.
 * MAF layers are interleaved with permutations so that each layer sees a different autoregressive order
 * (inside a MADE the order is always the natural one).
 *
 * @example
 * import { Permute, matrix, toArrays } from 'maflow';
 * const permute = new Permute({ features: 3, permutation: 'reverse' });
 * console.log(toArrays(permute.forward(matrix([[1, 2, 3]])))); // → [ [ 3, 2, 1 ] ]
 */
export class Permute extends InPlaceBijector {
  readonly features: number;
  readonly contextFeatures = 0;
  readonly dtype: Dtype;
  readonly inverseIsParallel = true;
  readonly forwardIsParallel = true;
  readonly permutation: Int32Array;
  private readonly inversePermutation: Int32Array;

  /** A permutation: log-det 0. */
  override get isConstantJacobian(): boolean {
    return true;
  }

  constructor(options: PermuteOptions) {
    super();
    const D = options.features;
    this.features = D;
    this.dtype = options.dtype ?? 'float32';
    const p = options.permutation ?? 'reverse';
    if (p === 'reverse') {
      this.permutation = Int32Array.from({ length: D }, (_, i) => D - 1 - i);
    } else if (p === 'random') {
      if (options.rng === undefined) throw new Error("Permute: permutation 'random' needs an rng");
      this.permutation = options.rng.permutation(D);
    } else {
      this.permutation = Int32Array.from(p);
    }
    const seen = new Uint8Array(D);
    if (this.permutation.length !== D) throw new RangeError(`Permute: permutation has ${this.permutation.length} entries, expected ${D}`);
    for (const i of this.permutation) {
      if (!(i >= 0 && i < D) || seen[i]) throw new RangeError(`Permute: [${Array.from(this.permutation).join(', ')}] is not a permutation of 0..${D - 1}`);
      seen[i] = 1;
    }
    this.inversePermutation = new Int32Array(D);
    this.permutation.forEach((src, dst) => { this.inversePermutation[src] = dst; });
  }

  config(): BijectorConfig {
    return { type: 'Permute', features: this.features, permutation: Array.from(this.permutation), dtype: this.dtype };
  }

  /** The reordered columns into `out`; the log-determinant is 0, so `logDet` is left as it is. */
  protected override computeInto(direction: Direction, input: Matrix, _context: Matrix | null, out: Matrix): void {
    gatherColumns(input, direction === 'forward' ? this.permutation : this.inversePermutation, out);
  }

  protected override trainForward(u: Matrix): TrainPass {
    return this.trainPass(u, this.permutation, this.inversePermutation);
  }

  protected override trainInverse(x: Matrix): TrainPass {
    return this.trainPass(x, this.inversePermutation, this.permutation);
  }

  private trainPass(input: Matrix, index: Int32Array, backIndex: Int32Array): TrainPass {
    const output = gatherColumns(input, index, this.scratch.matrix('output', input.rows, input.cols, dtypeOf(input.data)));
    return {
      output,
      logDet: this.scratch.zeroDoubles('logDet', input.rows),
      backward: (d) => ({ dInput: gatherColumns(d, backIndex, this.scratch.matrix('dInput', d.rows, d.cols, dtypeOf(d.data))), dContext: null }),
    };
  }
}

/** `out[:, i] = m[:, index[i]]` (one kernel call: no per-element loop left for the JIT to warm up on each new flow). */
function gatherColumns(m: Matrix, index: Int32Array, out: Matrix = zeros(m.rows, m.cols, dtypeOf(m.data))): Matrix {
  kernels().gatherColumns({ rows: m.rows, cols: m.cols, x: m.data, index, out: out.data });
  return out;
}
