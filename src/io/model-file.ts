/**
 * Model files: one safetensors file per trained flow, readable by PyTorch users with
 * `safetensors.safe_open(path, 'pt')` / `load_file(path)`.
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
 * Writing is atomic (temporary file + rename). Reading checks the magic, version, config, every tensor name, dtype
 * and shape, and fails with a `DataError` naming the file: `model.safetensors: missing tensor 'bijector…weight'`.
 *
 * @example
 * import { Rng, Standardizer, createMaf, loadModel, matrix, saveModel, twoMoons } from 'maflow';
 * const { data } = twoMoons(100, { rng: new Rng(1) });
 * const standardizer = Standardizer.fit(data);
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * saveModel('moons.safetensors', flow, { standardizer, metadata: { dataset: 'two moons' } });
 * const { flow: loaded, standardizer: s, metadata } = loadModel('moons.safetensors');
 * const x = matrix([[0.5, -1.2]]);
 * console.log(metadata, s?.mean, loaded.logProb(x)[0] === flow.logProb(x)[0]); // → { dataset: 'two moons' } Float64Array(2) [ … ] true
 */
import type { Distribution } from '../distributions/distribution.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { decodeModel, encodeModel, type LoadedModel, type SaveModelOptions } from './model-codec.ts';
import { readFileBytes } from './read-file-bytes.ts';

/** Writes `flow` (architecture, weights, buffers) and optional standardizer and metadata to `path`, atomically. */
export function saveModel(path: string, flow: Distribution, options: SaveModelOptions = {}): void {
  writeFileAtomic(path, encodeModel(flow, options));
}

/** Reads a model written by `saveModel`; every problem is a `DataError` whose message starts with `path`. */
export function loadModel(path: string): LoadedModel {
  return decodeModel(readFileBytes(path), path);
}
