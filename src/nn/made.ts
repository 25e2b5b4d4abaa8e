import { allocate, type Dtype, type FloatArray } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { kernels } from '../kernels/backend.ts';
import { staircaseTrainSavedLength, transformerParamsPerFeature, type Activation, type StaircaseHiddenLayer, type StaircaseLayer,
  type StaircaseNetwork, type TransformerKernel } from '../kernels/kernels.ts';
import { degreeStarts, hiddenDegrees, inputDegrees, prefixLengths, type DegreeMode } from './degrees.ts';
import { MaskedLinear } from './masked-linear.ts';
import { joinName, type Module, type NamedParameters } from './parameter.ts';
import { Scratch } from './scratch.ts';

/** Options of `new Made(options)`. */
export interface MadeOptions {
  /** D, the number of autoregressive features. */
  features: number;
  /** Widths of the hidden layers. @default [64, 64] */
  hiddenUnits?: readonly number[];
  /** Width of the context input (0 = unconditional). @default 0 */
  contextFeatures?: number;
  /** Outputs per feature: 2 for affine (shift, log-scale), 3k for a k-component mixture. @default 2 */
  paramsPerFeature?: number;
  /** The hidden activation, or one per hidden layer. @default 'relu' */
  activation?: Activation | readonly Activation[];
  /**
   * Dropout probability of the hidden units in training passes that ask for it (`forwardTrain(…, { dropout: true })`,
   * which a `MaskedAutoregressiveFlow` in training mode does); inverted dropout, so evaluation passes are unchanged.
   * Its masks are drawn from a generator forked from `rng`. @default 0
   */
  dropout?: number;
  /** Residual connections between the hidden layers (needs equal widths). @default false */
  residual?: boolean;
  /** Hidden degree assignment. @default 'sequential' */
  degrees?: DegreeMode;
  /** Explicit sorted hidden degrees per layer (restoring a saved model); overrides `degrees`. */
  hiddenDegrees?: readonly (readonly number[])[];
  /** Scale of the output layer's initial weights; small values make a fresh flow close to the identity. @default 0.01 */
  outputInitScale?: number;
  dtype?: Dtype;
  rng: Rng;
}

/** The JSON description of a MADE, enough to rebuild it (weights aside). */
export interface MadeConfig {
  features: number;
  hiddenUnits: number[];
  contextFeatures: number;
  paramsPerFeature: number;
  /** The hidden activation, or one per hidden layer when they differ. */
  activation: Activation | Activation[];
  /** Present when > 0. */
  dropout?: number;
  residual: boolean;
  degrees: DegreeMode;
  hiddenDegrees?: number[][];
}

/** What `forwardTrain` returns: the output and a backward pass through the whole network. */
export interface MadeTrainPass {
  output: FloatArray;
  /** Accumulates parameter gradients and returns the gradients of the input and the context. */
  backward(dOutput: FloatArray): { dInput: FloatArray; dContext: FloatArray | null };
}

/** What `Made.parallelTrainFused` returns: the backward half of the fused training pass. */
export interface MadeFusedTrainPass {
  /**
   * Given `∂L/∂z [batch, D]` and `∂L/∂logDet [batch]` (or null), accumulates every parameter gradient, writes
   * `dInput = ∂L/∂x [batch, D]` (overwritten) and adds `∂L/∂c` into `dContext [batch, C]` (when given).
   */
  backward(dOutput: FloatArray, dLogDet: Float64Array | null, dInput: FloatArray, dContext: FloatArray | null): void;
}

/** Options of `Made.forwardTrain`. */
export interface MadeTrainOptions {
  /** Apply the MADE's dropout to the hidden units (training mode). @default false */
  dropout?: boolean;
}

