import { AffineTransformer } from './affine-transformer.ts';
import { RationalQuadraticSpline } from './rational-quadratic-spline.ts';
import type { Transformer, TransformerConfig } from './transformer.ts';

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
    default:
      throw new Error(`createTransformer: unknown transformer type '${config.type}' (expected 'affine' or 'spline')`);
  }
}
