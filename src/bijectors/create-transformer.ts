import { AffineTransformer } from './affine-transformer.ts';
import { BernsteinTransformer } from './bernstein-transformer.ts';
import { CircularSpline } from './circular-spline.ts';
import { NeuralAutoregressiveTransformer } from './neural-autoregressive-transformer.ts';
import { RationalQuadraticSpline } from './rational-quadratic-spline.ts';
import type { Transformer, TransformerConfig } from './transformer.ts';
import { UmnnTransformer } from './umnn-transformer.ts';

/** The transformer types `createTransformer` knows (the `type` of their configs). */
const TRANSFORMER_TYPES = ['affine', 'spline', 'naf', 'umnn', 'bernstein', 'circular-spline'];

/** Rebuilds a transformer from its JSON config (model files, factories). */
export function createTransformer(config: TransformerConfig): Transformer {
  switch (config.type) {
    case 'affine':
      return new AffineTransformer({
        shiftOnly: Boolean(config.shiftOnly),
        logScaleBound: config.logScaleBound === null ? Infinity : (config.logScaleBound as number | undefined),
      });
    case 'spline':
      return new RationalQuadraticSpline({
        bins: config.bins as number | undefined,
        tailBound: config.tailBound as number | undefined,
        minBinWidth: config.minBinWidth as number | undefined,
        minBinHeight: config.minBinHeight as number | undefined,
        minDerivative: config.minDerivative as number | undefined,
      });
    case 'naf':
      return new NeuralAutoregressiveTransformer({ hiddenUnits: config.hiddenUnits as number | undefined, blocks: config.blocks as number | undefined });
    case 'umnn':
      return new UmnnTransformer({ hiddenUnits: config.hiddenUnits as number | undefined, intervals: config.intervals as number | undefined });
    case 'bernstein':
      return new BernsteinTransformer({ degree: config.degree as number | undefined, bound: config.bound as number | undefined });
    case 'circular-spline':
      return new CircularSpline({ circular: config.circular as boolean[], bins: config.bins as number | undefined });
    default:
      throw new Error(`createTransformer: unknown transformer type '${config.type}' (expected ${TRANSFORMER_TYPES.map((t) => `'${t}'`).join(', ')})`);
  }
}
