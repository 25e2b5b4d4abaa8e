/**
 * Rebuilding bijectors from their JSON `config()` (model files). Weights, and the buffers that `collectBuffers`
 * names, are loaded afterwards by name.
 *
 * @example
 * import { Rng, createBijector, createMaf, matrix } from 'maflow';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const copy = createBijector(flow.bijector.config(), new Rng(1));   // same architecture, fresh weights
 * const byName = new Map(flow.bijector.namedParameters());
 * for (const [name, p] of copy.namedParameters()) p.value.set(byName.get(name)!.value);
 * const x = matrix([[0.5, -1]]);
 * console.log(copy.inverse(x).data.join() === flow.bijector.inverse(x).data.join()); // → true
 */
import type { Dtype } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import type { Activation } from '../kernels/kernels.ts';
import { ActNorm, type ActNormConfig } from './act-norm.ts';
import { AffineCoupling, type AffineCouplingConfig } from './affine-coupling.ts';
import { BatchNormalization, type BatchNormalizationConfig } from './batch-normalization.ts';
import { Bijector, type BijectorConfig } from './bijector.ts';
import { Bounds, type BoundsConfig } from './bounds.ts';
import { Chain } from './chain.ts';
import { createTransformer } from './create-transformer.ts';
import { Exp } from './exp.ts';
import { Invert } from './invert.ts';
import { LuLinear, type LuLinearConfig } from './lu-linear.ts';
import { MaskedAutoregressiveFlow, type MaskedAutoregressiveFlowConfig } from './masked-autoregressive-flow.ts';
import { Permute } from './permute.ts';
import { Scale, type ScaleConfig } from './scale.ts';
import { Shift, type ShiftConfig } from './shift.ts';
import { Sigmoid, type SigmoidConfig } from './sigmoid.ts';
import { Softplus } from './softplus.ts';
import { Standardize, type StandardizeConfig } from './standardize.ts';
import { Tanh } from './tanh.ts';
import type { TransformerConfig } from './transformer.ts';

const KNOWN = ['MaskedAutoregressiveFlow', 'Chain', 'Permute', 'Invert', 'BatchNormalization', 'AffineCoupling', 'Shift', 'Scale', 'Standardize',
  'Sigmoid', 'Tanh', 'Exp', 'Softplus', 'Bounds', 'LuLinear', 'ActNorm'];

/**
 * Rebuilds any maflow bijector from its `config()`, recursively; weights are freshly initialised from `rng`
 * (load them afterwards by name). Throws naming the unknown type or the missing field.
 */
export function createBijector(config: BijectorConfig, rng: Rng = new Rng(0)): Bijector {
  if (config === null || typeof config !== 'object' || typeof config.type !== 'string') {
    throw new Error(`createBijector: expected a bijector config {type, …}, got ${JSON.stringify(config)}`);
  }
  const where = `createBijector(${config.type})`;
  switch (config.type) {
    case 'MaskedAutoregressiveFlow':
      need(config, ['made', 'transformer', 'dtype'], where);
      return MaskedAutoregressiveFlow.fromConfig(config as MaskedAutoregressiveFlowConfig, rng);
    case 'Chain': {
      const members = need(config, ['bijectors'], where).bijectors;
      if (!Array.isArray(members)) throw new Error(`${where}: 'bijectors' must be an array of configs`);
      return new Chain(members.map((c: BijectorConfig) => createBijector(c, rng)));
    }
    case 'Permute': {
      const c = need(config, ['features', 'permutation'], where);
      return new Permute({ features: c.features as number, permutation: c.permutation as number[], dtype: c.dtype as Dtype | undefined });
    }
    case 'Invert':
      return new Invert(createBijector(need(config, ['bijector'], where).bijector as BijectorConfig, rng));
    case 'BatchNormalization': {
      const c = need(config, ['features'], where) as BatchNormalizationConfig;
      return new BatchNormalization({ features: c.features, eps: c.eps, momentum: c.momentum, dtype: c.dtype });
    }
    case 'AffineCoupling': {
      const c = need(config, ['features', 'mask', 'hiddenUnits', 'transformer'], where) as AffineCouplingConfig;
      return new AffineCoupling({
        features: c.features, mask: c.mask, hiddenUnits: c.hiddenUnits, activation: c.activation as Activation,
        contextFeatures: c.contextFeatures, transformer: createTransformer(c.transformer as TransformerConfig), dtype: c.dtype, rng,
      });
    }
    case 'Shift': {
      const c = need(config, ['features'], where) as ShiftConfig;
      return new Shift({ features: c.features, shift: c.shift, trainable: c.trainable, dtype: c.dtype });
    }
    case 'Scale': {
      const c = need(config, ['features'], where) as ScaleConfig;
      return new Scale({ features: c.features, logScale: c.logScale, trainable: c.trainable, dtype: c.dtype });
    }
    case 'Standardize':
      return Standardize.fromConfig(need(config, ['features', 'mean', 'std'], where) as StandardizeConfig);
    case 'Sigmoid': {
      const c = need(config, ['features'], where) as SigmoidConfig;
      return new Sigmoid({ features: c.features, low: c.low, high: c.high, dtype: c.dtype });
    }
    case 'Tanh':
    case 'Exp':
    case 'Softplus': {
      const c = need(config, ['features'], where) as BijectorConfig & { features: number; dtype?: Dtype };
      const Elementwise = { Tanh, Exp, Softplus }[config.type];
      return new Elementwise({ features: c.features, dtype: c.dtype });
    }
    case 'Bounds':
      return Bounds.fromConfig(need(config, ['features', 'lower', 'upper'], where) as BoundsConfig);
    case 'LuLinear': {
      const c = need(config, ['features', 'permutation'], where) as LuLinearConfig;
      return new LuLinear({ features: c.features, permutation: c.permutation, dtype: c.dtype });
    }
    case 'ActNorm': {
      const c = need(config, ['features'], where) as ActNormConfig;
      return new ActNorm({ features: c.features, dtype: c.dtype });
    }
    default:
      throw new Error(`createBijector: unknown bijector type '${config.type}' (expected one of ${KNOWN.join(', ')})`);
  }
}

function need(config: BijectorConfig, fields: string[], where: string): BijectorConfig {
  for (const f of fields) {
    if (config[f] === undefined) throw new Error(`${where}: the config has no '${f}' field`);
  }
  return config;
}
