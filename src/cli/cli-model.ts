/**
 * A model as the CLI sees it: the flow, the standardizers of its data and context columns, and the column names it
 * was trained on. The flow and the data standardizer live where the model file format puts them; the CLI's own
 * facts (column names, context standardizer, the architecture options) ride in the file's metadata under one key.
 * Model files written by the library directly (without that key) work too, with columns read by position.
 */
import type { Distribution } from '../distributions/distribution.ts';
import { Standardizer, type StandardizerJson } from '../data/standardizer.ts';
import { DataError } from '../io/data-error.ts';
import { loadModel, saveModel } from '../io/model-file.ts';
import type { FlowSpec } from './flow-from-options.ts';
import type { ColumnLayout } from './read-model-data.ts';

/** The metadata key holding `CliModelInfo` as JSON. */
export const CLI_METADATA_KEY = 'maflow.cli';

/** What the CLI records about a model besides its weights. */
export interface CliModelInfo extends ColumnLayout {
  columns: string[];
  contextColumns: string[];
  contextStandardizer?: StandardizerJson;
  /** The architecture options the model was trained with. */
  flow?: FlowSpec;
  /** The training file, for the record. */
  trainedOn?: string;
}

/** A loaded (or freshly trained) model. */
export interface CliModel extends ColumnLayout {
  flow: Distribution;
  /** Standardizes data columns; null when trained with `--no-standardize`. */
  standardizer: Standardizer | null;
  /** Standardizes context columns; null when there are none or standardization was off. */
  contextStandardizer: Standardizer | null;
  info: CliModelInfo;
}

/**
 * Writes `model` to `path` atomically.
 *
 * @example
 * import { Rng, createMaf } from 'maflow';
 * import { loadCliModel, saveCliModel, type CliModel } from './cli-model.ts';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const columns = ['x1', 'x2'];
 * const model: CliModel = { flow, standardizer: null, contextStandardizer: null, columns, contextColumns: [], info: { columns, contextColumns: [] } };
 * saveCliModel('model.safetensors', model);
 * console.log(loadCliModel('model.safetensors').columns); // → [ 'x1', 'x2' ]
 */
export function saveCliModel(path: string, model: CliModel): void {
  saveModel(path, model.flow, {
    ...(model.standardizer === null ? {} : { standardizer: model.standardizer }),
    metadata: { [CLI_METADATA_KEY]: JSON.stringify(model.info) },
  });
}

/**
 * Reads a model file; a missing, unreadable or corrupt file is a `DataError` naming it.
 *
 * @example
 * import { Rng, createMaf, saveModel } from 'maflow';
 * import { loadCliModel } from './cli-model.ts';
 * saveModel('model.safetensors', createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) }));   // by the library, not the CLI
 * const model = loadCliModel('model.safetensors');
 * console.log(model.columns, model.standardizer); // → [ 'col0', 'col1' ] null (columns by position)
 */
export function loadCliModel(path: string): CliModel {
  const loaded = loadModel(path);
  const flow = loaded.flow;
  const standardizer = loaded.standardizer ?? null;
  const raw: string | undefined = loaded.metadata[CLI_METADATA_KEY];
  const info = raw === undefined ? defaultInfo(flow) : parseInfo(raw, path, flow);
  const contextStandardizer = info.contextStandardizer === undefined ? null : Standardizer.fromJSON(info.contextStandardizer, path);
  if (standardizer !== null && standardizer.features !== flow.features) {
    throw new DataError(`the data standardizer has ${standardizer.features} columns, the flow ${flow.features}`, { file: path });
  }
  return { flow, standardizer, contextStandardizer, columns: info.columns, contextColumns: info.contextColumns, info };
}

function defaultInfo(flow: Distribution): CliModelInfo {
  const names = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `col${from + i}`);
  return { columns: names(0, flow.features), contextColumns: names(flow.features, flow.contextFeatures) };
}

function parseInfo(raw: unknown, path: string, flow: Distribution): CliModelInfo {
  let info: unknown;
  try {
    info = typeof raw === 'string' ? JSON.parse(raw) : raw;
  } catch {
    throw new DataError(`the metadata entry "${CLI_METADATA_KEY}" is not valid JSON`, { file: path });
  }
  const record = info as Partial<CliModelInfo> | null;
  const isNames = (value: unknown, count: number): value is string[] =>
    Array.isArray(value) && value.length === count && value.every((name) => typeof name === 'string');
  if (record === null || typeof record !== 'object' || !isNames(record.columns, flow.features)
    || !isNames(record.contextColumns, flow.contextFeatures)) {
    throw new DataError(`the metadata entry "${CLI_METADATA_KEY}" does not describe the flow's ${flow.features} data ` +
      `and ${flow.contextFeatures} context columns`, { file: path });
  }
  return record as CliModelInfo;
}
