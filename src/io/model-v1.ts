import { Standardizer } from '../data/standardizer.ts';
import type { Distribution } from '../distributions/distribution.ts';
import { withStandardization } from '../flows/with-standardization.ts';
import { DataError } from './data-error.ts';
import { parseMetadataJson } from './metadata-json.ts';
import { defaultColumns, readColumnEntry, type ModelColumns } from './model-columns.ts';

/** The metadata key under which format-1 files written by `maflow train` kept their columns and context standardizer. */
export const V1_CLI_METADATA_KEY = 'maflow.cli';

/** A format-1 model brought to format 2: the flow with its standardizations inside, and its column names. */
export interface UpgradedModel extends ModelColumns {
  flow: Distribution;
}

/**
 * Format 1 kept the standardization outside the flow: a `standardizer` metadata entry (`{mean, std}` of the data
 * columns) and, in files written by `maflow train`, a `maflow.cli` entry with the column names and the context's
 * `contextStandardizer`. This wraps the flow with both (a `Standardize` at the data end, a context pre-map), so that a
 * format-1 file evaluates exactly as it did (log-densities and samples in the data's units), and reads its columns.
 *
 * @example
 * import { Rng, createMaf } from 'maflow';
 * import { upgradeV1Model } from './model-v1.ts';
 * const flow = createMaf({ features: 2, layers: 1, hiddenUnits: [4], rng: new Rng(0) });
 * const metadata = { standardizer: JSON.stringify({ mean: [1, 2], std: [3, 4] }), 'maflow.cli': JSON.stringify({ columns: ['a', 'b'], contextColumns: [] }) };
 * const upgraded = upgradeV1Model(flow, metadata, 'old.safetensors');
 * console.log(upgraded.columns, upgraded.flow.config().bijector.bijectors[0].type); // → [ 'a', 'b' ] Standardize
 */
export function upgradeV1Model(flow: Distribution, metadata: Record<string, string>, file: string): UpgradedModel {
  const fail = (detail: string): DataError => new DataError(detail, { file });
  const data = metadata.standardizer === undefined ? undefined
    : Standardizer.fromJSON(parseMetadataJson(metadata.standardizer, 'standardizer', file), file);
  if (data !== undefined && data.features !== flow.features) {
    throw fail(`the data standardizer has ${data.features} columns, the flow ${flow.features}`);
  }
  const raw = metadata[V1_CLI_METADATA_KEY];
  if (raw === undefined) {
    return { flow: data === undefined ? flow : withStandardization(flow, { data: data.toBijector() }), ...defaultColumns(flow.features, flow.contextFeatures) };
  }
  const info = parseMetadataJson(raw, V1_CLI_METADATA_KEY, file);
  if (info === null || typeof info !== 'object' || Array.isArray(info)) throw fail(`the '${V1_CLI_METADATA_KEY}' metadata is not an object`);
  const record = info as Record<string, unknown>;
  const columns = readColumnEntry(`${V1_CLI_METADATA_KEY}.columns`, record.columns, flow.features, file);
  const contextColumns = readColumnEntry(`${V1_CLI_METADATA_KEY}.contextColumns`, record.contextColumns, flow.contextFeatures, file);
  const context = record.contextStandardizer === undefined ? undefined : Standardizer.fromJSON(record.contextStandardizer, file);
  if (context !== undefined && context.features !== flow.contextFeatures) {
    throw fail(`the context standardizer has ${context.features} columns, the flow takes ${flow.contextFeatures}`);
  }
  const wrapped = data === undefined && context === undefined ? flow : withStandardization(flow, {
    ...(data === undefined ? {} : { data: data.toBijector() }),
    ...(context === undefined ? {} : { context: context.toBijector() }),
  });
  return { flow: wrapped, columns, contextColumns };
}
