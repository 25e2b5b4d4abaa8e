/**
 * Model files as bytes, for Node and the browser alike (`model-file.ts` reads and writes them on disk): one
 * safetensors file per trained flow, readable by PyTorch users with `safetensors.safe_open(path, 'pt')` /
 * `load_file(path)`.
 *
 * Tensors:
 * - every parameter under its `namedParameters()` name, in the model's dtype (F32 for float32 flows, F64 for float64)
 *   and shape, e.g. `bijector.bijectors.0.made.hidden.0.weight [out, in]` (PyTorch `Linear` layout, `y = x Wᵀ + b`;
 *   entries outside the MADE mask are stored as 0), `….bias [out]`, `….contextWeight [out, contextFeatures]`;
 * - every buffer (batch-norm running statistics) under its `collectBuffers` name as F64, e.g.
 *   `bijector.bijectors.1.runningMean [D]`, `bijector.bijectors.1.runningVariance [D]`.
 * `__metadata__` (all values strings): `format = 'maflow'`, `formatVersion = '1'`, `config` (JSON of
 * `flow.config()`, enough to rebuild the architecture with `createDistribution`), `maflowVersion`, `standardizer`
 * (JSON `{mean, std}`, when saved with one), plus the caller's own string entries.
 * Reading checks the magic, version, config, every tensor name, dtype and shape, and fails with a `DataError` naming
 * the file: `model.safetensors: missing tensor 'bijector…weight'`.
 */
import type { FloatArray } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import { collectBuffers } from '../bijectors/collect-buffers.ts';
import { Standardizer } from '../data/standardizer.ts';
import { createDistribution } from '../distributions/create-distribution.ts';
import type { Distribution, DistributionConfig } from '../distributions/distribution.ts';
import { DataError } from './data-error.ts';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors.ts';
import { VERSION } from '../core/version.ts';

/** The `format` metadata entry of a model file. */
export const MODEL_FORMAT = 'maflow';
/** The `formatVersion` metadata entry of a model file written by this version. */
export const MODEL_FORMAT_VERSION = '1';
const RESERVED = ['format', 'formatVersion', 'config', 'standardizer', 'maflowVersion'];

/** Options of `encodeModel` and `saveModel`. */
export interface SaveModelOptions {
  /** The standardization the flow's training data went through (stored as JSON). */
  standardizer?: Standardizer;
  /** Extra string entries for `__metadata__` (the reserved keys format, formatVersion, config, standardizer, maflowVersion excepted). */
  metadata?: Record<string, string>;
}

/** A model file decoded by `decodeModel` or `loadModel`. */
export interface LoadedModel {
  /** The rebuilt flow, in evaluation mode. */
  flow: Distribution;
  standardizer?: Standardizer;
  /** The caller's metadata entries given to `saveModel`. */
  metadata: Record<string, string>;
}

/**
 * `flow` (architecture, weights, buffers) with its optional standardizer and metadata as the bytes of a model file
 * (what `saveModel` writes; in a browser, offer them as a download or store them).
 *
 * @example
 * import { createMaf, decodeModel, encodeModel, matrix, Rng } from 'maflow';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const bytes = encodeModel(flow, { metadata: { dataset: 'demo' } });
 * const { flow: loaded, metadata } = decodeModel(bytes);
 * const x = matrix([[0.5, -1]]);
 * console.log(loaded.logProb(x)[0] === flow.logProb(x)[0], metadata); // → true { dataset: 'demo' }
 */
