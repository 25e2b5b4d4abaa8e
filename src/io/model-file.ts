import type { Distribution } from '../distributions/distribution.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { decodeModel, encodeModel, type LoadedModel, type SaveModelOptions } from './model-codec.ts';
import { readFileBytes } from './read-file-bytes.ts';

/**
 * Writes `flow` (architecture, weights, buffers; standardization included, see `withStandardization`), its column
 * names and metadata to `path` as a model file (format 2, see `encodeModel`), atomically (temporary file + rename).
 *
 * @example
 * import { Rng, Standardize, createMaf, loadModel, matrix, saveModel, twoMoons, withStandardization } from 'maflow';
 * const { data } = twoMoons(100, { rng: new Rng(1) });
 * const flow = withStandardization(createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) }), { data: Standardize.fit(data) });
 * saveModel('moons.safetensors', flow, { columns: ['x', 'y'], metadata: { dataset: 'two moons' } });
 * const { flow: loaded, columns, metadata } = loadModel('moons.safetensors');
 * const x = matrix([[0.5, -1.2]]);
 * console.log(columns, metadata, loaded.logProb(x)[0] === flow.logProb(x)[0]); // → [ 'x', 'y' ] { dataset: 'two moons' } true
 */
export function saveModel(path: string, flow: Distribution, options: SaveModelOptions = {}): void {
  writeFileAtomic(path, encodeModel(flow, options));
}

/**
 * Reads a model written by `saveModel` (format 2, or format 1 of earlier versions, whose standardizers it puts in the
 * flow): the flow, its column names and metadata. Every problem — missing, corrupt, foreign or hostile file — is a
 * `DataError` whose message starts with `path`: `model.safetensors: missing tensor 'bijector…weight'`.
 *
 * @example
 * import { Rng, createMaf, loadModel, saveModel } from 'maflow';
 * saveModel('model.safetensors', createMaf({ features: 2, layers: 1, hiddenUnits: [4], rng: new Rng(0) }));
 * const { columns, contextColumns, formatVersion } = loadModel('model.safetensors');
 * console.log(columns, contextColumns, formatVersion); // → [ 'col0', 'col1' ] [] 2
 */
export function loadModel(path: string): LoadedModel {
  return decodeModel(readFileBytes(path), path);
}
