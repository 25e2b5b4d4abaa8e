/**
 * Model files as bytes, for Node and the browser alike (`model-file.ts` reads and writes them on disk): one
 * safetensors file per trained flow, readable by PyTorch users with `safetensors.safe_open(path, 'pt')` /
 * `load_file(path)`. Format 2 stores the flow once — its config and its tensors — with the names of its columns;
 * standardization is part of the flow (a `Standardize` at the data end, a context pre-map), so the file has no second
 * description of it.
 *
 * Tensors:
 * - every parameter under its `namedParameters()` name, in the model's dtype (F32 for float32 flows, F64 for float64)
 *   and shape, e.g. `bijector.bijectors.1.made.hidden.0.weight [out, in]` (PyTorch `Linear` layout, `y = x Wᵀ + b`;
 *   entries outside the MADE mask are stored as 0), `….bias [out]`, `….contextWeight [out, contextFeatures]`;
 * - every buffer (batch-norm running statistics) under its `collectBuffers` name as F64, e.g.
 *   `bijector.bijectors.2.runningMean [D]`, `bijector.bijectors.2.runningVariance [D]`.
 * `__metadata__` (all values strings): `format = 'maflow'`, `formatVersion = '2'`, `config` (JSON of
 * `flow.config()`, enough to rebuild the architecture with `createDistribution`, standardizations included),
 * `columns` and `contextColumns` (JSON arrays of names), `maflowVersion`, plus the caller's own string entries.
 * Reading checks the structure and the values of a possibly hostile file before and after rebuilding the flow
 * (header size, prototype keys, config sizes bounded by the tensors present, names, dtypes, shapes, finite weights,
 * sorted MADE degrees) and fails with one `DataError` naming the file: `model.safetensors: missing tensor '…weight'`.
 * Format-1 files (standardizer in the metadata) still load, wrapped so that they evaluate exactly as before.
 */
import { printable, quote } from '../core/printable.ts';
import type { FloatArray } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import { collectBuffers } from '../bijectors/collect-buffers.ts';
import { createDistribution } from '../distributions/create-distribution.ts';
import type { Distribution, DistributionConfig } from '../distributions/distribution.ts';
import type { NamedParameters } from '../nn/parameter.ts';
import { DataError } from './data-error.ts';
import { parseMetadataJson } from './metadata-json.ts';
import { checkColumnOption, defaultColumns, readColumnEntry, type ModelColumns } from './model-columns.ts';
import { checkConfigSizes } from './model-config-sizes.ts';
import { upgradeV1Model, V1_CLI_METADATA_KEY } from './model-v1.ts';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors.ts';
import { VERSION } from '../core/version.ts';

/** The `format` metadata entry of a model file. */
export const MODEL_FORMAT = 'maflow';
/** The `formatVersion` metadata entry of a model file written by this version. */
export const MODEL_FORMAT_VERSION = '2';
/** The format versions `decodeModel` reads. */
const READABLE_VERSIONS = ['1', '2'];
/** Metadata keys of the format itself (format 1's `standardizer` and CLI entry included, so that no file holds them as user entries). */
const RESERVED = ['format', 'formatVersion', 'config', 'columns', 'contextColumns', 'maflowVersion', 'standardizer', V1_CLI_METADATA_KEY];

/** Options of `encodeModel` and `saveModel`. */
export interface SaveModelOptions {
  /** Names of the flow's `features` data columns, in feature order. @default ['col0', 'col1', …] */
  columns?: readonly string[];
  /** Names of its `contextFeatures` context columns. @default ['col{D}', …] (after the data columns) */
  contextColumns?: readonly string[];
  /** Extra string entries for `__metadata__` (the format's own keys excepted: format, formatVersion, config, columns, contextColumns, maflowVersion, standardizer, maflow.cli). */
  metadata?: Record<string, string>;
}

/** A model file decoded by `decodeModel` or `loadModel`. */
export interface LoadedModel extends ModelColumns {
  /** The rebuilt flow, in evaluation mode: every log-density and sample in the data's units (standardization inside). */
  flow: Distribution;
  /** The format version of the file read (`'1'` files are upgraded: their standardizers are put in the flow). */
  formatVersion: string;
  /** The caller's metadata entries given to `saveModel`. */
  metadata: Record<string, string>;
}