export function encodeModel(flow: Distribution, options: SaveModelOptions = {}): Uint8Array {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.metadata ?? {})) {
    if (RESERVED.includes(key)) throw new Error(`saveModel: metadata key '${key}' is reserved (${RESERVED.join(', ')})`);
    if (typeof value !== 'string') throw new TypeError(`saveModel: metadata '${key}' must be a string, got ${typeof value}`);
    metadata[key] = value;
  }
  metadata.format = MODEL_FORMAT;
  metadata.formatVersion = MODEL_FORMAT_VERSION;
  metadata.config = JSON.stringify(flow.config());
  metadata.maflowVersion = VERSION;
  if (options.standardizer !== undefined) {
    if (options.standardizer.features !== flow.features) {
      throw new RangeError(`saveModel: the standardizer has ${options.standardizer.features} columns, the flow ${flow.features} features`);
    }
    metadata.standardizer = JSON.stringify(options.standardizer.toJSON());
  }
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const [name, p] of flow.namedParameters()) tensors[name] = { dtype: dtypeName(p.value), shape: [...p.shape], data: p.value };
  for (const [name, b] of collectBuffers(flow)) tensors[name] = { dtype: dtypeName(b), shape: [b.length], data: b };
  return encodeSafetensors(tensors, metadata);
}

/**
 * Rebuilds the flow of a model file from its bytes (a `fetch`ed file in a browser: `new Uint8Array(await
 * response.arrayBuffer())`). Every problem is a `DataError` whose message starts with `file`.
 */
export function decodeModel(bytes: Uint8Array | ArrayBuffer, file = '<model>'): LoadedModel {
  const { tensors, metadata } = decodeSafetensors(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), file);
  const fail = (detail: string) => new DataError(detail, { file });
  if (metadata.format !== MODEL_FORMAT) {
    throw fail(`not a maflow model file (its metadata has format '${metadata.format ?? '<none>'}', expected '${MODEL_FORMAT}')`);
  }
  if (metadata.formatVersion !== MODEL_FORMAT_VERSION) {
    throw fail(`unsupported model format version '${metadata.formatVersion ?? '<none>'}' (this maflow reads version ${MODEL_FORMAT_VERSION})`);
  }
  const flow = rebuild(metadata.config, fail);
  const unused = new Set(Object.keys(tensors));
  const load = (name: string, target: FloatArray, shape: readonly number[]) => {
    const tensor = tensors[name];
    if (tensor === undefined) throw fail(`missing tensor '${name}'`);
    const dtype = dtypeName(target);
    if (tensor.dtype !== dtype) throw fail(`tensor '${name}' has dtype ${tensor.dtype}, expected ${dtype}`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((n, i) => n !== shape[i])) {
      throw fail(`tensor '${name}' has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    target.set(tensor.data as FloatArray);
    unused.delete(name);
  };
  for (const [name, p] of flow.namedParameters()) load(name, p.value, p.shape);
  for (const [name, b] of collectBuffers(flow)) load(name, b, [b.length]);
  if (unused.size > 0) throw fail(`unexpected tensor '${[...unused][0]}' (the config has no such parameter or buffer)`);
  const userMetadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) if (!RESERVED.includes(key)) userMetadata[key] = value;
  flow.train(false);
  return {
    flow,
    ...(metadata.standardizer === undefined ? {} : { standardizer: Standardizer.fromJSON(parseJson(metadata.standardizer, 'standardizer', fail), file) }),
    metadata: userMetadata,
  };
}

function rebuild(configText: string | undefined, fail: (detail: string) => DataError): Distribution {
  if (configText === undefined) throw fail("the metadata has no 'config' (the flow's architecture)");
  const config = parseJson(configText, 'config', fail) as DistributionConfig;
  try {
    return createDistribution(config, new Rng(0));
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /unknown (distribution|bijector) type '([^']*)'/.exec(message);
    if (unknown !== null) throw fail(`unknown flow type '${unknown[2]}' in the config (${message})`);
    throw fail(`invalid config: ${message}`);
  }
}

function parseJson(text: string, what: string, fail: (detail: string) => DataError): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw fail(`the '${what}' metadata is not valid JSON (${(error as Error).message})`);
  }
}

function dtypeName(data: FloatArray): 'F32' | 'F64' {
  return data instanceof Float64Array ? 'F64' : 'F32';
}

