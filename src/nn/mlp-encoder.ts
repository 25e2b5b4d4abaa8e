import { allocate, type Dtype, type FloatArray } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import type { Activation } from '../kernels/kernels.ts';
import { MaskedLinear } from './masked-linear.ts';
import { joinName, type Module, type NamedParameters } from './parameter.ts';
import { Scratch } from './scratch.ts';

/** Options of `new MlpEncoder(options)`. */
export interface MlpEncoderOptions {
  /** Width of the input (the raw context). */
  inputFeatures: number;
  /** Width of the output (the embedding the flow's layers see). */
  outputFeatures: number;
  /** Widths of the hidden layers. @default [32] */
  hiddenUnits?: readonly number[];
  /** Nonlinearity of the hidden layers. @default 'relu' */
  activation?: Activation;
  /** Nonlinearity of the output layer. @default 'identity' */
  outputActivation?: Activation;
  /** Scales the output layer's initial weights (small: a near-constant output at first). @default 1 */
  outputInitScale?: number;
  /** @default 'float32' */
  dtype?: Dtype;
  /** Seeds the weights. @default new Rng(0) */
  rng?: Rng;
}

/** The JSON description of an `MlpEncoder` (weights aside). */
export interface MlpEncoderConfig {
  type: 'MlpEncoder';
  inputFeatures: number;
  outputFeatures: number;
  hiddenUnits: number[];
  activation: Activation;
  outputActivation: Activation;
  dtype: Dtype;
}

/** A differentiable evaluation of an `MlpEncoder`. */
export interface MlpEncoderTrainPass {
  /** `[batch, outputFeatures]`; a reusable buffer, valid until the encoder's next train pass. */
  output: FloatArray;
  /** Accumulates the parameter gradients given `∂L/∂output` and returns `∂L/∂input` `[batch, inputFeatures]`. */
  backward(dOutput: FloatArray): FloatArray;
}

/**
 * A dense multilayer perceptron, the trainable context encoder (embedding network) of conditional flows (nflows'
 * `embedding_net`, FlowJAX's `EmbedCondition`): `h_0 = c`, `h_l = act(W_l h_{l−1} + b_l)`, output
 * `e = outAct(W_L h_{L−1} + b_L)`. Its layers are dense `MaskedLinear`s, so forward and backward run on the
 * backend's GEMMs. Shapes: `c [batch, inputFeatures]` → `e [batch, outputFeatures]`.
 *
 * @example
 * import { MlpEncoder, Rng } from 'maflow';
 * const encoder = new MlpEncoder({ inputFeatures: 3, outputFeatures: 4, hiddenUnits: [8], rng: new Rng(0) });
 * const e = encoder.forward(2, new Float32Array(6));   // [2, 4]
 * console.log(e.length, encoder.namedParameters().map(([name]) => name)); // → 8 [ 'layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias' ]
 */
export class MlpEncoder implements Module {
  readonly inputFeatures: number;
  readonly outputFeatures: number;
  readonly activation: Activation;
  readonly outputActivation: Activation;
  readonly dtype: Dtype;
  readonly layers: MaskedLinear[];
  private readonly scratch = new Scratch();

  constructor(options: MlpEncoderOptions) {
    const { inputFeatures, outputFeatures } = options;
    for (const [name, v] of [['inputFeatures', inputFeatures], ['outputFeatures', outputFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`MlpEncoder: ${name} must be a positive integer, got ${v}`);
    }
    const hidden = options.hiddenUnits ?? [32];
    hidden.forEach((h, l) => {
      if (!Number.isInteger(h) || h < 1) throw new RangeError(`MlpEncoder: hiddenUnits[${l}] must be a positive integer, got ${h}`);
    });
    this.inputFeatures = inputFeatures;
    this.outputFeatures = outputFeatures;
    this.activation = options.activation ?? 'relu';
    this.outputActivation = options.outputActivation ?? 'identity';
    this.dtype = options.dtype ?? 'float32';
    const rng = options.rng ?? new Rng(0);
    const widths = [inputFeatures, ...hidden, outputFeatures];
    this.layers = widths.slice(1).map((outDim, l) => new MaskedLinear({
      inDim: widths[l], outDim, dtype: this.dtype, rng, initScale: l === widths.length - 2 ? options.outputInitScale ?? 1 : 1,
    }));
  }

  /** Rebuilds an encoder from `config()` (weights are loaded afterwards by name). */
  static fromConfig(config: MlpEncoderConfig, rng: Rng = new Rng(0)): MlpEncoder {
    return new MlpEncoder({ ...config, rng });
  }

  config(): MlpEncoderConfig {
    return {
      type: 'MlpEncoder', inputFeatures: this.inputFeatures, outputFeatures: this.outputFeatures,
      hiddenUnits: this.layers.slice(0, -1).map((l) => l.outDim), activation: this.activation,
      outputActivation: this.outputActivation, dtype: this.dtype,
    };
  }

  namedParameters(prefix?: string): NamedParameters {
    return this.layers.flatMap((layer, l) => layer.namedParameters(joinName(prefix, `layers.${l}`)));
  }

  /** `e [batch, outputFeatures]` for `c [batch, inputFeatures]` (a fresh array). */
  forward(batch: number, c: FloatArray): FloatArray {
    let input = c;
    this.layers.forEach((layer, l) => {
      const out = allocate(this.dtype, batch * layer.outDim);
      layer.forward(batch, input, null, out, this.activationOf(l));
      input = out;
    });
    return input;
  }

  /** The forward pass keeping what backward needs (buffers reused by the next train pass). */
  forwardTrain(batch: number, c: FloatArray): MlpEncoderTrainPass {
    const outputs = this.layers.map((layer, l) => this.scratch.get(`a${l}`, this.dtype, batch * layer.outDim));
    this.layers.forEach((layer, l) => layer.forward(batch, l === 0 ? c : outputs[l - 1], null, outputs[l], this.activationOf(l)));
    return {
      output: outputs[outputs.length - 1],
      backward: (dOutput) => {
        let d = this.scratch.get('d.out', this.dtype, dOutput.length);
        d.set(dOutput);
        for (let l = this.layers.length - 1; l >= 0; l--) {
          const layer = this.layers[l];
          const dIn = this.scratch.get(`d${l}`, this.dtype, batch * layer.inDim);
          layer.backward(batch, l === 0 ? c : outputs[l - 1], outputs[l], d, this.activationOf(l), dIn, null, null);
          d = dIn;
        }
        return d;
      },
    };
  }

  private activationOf(l: number): Activation {
    return l === this.layers.length - 1 ? this.outputActivation : this.activation;
  }
}
