/**
 * Model files of sequence models (`TemporalMaf`), in model format 2 like every other maflow model: the config
 * (`{type: 'TemporalMaf', encoder, flow, …}`, standardizations included), every parameter under its `namedParameters`
 * name (`encoder.weightIh [4H, F]` … in PyTorch's `nn.LSTM`/`nn.GRU` layout and gate order, `flow.bijector…` as in a
 * flow's file), the names of the step's features (`columns`) and of the static covariates (`contextColumns`). Reading
 * applies the same structural and value checks as `decodeModel`.
 */
import { printable } from '../core/printable.ts';
import { Rng } from '../core/rng.ts';
import { TemporalMaf, type TemporalMafConfig } from '../flows/temporal-maf.ts';
import { decodeModelFile, encodeModelFile, loadTensors, parseColumns, userEntries, type SaveModelOptions } from './model-codec.ts';
import { readColumnEntry } from './model-columns.ts';

/** A sequence model file decoded by `decodeSequenceModel`. */
export interface LoadedSequenceModel {
  /** The rebuilt model, in evaluation mode. */
  model: TemporalMaf;
  /** Names of the `features` values of each step. */
  columns: string[];
  /** Names of the static covariates. */
  contextColumns: string[];
  formatVersion: string;
  /** The caller's metadata entries. */
  metadata: Record<string, string>;
}

/**
 * The bytes of a model file holding `model` with its column names and metadata.
 *
 * @example
 * import { Rng, createTemporalMaf, decodeSequenceModel, encodeSequenceModel, sequences } from 'maflow';
 * const model = createTemporalMaf({ features: 2, layers: 1, hiddenUnits: [8], encoderUnits: 4, rng: new Rng(0) });
 * const { model: loaded, columns } = decodeSequenceModel(encodeSequenceModel(model, { columns: ['price', 'volume'] }));
 * const s = sequences([[[0.1, 1], [0.2, 2]]]);
 * console.log(columns, loaded.logProb(s)[0] === model.logProb(s)[0]); // → [ 'price', 'volume' ] true
 */
export function encodeSequenceModel(model: TemporalMaf, options: SaveModelOptions = {}): Uint8Array {
  return encodeModelFile(model, options);
}

/** Rebuilds a sequence model from the bytes of its model file; every problem is one `DataError` naming `file`. */
export function decodeSequenceModel(bytes: Uint8Array | ArrayBuffer, file = '<model>'): LoadedSequenceModel {
  const { tensors, metadata, config, version, fail } = decodeModelFile(bytes, file);
  const type = (config as { type?: unknown }).type;
  if (type !== 'TemporalMaf') {
    throw fail(`not a sequence model (its config has type ${JSON.stringify(printable(String(type), { maxLength: 40 }))}): read it with decodeModel or loadModel`);
  }
  let model: TemporalMaf;
  try {
    model = TemporalMaf.fromConfig(config as TemporalMafConfig, new Rng(0));
  } catch (error) {
    throw fail(`invalid config: ${printable((error as Error).message, { maxLength: 300 })}`);
  }
  loadTensors(model, tensors, fail);
  model.train(false);
  return {
    model,
    columns: readColumnEntry('columns', parseColumns(metadata.columns, 'columns', file), model.features, file),
    contextColumns: readColumnEntry('contextColumns', parseColumns(metadata.contextColumns, 'contextColumns', file), model.contextFeatures, file),
    formatVersion: version,
    metadata: userEntries(metadata),
  };
}

/** Whether a decoded model file's config is a sequence model's (for readers that take either kind). */
export function isSequenceModelConfig(config: unknown): boolean {
  return config !== null && typeof config === 'object' && (config as { type?: unknown }).type === 'TemporalMaf';
}