/**
 * `flow` (architecture, weights, buffers) with its column names and metadata as the bytes of a model file (what
 * `saveModel` writes; in a browser, offer them as a download or store them). Standardization travels inside the flow
 * (see `withStandardization`).
 *
 * @example
 * import { createMaf, decodeModel, encodeModel, matrix, Rng } from 'maflow';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const bytes = encodeModel(flow, { columns: ['height', 'weight'], metadata: { dataset: 'demo' } });
 * const { flow: loaded, columns, metadata } = decodeModel(bytes);
 * const x = matrix([[0.5, -1]]);
 * console.log(loaded.logProb(x)[0] === flow.logProb(x)[0], columns, metadata); // → true [ 'height', 'weight' ] { dataset: 'demo' }
 */
export function encodeModel(flow: Distribution, options: SaveModelOptions = {}): Uint8Array {
  return encodeModelFile(flow, options);
}

/** What a model file stores: a model with a config, parameters, and widths for the default column names. */
export interface StoredModel {
  readonly features: number;
  readonly contextFeatures: number;
  config(): unknown;
  namedParameters(): NamedParameters;
}

/**
 * The bytes of a model file for any stored model (a flow, or a sequence model such as `TemporalMaf`): its config,
 * parameters, buffers and columns as `encodeModel` describes.
 */
export function encodeModelFile(flow: StoredModel, options: SaveModelOptions = {}): Uint8Array {
  if ((options as { standardizer?: unknown }).standardizer !== undefined) {
    throw new TypeError('saveModel: the standardizer option is gone in model format 2: put the standardization in the flow ' +
      '(withStandardization(flow, { data: Standardize.fit(x) })), so that the file holds one description of the model');
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.metadata ?? {})) {
    if (RESERVED.includes(key)) throw new Error(`saveModel: metadata key '${key}' is reserved (${RESERVED.join(', ')})`);
    if (typeof value !== 'string') throw new TypeError(`saveModel: metadata '${key}' must be a string, got ${typeof value}`);
    metadata[key] = value;
  }
  const defaults = defaultColumns(flow.features, flow.contextFeatures);
  metadata.format = MODEL_FORMAT;
  metadata.formatVersion = MODEL_FORMAT_VERSION;
  metadata.config = JSON.stringify(flow.config());
  metadata.columns = JSON.stringify(checkColumnOption('columns', options.columns ?? defaults.columns, flow.features));
  metadata.contextColumns = JSON.stringify(checkColumnOption('contextColumns', options.contextColumns ?? defaults.contextColumns,
    flow.contextFeatures));
  metadata.maflowVersion = VERSION;
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const [name, p] of flow.namedParameters()) tensors[name] = { dtype: dtypeName(p.value), shape: [...p.shape], data: p.value };
  for (const [name, b] of collectBuffers(flow)) tensors[name] = { dtype: dtypeName(b), shape: [b.length], data: b };
  return encodeSafetensors(tensors, metadata);
}

/**
 * Rebuilds the flow of a model file from its bytes (a `fetch`ed file in a browser: `new Uint8Array(await
 * response.arrayBuffer())`), with its column names. Reads format 2 and format 1. Every problem — a corrupt, foreign
 * or hostile file — is one `DataError` whose message starts with `file`.
 */
export function decodeModel(bytes: Uint8Array | ArrayBuffer, file = '<model>'): LoadedModel {
  const { tensors, metadata, config, version, fail } = decodeModelFile(bytes, file);
  if ((config as { type?: unknown }).type === 'TemporalMaf') {
    throw fail('this is a sequence model (a temporal MAF): read it with decodeSequenceModel or loadSequenceModel');
  }
  const flow = rebuild(config as DistributionConfig, fail);
  loadTensors(flow, tensors, fail);
  const userMetadata = userEntries(metadata);
  const model = version === '1' ? upgradeV1Model(flow, metadata, file) : {
    flow,
    columns: readColumnEntry('columns', parseColumns(metadata.columns, 'columns', file), flow.features, file),
    contextColumns: readColumnEntry('contextColumns', parseColumns(metadata.contextColumns, 'contextColumns', file), flow.contextFeatures, file),
  };
  model.flow.train(false);
  return { ...model, formatVersion: version, metadata: userMetadata };
}

