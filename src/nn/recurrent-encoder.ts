/**
 * What the recurrent context encoders (`Lstm`, `Gru`) share: the packed step layout of a batch of sequences of
 * different lengths, the recurrent state, and the encoder contract that `TemporalMaf` uses.
 *
 * Packed layout (PyTorch's `PackedSequence`): the sequences are ordered by decreasing length, so that at step t the
 * sequences still running are a prefix of the batch, `batchSizes[t]` of them; the rows of step t are
 * `[offsets[t], offsets[t] + batchSizes[t])` of a `[total, width]` buffer, row `offsets[t] + i` belonging to the i-th
 * longest sequence. No padding is stored or read.
 */
import type { Dtype, FloatArray } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import { kernels } from '../kernels/backend.ts';
import { joinName, Parameter, type Module, type NamedParameters } from './parameter.ts';
import { Scratch } from './scratch.ts';

/** The packed layout of sequences sorted by decreasing length (see the module doc). */
export interface PackedSteps {
  /** T, the longest length. */
  readonly steps: number;
  /** `[T]`, non-increasing: how many sequences have step t. */
  readonly batchSizes: Int32Array;
  /** `[T + 1]`: the first row of step t; `offsets[T]` is the total number of rows. */
  readonly offsets: Int32Array;
}

/**
 * The packed layout of sequences whose lengths, **sorted in decreasing order**, are `sortedLengths`.
 *
 * @example
 * import { packSteps } from './recurrent-encoder.ts';
 * const layout = packSteps(Int32Array.from([3, 2, 2]));
 * console.log(layout.batchSizes, layout.offsets); // → Int32Array(3) [ 3, 3, 1 ] Int32Array(4) [ 0, 3, 6, 7 ]
 */
export function packSteps(sortedLengths: Int32Array): PackedSteps {
  const steps = sortedLengths.length === 0 ? 0 : sortedLengths[0];
  const batchSizes = new Int32Array(steps);
  for (const l of sortedLengths) for (let t = 0; t < l; t++) batchSizes[t]++;
  const offsets = new Int32Array(steps + 1);
  for (let t = 0; t < steps; t++) offsets[t + 1] = offsets[t] + batchSizes[t];
  return { steps, batchSizes, offsets };
}

/** The recurrent state of a batch: hidden values `h [batch, units]` and, for an LSTM, the cell `c [batch, units]`. */
export interface RecurrentState {
  h: FloatArray;
  c: FloatArray | null;
}

/** A differentiable packed pass of a recurrent encoder. */
export interface RecurrentTrainPass {
  /**
   * `[total, units]` packed like the input: row `offsets[t] + i` is the state `h_t` that the i-th longest sequence's
   * step t is conditioned on (`h_0 = 0`, `h_{t+1} = cell(x_t, h_t)`), so the state never sees its own step.
   * A reusable buffer, valid until the encoder's next train pass.
   */
  hidden: FloatArray;
  /**
   * Backpropagation through time: accumulates the parameter gradients given `∂L/∂hidden` (packed) and returns the
   * gradient of the packed input `[total, inputFeatures]` through the recurrence.
   */
  backward(dHidden: FloatArray): FloatArray;
}

/** Options of a train pass. */
export interface RecurrentTrainOptions {
  /**
   * Truncated backpropagation through time: the gradient crosses at most this many steps back, the state `h_t` for
   * `t` a multiple of it being treated as a constant by the steps after it (PyTorch's `detach()` every K steps).
   * @default Infinity (full BPTT)
   */
  truncation?: number;
}

/** The JSON description of a recurrent encoder. */
export interface RecurrentEncoderConfig {
  type: 'Lstm' | 'Gru';
  inputFeatures: number;
  units: number;
  dtype: Dtype;
}

/** The contract of `Lstm` and `Gru`. */
export interface RecurrentEncoder extends Module {
  /** Values per step of the input. */
  readonly inputFeatures: number;
  /** Width of the hidden state. */
  readonly units: number;
  readonly dtype: Dtype;
  /** A zero state for `batch` sequences. */
  initialState(batch: number): RecurrentState;
  /** Advances the first `batch` rows of `state` by one step of input `x [batch, inputFeatures]`, in place. */
  step(batch: number, x: FloatArray, state: RecurrentState): void;
  /** The packed differentiable pass over `x [total, inputFeatures]` (see `RecurrentTrainPass`). */
  forwardTrain(layout: PackedSteps, x: FloatArray, options?: RecurrentTrainOptions): RecurrentTrainPass;
  config(): RecurrentEncoderConfig;
}

/** Checks a truncation length (a positive integer or Infinity) and returns it. */
export function checkTruncation(where: string, truncation: number | undefined): number {
  const k = truncation ?? Infinity;
  if (!(k === Infinity || (Number.isInteger(k) && k >= 1))) throw new RangeError(`${where}: truncation must be a positive integer or Infinity, got ${k}`);
  return k;
}

