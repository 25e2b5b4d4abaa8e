/**
 * Rebuilds any maflow distribution from its JSON `config()` (model files), recursively: `StandardNormal`,
 * `DiagNormal`, `ConditionalNormal`, `MixtureOfGaussians`, `MadeMog` and `TransformedDistribution` (whose bijector goes through
 * `createBijector`). Weights are freshly initialised from `rng`; load them afterwards by name.
 *
 * @example
 * import { Rng, createDistribution, createMaf, matrix } from 'maflow';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const copy = createDistribution(flow.config(), new Rng(1));     // same architecture, fresh weights
 * const saved = new Map(flow.namedParameters());
 * for (const [name, p] of copy.namedParameters()) p.value.set(saved.get(name)!.value);
 * const x = matrix([[0.5, -1.2]]);
 * console.log(copy.logProb(x)[0] === flow.logProb(x)[0]); // → true
 */
import type { Dtype } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import type { BijectorConfig } from '../bijectors/bijector.ts';
import { createBijector } from '../bijectors/create-bijector.ts';
import { Standardize, type StandardizeConfig } from '../bijectors/standardize.ts';
import { MlpEncoder, type MlpEncoderConfig } from '../nn/mlp-encoder.ts';
import { ConditionalNormal, type ConditionalNormalConfig } from './conditional-normal.ts';
import { DiagNormal, type DiagNormalConfig } from './diag-normal.ts';
import type { Distribution, DistributionConfig } from './distribution.ts';
import { MadeMog, type MadeMogConfig } from './made-mog.ts';
import { MixtureOfGaussians, type MixtureOfGaussiansConfig } from './mixture-of-gaussians.ts';
import { StandardNormal } from './standard-normal.ts';
import { TransformedDistribution } from './transformed-distribution.ts';

const KNOWN = ['StandardNormal', 'DiagNormal', 'ConditionalNormal', 'MixtureOfGaussians', 'MadeMog', 'TransformedDistribution'];

/** Rebuilds a distribution from `config`; throws naming the unknown type or the missing field. */
export function createDistribution(config: DistributionConfig, rng: Rng = new Rng(0)): Distribution {
  if (config === null || typeof config !== 'object' || typeof config.type !== 'string') {
    throw new Error(`createDistribution: expected a distribution config {type, …}, got ${JSON.stringify(config)}`);
  }
  const where = `createDistribution(${config.type})`;
  switch (config.type) {
    case 'StandardNormal':
      need(config, ['features'], where);
      return new StandardNormal(config.features as number, config.dtype as Dtype | undefined);
    case 'DiagNormal':
      need(config, ['features'], where);
      return DiagNormal.fromConfig(config as DiagNormalConfig);
    case 'ConditionalNormal':
      need(config, ['features', 'contextFeatures', 'network'], where);
      checkEncoderConfig(config.network, `${where}.network`);
      return ConditionalNormal.fromConfig(config as ConditionalNormalConfig, rng);
    case 'MixtureOfGaussians':
      need(config, ['features', 'components'], where);
      return MixtureOfGaussians.fromConfig(config as MixtureOfGaussiansConfig, rng);
    case 'MadeMog':
      need(config, ['made', 'components'], where);
      return MadeMog.fromConfig(config as MadeMogConfig, rng);
    case 'TransformedDistribution': {
      need(config, ['base', 'bijector'], where);
      // Bijector first: its weights are drawn from rng before the base's, as in the factories.
      const bijector = createBijector(config.bijector as BijectorConfig, rng);
      const pre = config.contextStandardize as StandardizeConfig | undefined;
      if (pre !== undefined && (pre === null || typeof pre !== 'object' || pre.type !== 'Standardize')) {
        throw new Error(`${where}: 'contextStandardize' must be a Standardize config, got ${JSON.stringify(pre)}`);
      }
      const encoder = config.contextEncoder === undefined ? undefined : checkEncoderConfig(config.contextEncoder, `${where}.contextEncoder`);
      return new TransformedDistribution(createDistribution(config.base as DistributionConfig, rng), bijector, {
        ...(pre === undefined ? {} : { contextStandardize: Standardize.fromConfig(pre) }),
        ...(encoder === undefined ? {} : { contextEncoder: MlpEncoder.fromConfig(encoder, rng) }),
      });
    }
    default:
      throw new Error(`createDistribution: unknown distribution type '${config.type}' (expected one of ${KNOWN.join(', ')})`);
  }
}

function checkEncoderConfig(config: unknown, where: string): MlpEncoderConfig {
  if (config === null || typeof config !== 'object' || (config as { type?: unknown }).type !== 'MlpEncoder') {
    throw new Error(`${where}: expected an MlpEncoder config, got ${JSON.stringify(config)}`);
  }
  return config as MlpEncoderConfig;
}

function need(config: DistributionConfig, fields: string[], where: string): void {
  for (const f of fields) {
    if (config[f] === undefined) throw new Error(`${where}: the config has no '${f}' field`);
  }
}
