/** Rebuilds a transformer from its JSON config (model files, factories). */
import { AffineTransformer } from './affine-transformer.ts';
import type { Transformer, TransformerConfig } from './transformer.ts';

export function createTransformer(config: TransformerConfig): Transformer {
  switch (config.type) {
    case 'affine':
      return new AffineTransformer({
        shiftOnly: Boolean(config.shiftOnly),
        logScaleBound: config.logScaleBound === null ? Infinity : (config.logScaleBound as number | undefined),
      });
    default:
      throw new Error(`createTransformer: unknown transformer type '${config.type}' (expected 'affine')`);
  }
}
