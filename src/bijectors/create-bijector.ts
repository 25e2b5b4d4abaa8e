/**
 * Rebuilding bijectors from their JSON `config()` (model files), and the two walks over a composed bijector that
 * concern *buffers* — state that is saved with a model but not trained (BatchNormalization's running statistics):
 * `collectBuffers` names them like parameters, `setBatchNormStatistics` sets them from data.
 *
 * Buffer contract: a bijector with buffers has a method `namedBuffers(prefix?: string): Array<[string, Float64Array]>`;
 * wrappers are walked through their `bijectors` (Chain) or `bijector` (Invert) fields with the same prefixes as
 * `namedParameters`.
 *
 * @example
 * const copy = createBijector(flow.bijector.config(), new Rng(0));   // same architecture, fresh weights
 * for (const [name, p] of copy.namedParameters()) p.value.set(byName.get(name)!.value);
 */
import type { Dtype, Matrix } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import type { Activation } from '../kernels/kernels.ts';
import { joinName } from '../nn/parameter.ts';
import { AffineCoupling, type AffineCouplingConfig } from './affine-coupling.ts';
import { BatchNormalization, type BatchNormalizationConfig } from './batch-normalization.ts';
import { Bijector, type BijectorConfig } from './bijector.ts';
import { Chain } from './chain.ts';
import { createTransformer } from './create-transformer.ts';
import { Invert } from './invert.ts';
import { MaskedAutoregressiveFlow, type MaskedAutoregressiveFlowConfig } from './masked-autoregressive-flow.ts';
import { Permute } from './permute.ts';
import { Scale, type ScaleConfig } from './scale.ts';
import { Shift, type ShiftConfig } from './shift.ts';
import type { TransformerConfig } from './transformer.ts';

const KNOWN = ['MaskedAutoregressiveFlow', 'Chain', 'Permute', 'Invert', 'BatchNormalization', 'AffineCoupling', 'Shift', 'Scale'];

/** Named buffers, like `NamedParameters` but untrained `Float64Array`s. */
export type NamedBuffers = Array<[string, Float64Array]>;

/** Something that owns a bijector, like a `TransformedDistribution` (its parameters are named `bijector.…`). */
export interface HasBijector {
  readonly bijector: Bijector;
}

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
    default:
      throw new Error(`createBijector: unknown bijector type '${config.type}' (expected one of ${KNOWN.join(', ')})`);
  }
}

/**
 * Every buffer under `target`, named with the prefixes `namedParameters` uses (for a `TransformedDistribution`:
 * `bijector.bijectors.1.runningMean`, …). The arrays are the live buffers, not copies.
 */
export function collectBuffers(target: Bijector | HasBijector, prefix?: string): NamedBuffers {
  if (!(target instanceof Bijector)) return collectBuffers(target.bijector, joinName(prefix, 'bijector'));
  const own = (target as Bijector & { namedBuffers?: (p?: string) => NamedBuffers }).namedBuffers;
  if (typeof own === 'function') return own.call(target, prefix);
  const wrapper = target as Bijector & { bijectors?: unknown; bijector?: unknown };
  if (Array.isArray(wrapper.bijectors)) {
    return (wrapper.bijectors as Bijector[]).flatMap((b, i) => collectBuffers(b, joinName(prefix, `bijectors.${i}`)));
  }
  if (wrapper.bijector instanceof Bijector) return collectBuffers(wrapper.bijector, joinName(prefix, 'bijector'));
  return [];
}

/**
 * Sets the population statistics of every `BatchNormalization` in a flow from `data [n, features]` (the MAF paper
 * does this with the training data before evaluation): the data is pushed through the chain in data → base order in
 * evaluation mode, and each BatchNormalization takes the mean and variance of its actual input. Batch normalisations
 * must sit in `Chain`s (not inside an `Invert`, whose data side is its output). Training modes are restored after.
 * Returns the number of BatchNormalization layers set.
 */
export function setBatchNormStatistics(target: Bijector | HasBijector, data: Matrix, options: { context?: Matrix } = {}): number {
  const bijector = target instanceof Bijector ? target : target.bijector;
  const wasTraining = bijector.isTraining;
  bijector.train(false);
  try {
    const counter = { count: 0 };
    pushThrough(bijector, data, options.context ?? null, counter, false);
    return counter.count;
  } finally {
    bijector.train(wasTraining);
  }
}

/** Sets the statistics of the batch normalisations in `b` from its input `x`; returns `b.inverse(x)` when `needOutput`. */
function pushThrough(b: Bijector, x: Matrix, context: Matrix | null, counter: { count: number }, needOutput: boolean): Matrix {
  if (b instanceof BatchNormalization) {
    b.setPopulationStatistics(x);
    counter.count++;
    return needOutput ? b.inverse(x) : x;
  }
  if (b instanceof Chain) {
    // Layers after the last batch normalisation need not run unless the caller needs this chain's output.
    let last = b.bijectors.length - 1;
    if (!needOutput) while (last >= 0 && collectBuffers(b.bijectors[last]).length === 0) last--;
    let value = x;
    for (let i = 0; i <= last; i++) value = pushThrough(b.bijectors[i], value, context, counter, needOutput || i < last);
    return value;
  }
  if (collectBuffers(b).length > 0) {
    throw new Error(`setBatchNormStatistics: cannot set BatchNormalization statistics inside ${b.constructor.name} (only directly or inside Chain)`);
  }
  return needOutput ? b.inverse(x, b.contextFeatures > 0 && context !== null ? { context } : {}) : x;
}

function need(config: BijectorConfig, fields: string[], where: string): BijectorConfig {
  for (const f of fields) {
    if (config[f] === undefined) throw new Error(`${where}: the config has no '${f}' field`);
  }
  return config;
}