/** A model file's parts after the checks every model kind shares (format, version, config sizes). */
export interface DecodedModelFile {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
  /** The parsed `config` entry. */
  config: unknown;
  version: string;
  /** A `DataError` naming the file. */
  fail: (detail: string) => DataError;
}

/** Reads the safetensors container of a model file and checks what every model kind shares. */
export function decodeModelFile(bytes: Uint8Array | ArrayBuffer, file = '<model>'): DecodedModelFile {
  const { tensors, metadata } = decodeSafetensors(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), file);
  const fail = (detail: string) => new DataError(detail, { file });
  if (metadata.format !== MODEL_FORMAT) {
    throw fail(`not a maflow model file (its metadata has format ${metadata.format === undefined ? '<none>' : quote(metadata.format)}, expected '${MODEL_FORMAT}')`);
  }
  const version = metadata.formatVersion;
  if (version === undefined || !READABLE_VERSIONS.includes(version)) {
    throw fail(`unsupported model format version ${version === undefined ? '<none>' : quote(version)} (this maflow reads versions ${READABLE_VERSIONS.join(' and ')})`);
  }
  if (metadata.config === undefined) throw fail("the metadata has no 'config' (the flow's architecture)");
  const config = parseMetadataJson(metadata.config, 'config', file);
  checkConfigSizes(config, tensors, file);
  return { tensors, metadata, config, version, fail };
}

/** The caller's metadata entries (the format's own keys left out). */
export function userEntries(metadata: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(metadata)) if (!RESERVED.includes(key)) out[key] = metadata[key];
  return out;
}

/** The `columns` or `contextColumns` entry of a model file, parsed (checked by `readColumnEntry`). */
export function parseColumns(text: string | undefined, what: string, file: string): unknown {
  if (text === undefined) throw new DataError(`the metadata has no '${what}' (the names of the flow's columns)`, { file });
  return parseMetadataJson(text, what, file);
}

function rebuild(config: DistributionConfig, fail: (detail: string) => DataError): Distribution {
  try {
    return createDistribution(config, new Rng(0));
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /unknown (distribution|bijector) type '([^']*)'/.exec(message);
    if (unknown !== null) throw fail(`unknown flow type ${quote(unknown[2])} in the config (${printable(message, { maxLength: 200 })})`);
    throw fail(`invalid config: ${message}`);
  }
}

/**
 * Fills every parameter and buffer of `flow` from the tensor of its name (same dtype and shape), refusing a missing,
 * surplus or non-finite tensor (a NaN or ±Infinity weight would make every log-density NaN without a word) and a
 * negative running variance.
 */
export function loadTensors(flow: Pick<StoredModel, 'namedParameters'>, tensors: Record<string, SafetensorsTensor>, fail: (detail: string) => DataError): void {
  const unused = new Set(Object.keys(tensors));
  const load = (name: string, target: FloatArray, shape: readonly number[]) => {
    const tensor = tensors[name];
    if (tensor === undefined) throw fail(`missing tensor '${name}'`);
    const dtype = dtypeName(target);
    if (tensor.dtype !== dtype) throw fail(`tensor '${name}' has dtype ${tensor.dtype}, expected ${dtype}`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((n, i) => n !== shape[i])) {
      throw fail(`tensor '${name}' has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    const values = tensor.data as FloatArray;
    for (let k = 0; k < values.length; k++) {
      if (!Number.isFinite(values[k])) {
        throw fail(`tensor '${name}' holds ${values[k]} at index ${k} (flat, of [${shape.join(', ')}]): model weights must be finite`);
      }
    }
    if (name.endsWith('.runningVariance')) {
      // A negative variance would make its square root NaN in every log-density.
      const k = values.findIndex((v) => v < 0);
      if (k >= 0) throw fail(`tensor '${name}' holds ${values[k]} at index ${k} (flat, of [${shape.join(', ')}]): a variance must not be negative`);
    }
    target.set(values);
    unused.delete(name);
  };
  for (const [name, p] of flow.namedParameters()) load(name, p.value, p.shape);
  for (const [name, b] of collectBuffers(flow)) load(name, b, [b.length]);
  if (unused.size > 0) throw fail(`unexpected tensor '${[...unused][0]}' (the config has no such parameter or buffer)`);
}

function dtypeName(data: FloatArray): 'F32' | 'F64' {
  return data instanceof Float64Array ? 'F64' : 'F32';
}