/** The four tensors of a recurrent layer with `gates` gate blocks, PyTorch's layout and names. */
export interface RecurrentWeights {
  /** `[gates · units, inputFeatures]` (`weight_ih_l0`). */
  weightIh: Parameter;
  /** `[gates · units, units]` (`weight_hh_l0`). */
  weightHh: Parameter;
  /** `[gates · units]` (`bias_ih_l0`). */
  biasIh: Parameter;
  /** `[gates · units]` (`bias_hh_l0`). */
  biasHh: Parameter;
}

/** Options of `new Lstm(options)` and `new Gru(options)`. */
export interface RecurrentLayerOptions {
  /** Values per step of the input. */
  inputFeatures: number;
  /** Width H of the hidden state (and of an LSTM's cell state). */
  units: number;
  /** @default 'float32' */
  dtype?: Dtype;
  /** Seeds the weights. @default new Rng(0) */
  rng?: Rng;
}

/**
 * What `Lstm` and `Gru` share: the sizes, the four weight tensors in PyTorch's layout and names (every entry
 * initialised uniform in `±1/sqrt(units)`, as PyTorch does), their scratch buffers and their JSON description; each
 * subclass has its own cell and backpropagation through time.
 */
export abstract class GatedRecurrentLayer implements RecurrentEncoder {
  readonly inputFeatures: number;
  readonly units: number;
  readonly dtype: Dtype;
  readonly weights: RecurrentWeights;
  protected readonly scratch = new Scratch();

  /** `gates` gate blocks of `units` each (LSTM 4, GRU 3). */
  protected constructor(private readonly type: RecurrentEncoderConfig['type'], gates: number, options: RecurrentLayerOptions) {
    const { inputFeatures, units } = options;
    for (const [name, v] of [['inputFeatures', inputFeatures], ['units', units]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${type}: ${name} must be a positive integer, got ${v}`);
    }
    this.inputFeatures = inputFeatures;
    this.units = units;
    this.dtype = options.dtype ?? 'float32';
    const rng = options.rng ?? new Rng(0);
    const bound = 1 / Math.sqrt(units);
    const make = (shape: number[]) => {
      const p = new Parameter(shape, this.dtype);
      for (let k = 0; k < p.value.length; k++) p.value[k] = (2 * rng.uniform() - 1) * bound;
      return p;
    };
    const G = gates * units;
    this.weights = { weightIh: make([G, inputFeatures]), weightHh: make([G, units]), biasIh: make([G]), biasHh: make([G]) };
  }

  config(): RecurrentEncoderConfig {
    return { type: this.type, inputFeatures: this.inputFeatures, units: this.units, dtype: this.dtype };
  }

  namedParameters(prefix?: string): NamedParameters {
    const w = this.weights;
    return [[joinName(prefix, 'weightIh'), w.weightIh], [joinName(prefix, 'weightHh'), w.weightHh],
      [joinName(prefix, 'biasIh'), w.biasIh], [joinName(prefix, 'biasHh'), w.biasHh]];
  }

  abstract initialState(batch: number): RecurrentState;
  abstract step(batch: number, x: FloatArray, state: RecurrentState): void;
  abstract forwardTrain(layout: PackedSteps, x: FloatArray, options?: RecurrentTrainOptions): RecurrentTrainPass;
}

/** `y (+)= x · Wᵀ (+ bias)` on the backend's GEMM: `x [rows, inDim]`, `w [outDim, inDim]`, `y [rows, outDim]`. */
export function denseGemm(rows: number, inDim: number, outDim: number, x: FloatArray, w: FloatArray, bias: FloatArray | null,
  y: FloatArray, accumulate: boolean): void {
  kernels().prefixGemm({ batch: rows, inDim, outDim, x, weight: w, prefix: null, bias, out: y, accumulate });
}

/**
 * The backward of `y = x · Wᵀ + b` for one block of rows: `dW += dYᵀ x`, `db += Σ dY` (when `dBias`), and
 * `dX += dY · W` (when `dX`), on the backend's GEMMs.
 */
export function denseGemmBackward(rows: number, inDim: number, outDim: number, dY: FloatArray, x: FloatArray, w: Parameter,
  bias: Parameter | null, dX: FloatArray | null): void {
  const k = kernels();
  k.prefixGemmBackwardWeight({ batch: rows, inDim, outDim, dOut: dY, x, prefix: null, dWeight: w.grad,
    dBias: bias === null ? null : bias.grad, accumulate: true });
  if (dX !== null) k.prefixGemmBackwardInput({ batch: rows, inDim, outDim, dOut: dY, weight: w.value, prefix: null, dIn: dX, accumulate: true });
}