/**
 * MADE: a masked autoencoder for distribution estimation (Germain et al. 2015), the conditioner of every
 * autoregressive flow in maflow. It maps `x [n, D]` (and an optional context `c [n, C]`) to `P` parameters per
 * feature, `[n, D·P]` laid out feature-major (column `d·P + p` is parameter p of feature d), such that the
 * parameters of feature d depend only on `x[:, 0..d-1]` and on the context.
 *
 * Hidden degrees are sorted (see degrees.ts), so every mask is a staircase and the sequential pass
 * (`sequential`) computes each hidden unit exactly once: at step d only the units of degree d become computable.
 * The whole sequential pass therefore costs about one network evaluation instead of D.
 *
 * Residual mode (all hidden layers of one width and one degree vector): `h_0 = act(L_0 x)`,
 * `h_l = h_{l−1} + act(L_l h_{l−1})`. Each hidden layer may have its own width and activation, and training passes
 * that ask for it apply (inverted) dropout to the hidden units.
 *
 * A `Made` built this way is a custom conditioner for `MaskedAutoregressiveFlow` (its `made` option; TFP's
 * `shift_and_log_scale_fn`), trained through its own backward pass:
 *
 * @example
 * import { MaskedAutoregressiveFlow, Made, NeuralAutoregressiveTransformer, Rng, matrix } from 'maflow';
 * const rng = new Rng(0);
 * const transformer = new NeuralAutoregressiveTransformer({ hiddenUnits: 4 });
 * const made = new Made({ features: 3, hiddenUnits: [32, 32, 32], activation: ['relu', 'tanh', 'tanh'], residual: true,
 *   dropout: 0.1, paramsPerFeature: transformer.paramsPerFeature, rng });
 * const maf = new MaskedAutoregressiveFlow({ features: 3, rng, made, transformer }).train();
 * const pass = maf.inverseTrain(matrix([[0.1, -0.5, 2]]));           // dropout on: training mode
 * const { dInput } = pass.backward(matrix([[1, 0, 0]]), null);      // gradients reach every layer of the made
 * console.log(dInput.data, made.config().activation); // → Float32Array(3) [ … ] [ 'relu', 'tanh', 'tanh' ]
 */
export class Made implements Module {
  readonly features: number;
  readonly contextFeatures: number;
  readonly paramsPerFeature: number;
  /** The first hidden layer's activation. */
  readonly activation: Activation;
  /** The activation of each hidden layer. */
  readonly activations: readonly Activation[];
  /** Dropout probability of the hidden units in training passes (0: none). */
  readonly dropout: number;
  /** Draws the dropout masks (null without dropout); replace it to reseed. */
  dropoutRng: Rng | null;
  readonly residual: boolean;
  readonly degreeMode: DegreeMode;
  readonly dtype: Dtype;
  readonly hidden: MaskedLinear[];
  readonly output: MaskedLinear;
  /** Sorted degrees of each hidden layer. */
  readonly hiddenDegrees: Int32Array[];
  private readonly degreeStarts: Int32Array[];
  private readonly scratch = new Scratch();
  /** `staircaseNetwork`'s last network and the transformer description it was built for. */
  private network: { source: TransformerKernel; network: StaircaseNetwork } | null = null;

