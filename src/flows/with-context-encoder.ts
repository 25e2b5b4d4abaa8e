import { Rng } from '../core/rng.ts';
import type { Standardize } from '../bijectors/standardize.ts';
import type { Distribution } from '../distributions/distribution.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import type { Activation } from '../kernels/kernels.ts';
import { MlpEncoder } from '../nn/mlp-encoder.ts';

/** Options of `withContextEncoder(flow, options)`. */
export interface WithContextEncoderOptions {
  /** Width of the raw context the result takes (the encoder's input). */
  contextFeatures: number;
  /** Hidden widths of the encoder. @default [32] */
  hiddenUnits?: readonly number[];
  /** @default 'relu' */
  activation?: Activation;
  /**
   * A fixed standardization of the raw context in front of the encoder (e.g. `Standardize.fit(context)`); a pre-map the
   * flow already has must be of the raw width and is kept. @default the flow's own pre-map, if any
   */
  contextStandardize?: Standardize;
  /** Seeds the encoder's weights. @default new Rng(0) */
  rng?: Rng;
}

/**
 * Any conditional flow with a trainable MLP context encoder in front (nflows' `embedding_net`, FlowJAX's
 * `EmbedCondition`): the result takes a raw context `c [n, contextFeatures]` and its layers see `e = MLP(c)`, of the
 * width `flow.contextFeatures` they were built for; `fit` trains the encoder with the layers (the layers' context
 * gradient flows into it). A context pre-map (`contextStandardize`) sits in front of the encoder. The result shares the flow's
 * layers. Works for every factory (`createMaf`, `createNsf`, `createRealNvp`, …) and any `TransformedDistribution`.
 *
 * @example
 * import { Rng, createMaf, matrix, withContextEncoder } from 'maflow';
 * const inner = createMaf({ features: 2, layers: 2, hiddenUnits: [16], contextFeatures: 8, rng: new Rng(0) });
 * const flow = withContextEncoder(inner, { contextFeatures: 3, hiddenUnits: [32], rng: new Rng(1) });
 * console.log(flow.contextFeatures, flow.logProb(matrix([[0, 1]]), { context: matrix([[1, 2, 3]]) }).length); // → 3 1
 */
export function withContextEncoder(flow: Distribution, options: WithContextEncoderOptions): TransformedDistribution {
  if (!(flow instanceof TransformedDistribution)) throw new TypeError('withContextEncoder: expected a TransformedDistribution (a flow)');
  if (flow.contextFeatures === 0) throw new RangeError('withContextEncoder: the flow takes no context (build it with contextFeatures = the embedding width)');
  if (flow.contextEncoder !== undefined) throw new RangeError('withContextEncoder: the flow has a context encoder already');
  const pre = options.contextStandardize ?? flow.contextStandardize;
  if (pre !== undefined && pre.features !== options.contextFeatures) {
    throw new RangeError(`withContextEncoder: the context pre-map has ${pre.features} columns, expected ${options.contextFeatures} (the raw context)`);
  }
  const contextEncoder = new MlpEncoder({
    inputFeatures: options.contextFeatures, outputFeatures: flow.contextFeatures, hiddenUnits: options.hiddenUnits,
    activation: options.activation, dtype: flow.dtype, rng: options.rng ?? new Rng(0),
  });
  return new TransformedDistribution(flow.base, flow.bijector, {
    contextEncoder, ...(pre === undefined ? {} : { contextStandardize: pre }),
  });
}
