import { allocate, type Dtype, type FloatArray } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { kernels } from '../kernels/backend.ts';
import type { Activation, StaircaseHiddenLayer, StaircaseLayer } from '../kernels/kernels.ts';
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
  /** @default 'relu' */
  activation?: Activation;
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
  activation: Activation;
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
 * `h_l = h_{l−1} + act(L_l h_{l−1})`.
 */
export class Made implements Module {
  readonly features: number;
  readonly contextFeatures: number;
  readonly paramsPerFeature: number;
  readonly activation: Activation;
  readonly residual: boolean;
  readonly degreeMode: DegreeMode;
  readonly dtype: Dtype;
  readonly hidden: MaskedLinear[];
  readonly output: MaskedLinear;
  /** Sorted degrees of each hidden layer. */
  readonly hiddenDegrees: Int32Array[];
  private readonly degreeStarts: Int32Array[];
  private readonly scratch = new Scratch();

  constructor(options: MadeOptions) {
    const D = options.features;
    if (!Number.isInteger(D) || D < 1) throw new RangeError(`Made: features must be a positive integer, got ${D}`);
    const hiddenUnits = options.hiddenUnits ?? [64, 64];
    this.features = D;
    this.contextFeatures = options.contextFeatures ?? 0;
    this.paramsPerFeature = options.paramsPerFeature ?? 2;
    this.activation = options.activation ?? 'relu';
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
  }

  config(): MadeConfig {
    return {
      features: this.features,
      hiddenUnits: this.hidden.map((l) => l.outDim),
      contextFeatures: this.contextFeatures,
      paramsPerFeature: this.paramsPerFeature,
      activation: this.activation,
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
    const top = this.runHidden(batch, x, context, 'eval');
    this.output.forward(batch, top, context, result, 'identity');
    return result;
  }

  /** The parallel pass keeping what backward needs. Buffers are reused by the next `forwardTrain` call. */
  forwardTrain(batch: number, x: FloatArray, context: FloatArray | null): MadeTrainPass {
    const top = this.runHidden(batch, x, context, 'train');
    const output = this.scratch.get('train.out', this.dtype, batch * this.outputWidth);
    this.output.forward(batch, top, context, output, 'identity');
    return { output, backward: (dOutput) => this.backward(batch, x, context, output, dOutput) };
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
        layer.accumulateRange(batch, l === 0 ? x : h[l - 1], act[l], this.activation, start, end);
        if (this.residual) addColumns(batch, layer.outDim, start, end, l === 0 ? null : h[l - 1], act[l], h[l]);
      }
      this.output.accumulateRange(batch, h[h.length - 1], params, 'identity', d * P, (d + 1) * P);
      step(d, params);
    }
  }

  /**
   * The staircase sequential pass fused with an affine transformer, in one kernel call
   * (`Kernels.staircaseSequentialAffine`): the same result as `sequential` with a step that runs
   * `affineForward` on feature d (`x_d = u_d · exp(s_d) + m_d`, `s_d = c·tanh(r_d / c)`, `logDet[b] += s_d`), without
   * a JS round trip per feature, so the native backend keeps blocks of rows in cache through all D steps.
   * Needs `paramsPerFeature` = 2 (or 1 with `shiftOnly`). Shapes: `u, x [batch, D]` (x is written), `context
   * [batch, C] | null`, `logDet [batch]` (accumulated).
   */
  sequentialAffine(batch: number, u: FloatArray, x: FloatArray, context: FloatArray | null, logDet: Float64Array,
    logScaleBound: number, shiftOnly: boolean): void {
    const { hidden, output } = this.staircaseLayers(shiftOnly, 'sequentialAffine');
    kernels().staircaseSequentialAffine(batch, this.features, this.contextFeatures, context, hidden, output,
      this.residual, u, x, logDet, logScaleBound, shiftOnly);
  }

  /**
   * The parallel pass fused with the affine transformer's inverse, in one kernel call
   * (`Kernels.staircaseParallelAffine`): `z = (x − m) · exp(−s)` with `(m, s) = forward(x)` and `logDet[b] −= Σ_d s_d`,
   * the density direction of an affine MAF. The native backend runs blocks of rows through the whole network in cache
   * and needs no `[batch, H]` buffers. Shapes as `sequentialAffine`, with `x` read and `z` written.
   */
  parallelAffine(batch: number, x: FloatArray, z: FloatArray, context: FloatArray | null, logDet: Float64Array,
    logScaleBound: number, shiftOnly: boolean): void {
    const { hidden, output } = this.staircaseLayers(shiftOnly, 'parallelAffine');
    kernels().staircaseParallelAffine(batch, this.features, this.contextFeatures, context, hidden, output,
      this.residual, x, z, logDet, logScaleBound, shiftOnly);
  }

  /** The layers as the fused kernels take them (built per call: loading a model may replace parameter arrays). */
  private staircaseLayers(shiftOnly: boolean, caller: string): { hidden: StaircaseHiddenLayer[]; output: StaircaseLayer } {
    const P = shiftOnly ? 1 : 2;
    if (this.paramsPerFeature !== P) {
      throw new RangeError(`Made.${caller}: expected paramsPerFeature ${P} (shiftOnly ${shiftOnly}), got ${this.paramsPerFeature}`);
    }
    const layer = (l: MaskedLinear): StaircaseLayer => ({
      inDim: l.inDim, outDim: l.outDim, weight: l.weight.value, prefix: staircase(l), bias: l.bias.value,
      contextWeight: l.contextWeight?.value ?? null,
    });
    const hidden = this.hidden.map((l, i): StaircaseHiddenLayer => ({
      ...layer(l), activation: this.activation, degreeStarts: this.degreeStarts[i],
    }));
    return { hidden, output: layer(this.output) };
  }

  private runHidden(batch: number, x: FloatArray, context: FloatArray | null, tag: string): FloatArray {
    let input = x;
    this.hidden.forEach((layer, l) => {
      const a = this.scratch.get(`${tag}.a${l}`, this.dtype, batch * layer.outDim);
      layer.forward(batch, input, context, a, this.activation);
      if (this.residual) {
        const h = this.scratch.get(`${tag}.h${l}`, this.dtype, batch * layer.outDim);
        addColumns(batch, layer.outDim, 0, layer.outDim, l === 0 ? null : input, a, h);
        input = h;
      } else {
        input = a;
      }
    });
    return input;
  }

  private backward(batch: number, x: FloatArray, context: FloatArray | null, output: FloatArray,
    dOutput: FloatArray): { dInput: FloatArray; dContext: FloatArray | null } {
    const L = this.hidden.length;
    const a = (l: number) => this.scratch.get(`train.a${l}`, this.dtype, batch * this.hidden[l].outDim);
    const h = (l: number) => (this.residual ? this.scratch.get(`train.h${l}`, this.dtype, batch * this.hidden[l].outDim) : a(l));
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
      layer.backward(batch, input, a(l), dA, this.activation, dInput, context, dContext);
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