  constructor(options: MadeOptions) {
    const D = options.features;
    if (!Number.isInteger(D) || D < 1) throw new RangeError(`Made: features must be a positive integer, got ${D}`);
    const hiddenUnits = options.hiddenUnits ?? [64, 64];
    this.features = D;
    this.contextFeatures = options.contextFeatures ?? 0;
    this.paramsPerFeature = options.paramsPerFeature ?? 2;
    const activation = options.activation ?? 'relu';
    this.activations = typeof activation === 'string' ? hiddenUnits.map(() => activation) : [...activation];
    if (this.activations.length !== hiddenUnits.length) {
      throw new RangeError(`Made: expected one activation per hidden layer (${hiddenUnits.length}), got ${this.activations.length}`);
    }
    this.activation = this.activations[0];
    this.dropout = options.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout < 1)) throw new RangeError(`Made: dropout must be in [0, 1), got ${this.dropout}`);
    this.residual = options.residual ?? false;
    this.degreeMode = options.degrees ?? 'sequential';
    this.dtype = options.dtype ?? 'float32';
    const { rng } = options;
    if (hiddenUnits.length === 0) throw new RangeError('Made: needs at least one hidden layer');
    if (this.residual && hiddenUnits.some((h) => h !== hiddenUnits[0])) {
      throw new RangeError(`Made: residual connections need equal hidden widths, got [${hiddenUnits.join(', ')}]`);
    }

    if (options.hiddenDegrees !== undefined) checkHiddenDegrees(options.hiddenDegrees, hiddenUnits, D);
    this.hiddenDegrees = [];
    let previous = inputDegrees(D);
    this.hidden = hiddenUnits.map((units, l) => {
      let degrees: Int32Array;
      if (options.hiddenDegrees !== undefined) degrees = Int32Array.from(options.hiddenDegrees[l]);
      else if (this.residual && l > 0) degrees = this.hiddenDegrees[0];
      else degrees = hiddenDegrees(units, D, this.degreeMode, rng, l === 0 ? 1 : Math.min(...previous));
      if (degrees.length !== units) throw new RangeError(`Made: hidden layer ${l} has ${units} units but ${degrees.length} degrees`);
      const layer = new MaskedLinear({
        inDim: previous.length, outDim: units, prefix: prefixLengths(degrees, previous, false),
        contextFeatures: this.contextFeatures, dtype: this.dtype, rng,
      });
      this.hiddenDegrees.push(degrees);
      previous = degrees;
      return layer;
    });
    const outDegrees = new Int32Array(D * this.paramsPerFeature);
    for (let d = 0; d < D; d++) outDegrees.fill(d + 1, d * this.paramsPerFeature, (d + 1) * this.paramsPerFeature);
    this.output = new MaskedLinear({
      inDim: previous.length, outDim: outDegrees.length, prefix: prefixLengths(outDegrees, previous, true),
      contextFeatures: this.contextFeatures, dtype: this.dtype, rng, initScale: options.outputInitScale ?? 0.01,
    });
    this.degreeStarts = this.hiddenDegrees.map((deg) => degreeStarts(deg, D));
    // Forked last and only with dropout, so that the weights of every other MADE are what the seed always gave.
    this.dropoutRng = this.dropout > 0 ? rng.fork() : null;
  }

  config(): MadeConfig {
    return {
      features: this.features,
      hiddenUnits: this.hidden.map((l) => l.outDim),
      contextFeatures: this.contextFeatures,
      paramsPerFeature: this.paramsPerFeature,
      activation: this.activations.every((a) => a === this.activation) ? this.activation : [...this.activations],
      ...(this.dropout > 0 ? { dropout: this.dropout } : {}),
      residual: this.residual,
      degrees: this.degreeMode,
      ...(this.degreeMode === 'random' ? { hiddenDegrees: this.hiddenDegrees.map((d) => Array.from(d)) } : {}),
    };
  }

  namedParameters(prefix?: string): NamedParameters {
    const out: NamedParameters = [];
    this.hidden.forEach((layer, l) => out.push(...layer.namedParameters(joinName(prefix, `hidden.${l}`))));
    out.push(...this.output.namedParameters(joinName(prefix, 'output')));
    return out;
  }

  /** Width of the output, `D · P`. */
  get outputWidth(): number {
    return this.features * this.paramsPerFeature;
  }

  /** The parameters for every feature in one parallel pass: `[batch, D·P]` (into `out` when given). */
  forward(batch: number, x: FloatArray, context: FloatArray | null, out?: FloatArray): FloatArray {
    const result = out ?? allocate(this.dtype, batch * this.outputWidth);
    const top = this.runHidden(batch, x, context, 'eval', false);
    this.output.forward(batch, top, context, result, 'identity');
    return result;
  }

  /** The parallel pass keeping what backward needs. Buffers are reused by the next `forwardTrain` call. */
  forwardTrain(batch: number, x: FloatArray, context: FloatArray | null, options: MadeTrainOptions = {}): MadeTrainPass {
    const drop = options.dropout === true && this.dropout > 0;
    const top = this.runHidden(batch, x, context, 'train', drop);
    const output = this.scratch.get('train.out', this.dtype, batch * this.outputWidth);
    this.output.forward(batch, top, context, output, 'identity');
    return { output, backward: (dOutput) => this.backward(batch, x, context, output, dOutput, drop) };
  }

  /**
   * The staircase sequential pass. For d = 0..D−1 it computes the hidden units of degree d in every layer, then the
   * P outputs of feature d (into `params [batch, D·P]`), and calls `step(d, params)`, which must write `x[:, d]`
   * before returning. Each unit is computed once, with exactly the inputs the parallel pass uses.
   */
  sequential(batch: number, x: FloatArray, context: FloatArray | null, step: (d: number, params: FloatArray) => void): void {
    const act = this.hidden.map((layer, l) => {
      const a = this.scratch.get(`seq.a${l}`, this.dtype, batch * layer.outDim);
      layer.initOutput(batch, context, a);
      return a;
    });
    const h = this.residual ? this.hidden.map((layer, l) => this.scratch.get(`seq.h${l}`, this.dtype, batch * layer.outDim)) : act;
    const params = this.scratch.get('seq.params', this.dtype, batch * this.outputWidth);
    this.output.initOutput(batch, context, params);
    const P = this.paramsPerFeature;
    for (let d = 0; d < this.features; d++) {
      for (let l = 0; l < this.hidden.length; l++) {
        const start = this.degreeStarts[l][d];
        const end = this.degreeStarts[l][d + 1];
        if (start === end) continue;
        const layer = this.hidden[l];
        layer.accumulateRange(batch, l === 0 ? x : h[l - 1], act[l], this.activations[l], start, end);
        if (this.residual) addColumns(batch, layer.outDim, start, end, l === 0 ? null : h[l - 1], act[l], h[l]);
      }
      this.output.accumulateRange(batch, h[h.length - 1], params, 'identity', d * P, (d + 1) * P);
      step(d, params);
    }
  }

  /**
   * The staircase sequential pass fused with a described transformer, in one kernel call
   * (`Kernels.staircaseSequential`): the same result as `sequential` with a step that runs the transformer's
   * `transformForward` on feature d (`x_d = τ(u_d; θ_d)`, `logDet[b] += log τ'`), without a JS round trip per
   * feature, so the native backend keeps blocks of rows in cache through all D steps. Needs `paramsPerFeature` to be
   * the transformer's. Shapes: `u, x [batch, D]` (x is written), `context [batch, C] | null`, `logDet [batch]`
   * (accumulated); `inversion [4] | null`, the numerical inversion's report of a monotone transformer
   * (`StaircasePassOp.inversion`, accumulated).
   */
  sequentialFused(batch: number, u: FloatArray, x: FloatArray, context: FloatArray | null, logDet: Float64Array,
    transformer: TransformerKernel, inversion: Float64Array | null = null): void {
    kernels().staircaseSequential({ network: this.staircaseNetwork(transformer, 'sequentialFused'), batch, context,
      input: u, output: x, logDet, inversion });
  }

  /**
   * The parallel pass fused with the transformer's inverse, in one kernel call (`Kernels.staircaseParallel`):
   * `z = τ⁻¹(x; θ(x))` with `logDet[b] += Σ_d log|∂z_d/∂x_d|`, the density direction of a MAF. The native backend
   * runs blocks of rows through the whole network in cache and needs no `[batch, H]` buffers. Shapes as
   * `sequentialFused`, with `x` read and `z` written.
   */
  parallelFused(batch: number, x: FloatArray, z: FloatArray, context: FloatArray | null, logDet: Float64Array,
    transformer: TransformerKernel): void {
    kernels().staircaseParallel({ network: this.staircaseNetwork(transformer, 'parallelFused'), batch, context,
      input: x, output: z, logDet });
  }

  /**
   * The training pass of a MAF layer in two kernel calls (`Kernels.staircaseTrainForward`, then the returned
   * `backward`'s `staircaseTrainBackward`) instead of a call per layer and per gradient with JavaScript between
   * them: `z = τ⁻¹(x; θ(x))` with `logDet[b] += Σ_d log|∂z_d/∂x_d|`, keeping the activations and θ in a work buffer
   * for the backward half. The same numbers as `forwardTrain` followed by the transformer's inverse and its backward
   * (float32 rounding aside), without dropout. Shapes: `x, z [batch, D]`, `context [batch, C] | null`,
   * `logDet [batch]` (accumulated). `x` and `context` must stay unchanged until the backward pass.
   */
  parallelTrainFused(batch: number, x: FloatArray, z: FloatArray, context: FloatArray | null, logDet: Float64Array,
    transformer: TransformerKernel): MadeFusedTrainPass {
    const network = this.staircaseNetwork(transformer, 'parallelTrainFused');
    const saved = this.scratch.get('fused.saved', this.dtype, staircaseTrainSavedLength(network, batch));
    kernels().staircaseTrainForward({ network, batch, context, input: x, output: z, logDet, saved });
    return {
      backward: (dOutput, dLogDet, dInput, dContext) => {
        const withContext = context !== null;
        const gradients = [...this.hidden.map((l) => l.trainGradients(withContext)), this.output.trainGradients(withContext)];
        kernels().staircaseTrainBackward({ network, batch, context, input: x, output: z, saved, dOutput, dLogDet, dInput,
          dContext, gradients });
      },
    };
  }

  /**
   * The network as the fused kernels take it: built once per transformer description (the layers' parameter arrays
   * are fixed at construction; loading a model copies into them), and frozen all through, which lets the native
   * backend parse it once and keep what it read on the object.
   */
  private staircaseNetwork(transformer: TransformerKernel, caller: string): StaircaseNetwork {
    const cached = this.network;
    if (cached !== null && cached.source === transformer) return cached.network;
    const P = transformerParamsPerFeature(transformer);
    if (this.paramsPerFeature !== P) {
      throw new RangeError(`Made.${caller}: the ${transformer.kind} transformer needs paramsPerFeature ${P}, got ${this.paramsPerFeature}`);
    }
    const layer = (l: MaskedLinear): StaircaseLayer => ({
      inDim: l.inDim, outDim: l.outDim, weight: l.weight.value, prefix: staircase(l), bias: l.bias.value,
      contextWeight: l.contextWeight?.value ?? null,
    });
    const hidden = this.hidden.map((l, i): StaircaseHiddenLayer => Object.freeze({
      ...layer(l), activation: this.activations[i], degreeStarts: this.degreeStarts[i],
    }));
    const network: StaircaseNetwork = Object.freeze({ features: this.features, contextFeatures: this.contextFeatures,
      hidden: Object.freeze(hidden), output: Object.freeze(layer(this.output)), residual: this.residual,
      transformer: Object.isFrozen(transformer) ? transformer : Object.freeze({ ...transformer }) });
    this.network = { source: transformer, network };
    return network;
  }

  /**
   * The hidden layers: `a_l = act_l(L_l h_{l−1})`, with dropout `a_l ⊙ m_l` (`m_l` ∈ {0, 1/(1 − p)}, kept in
   * `${tag}.m${l}`, the dropped values in `${tag}.d${l}`), then the residual sum when there is one.
   */
  private runHidden(batch: number, x: FloatArray, context: FloatArray | null, tag: string, drop: boolean): FloatArray {
    let input = x;
    this.hidden.forEach((layer, l) => {
      const a = this.scratch.get(`${tag}.a${l}`, this.dtype, batch * layer.outDim);
      layer.forward(batch, input, context, a, this.activations[l]);
      const out = drop ? this.applyDropout(a, this.scratch.get(`${tag}.m${l}`, this.dtype, a.length), this.scratch.get(`${tag}.d${l}`, this.dtype, a.length)) : a;
      if (this.residual) {
        const h = this.scratch.get(`${tag}.h${l}`, this.dtype, batch * layer.outDim);
        addColumns(batch, layer.outDim, 0, layer.outDim, l === 0 ? null : input, out, h);
        input = h;
      } else {
        input = out;
      }
    });
    return input;
  }

  /** Draws a fresh inverted-dropout mask into `mask` and writes `a ⊙ mask` into `out`. */
  private applyDropout(a: FloatArray, mask: FloatArray, out: FloatArray): FloatArray {
    const rng = this.dropoutRng as Rng;
    const keep = 1 / (1 - this.dropout);
    for (let k = 0; k < a.length; k++) {
      mask[k] = rng.uniform() < this.dropout ? 0 : keep;
      out[k] = a[k] * mask[k];
    }
    return out;
  }

  private backward(batch: number, x: FloatArray, context: FloatArray | null, output: FloatArray,
    dOutput: FloatArray, drop: boolean): { dInput: FloatArray; dContext: FloatArray | null } {
    const L = this.hidden.length;
    const a = (l: number) => this.scratch.get(`train.a${l}`, this.dtype, batch * this.hidden[l].outDim);
    const width = (l: number) => batch * this.hidden[l].outDim;
    // What layer l passes on: the residual sum, else its (dropped) activations.
    const h = (l: number) => (this.residual ? this.scratch.get(`train.h${l}`, this.dtype, width(l))
      : drop ? this.scratch.get(`train.d${l}`, this.dtype, width(l)) : a(l));
    const dContext = context === null ? null : this.scratch.get('train.dContext', this.dtype, batch * this.contextFeatures).fill(0);
    const dOut = this.scratch.get('train.dOut', this.dtype, dOutput.length);
    dOut.set(dOutput);
    let dh = this.scratch.get(`train.dh${L - 1}`, this.dtype, batch * this.hidden[L - 1].outDim);
    this.output.backward(batch, h(L - 1), output, dOut, 'identity', dh, context, dContext);
    for (let l = L - 1; l >= 0; l--) {
      const layer = this.hidden[l];
      const input = l === 0 ? x : h(l - 1);
      const dInput = this.scratch.get(l === 0 ? 'train.dx' : `train.dh${l - 1}`, this.dtype, batch * layer.inDim);
      let dA = dh;
      if (this.residual) {
        dA = this.scratch.get('train.dA', this.dtype, dh.length);
        dA.set(dh);
      }
      if (drop) {
        const mask = this.scratch.get(`train.m${l}`, this.dtype, width(l));
        for (let k = 0; k < dA.length; k++) dA[k] *= mask[k];
      }
      layer.backward(batch, input, a(l), dA, this.activations[l], dInput, context, dContext);
      // The skip connection h_l = h_{l−1} + … passes dh straight through.
      if (this.residual && l > 0) for (let k = 0; k < dInput.length; k++) dInput[k] += dh[k];
      dh = dInput;
    }
    return { dInput: dh, dContext };
  }
}

/** A MADE layer's staircase (always set: every MADE layer is masked). */
function staircase(layer: MaskedLinear): Int32Array {
  if (layer.prefix === null) throw new Error('Made: a MADE layer has no staircase prefix');
  return layer.prefix;
}

/** `out[:, s:e] = (base ? base[:, s:e] : 0) + add[:, s:e]` for `[rows, cols]` buffers. */
function addColumns(rows: number, cols: number, start: number, end: number, base: FloatArray | null, add: FloatArray,
  out: FloatArray): void {
  for (let r = 0; r < rows; r++) {
    for (let k = r * cols + start, stop = r * cols + end; k < stop; k++) out[k] = (base === null ? 0 : base[k]) + add[k];
  }
}

/**
 * Explicit hidden degrees (a saved model's) must be what `hiddenDegrees` produces: one integer vector per hidden layer,
 * of the layer's width, **sorted** (every mask is then a staircase; the kernels rely on it) and within [0, D − 1].
 */
function checkHiddenDegrees(degrees: readonly (readonly number[])[], hiddenUnits: readonly number[], D: number): void {
  if (!Array.isArray(degrees) || degrees.length !== hiddenUnits.length) {
    throw new RangeError(`Made: hiddenDegrees must hold one vector per hidden layer (${hiddenUnits.length}), got ${Array.isArray(degrees) ? degrees.length : typeof degrees}`);
  }
  const top = Math.max(D - 1, 0);
  degrees.forEach((layer, l) => {
    if (!Array.isArray(layer) || layer.length !== hiddenUnits[l]) {
      throw new RangeError(`Made: hiddenDegrees[${l}] must have ${hiddenUnits[l]} entries (the layer's width), got ${Array.isArray(layer) ? layer.length : typeof layer}`);
    }
    for (let j = 0; j < layer.length; j++) {
      const d = layer[j];
      if (!Number.isInteger(d) || d < 0 || d > top) throw new RangeError(`Made: hiddenDegrees[${l}][${j}] must be an integer in [0, ${top}], got ${JSON.stringify(d)}`);
      if (j > 0 && d < layer[j - 1]) {
        throw new RangeError(`Made: hiddenDegrees[${l}] must be sorted (unit ${j} has degree ${d} after ${layer[j - 1]}): maflow's staircase kernels need sorted degrees`);
      }
    }
  });
}
