import type { Distribution } from '../distributions/distribution.ts';
import { loadModel, saveModel } from '../io/model-file.ts';
import type { ColumnLayout } from './read-model-data.ts';

/**
 * A model as the CLI sees it: the flow (its standardization inside, so every number it gives is in the data's units)
 * and the names of the data and context columns it was trained on, as the model file stores them. Files written by
 * the library without names get positional ones (`col0`, `col1`, …), so their data files are read by position.
 */
export interface CliModel extends ColumnLayout {
  flow: Distribution;
  columns: readonly string[];
  contextColumns: readonly string[];
  /** What the model gave its own training rows, when `maflow train` recorded it. */
  trainingLogProb?: TrainingLogProb;
}

/**
 * The log-densities a trained model gives its training rows (nats, the data's units): the yardstick of `maflow eval`'s
 * tail warning, which counts the rows scoring below `min`.
 */
export interface TrainingLogProb {
  /** The lowest log-density of any training row. */
  min: number;
  median: number;
  rows: number;
}

/** The model-file metadata entry holding `TrainingLogProb` as JSON. */
export const TRAINING_LOG_PROB_KEY = 'trainingLogProb';

/** What the CLI records about a run besides the model. */
export interface CliModelRecord {
  /** The training file. */
  trainedOn?: string;
  trainingLogProb?: TrainingLogProb;
}

/**
 * Writes `model` to `path` atomically (model format 2: the flow once, with its column names).
 *
 * @example
 * import { Rng, createMaf } from 'maflow';
 * import { loadCliModel, saveCliModel } from './cli-model.ts';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * saveCliModel('model.safetensors', { flow, columns: ['x1', 'x2'], contextColumns: [] }, { trainedOn: 'moons.csv' });
 * console.log(loadCliModel('model.safetensors').columns); // → [ 'x1', 'x2' ]
 */
export function saveCliModel(path: string, model: CliModel, record: CliModelRecord = {}): void {
  saveModel(path, model.flow, {
    columns: model.columns, contextColumns: model.contextColumns,
    metadata: {
      ...(record.trainedOn === undefined ? {} : { trainedOn: record.trainedOn }),
      ...(record.trainingLogProb === undefined ? {} : { [TRAINING_LOG_PROB_KEY]: JSON.stringify(record.trainingLogProb) }),
    },
  });
}

/**
 * Reads a model file (format 2, or format 1, whose standardizers the reader puts in the flow); a missing, unreadable,
 * corrupt or hostile file is a `DataError` naming it.
 *
 * @example
 * import { Rng, createMaf, saveModel } from 'maflow';
 * import { loadCliModel } from './cli-model.ts';
 * saveModel('model.safetensors', createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) }));   // by the library, not the CLI
 * console.log(loadCliModel('model.safetensors').columns); // → [ 'col0', 'col1' ] (columns by position)
 */
export function loadCliModel(path: string): CliModel {
  const { flow, columns, contextColumns, metadata } = loadModel(path);
  const trainingLogProb = parseTrainingLogProb(metadata[TRAINING_LOG_PROB_KEY]);
  return { flow, columns, contextColumns, ...(trainingLogProb === undefined ? {} : { trainingLogProb }) };
}

/** The recorded training log-densities, or undefined when absent or not three finite numbers (it is only advice). */
function parseTrainingLogProb(text: string | undefined): TrainingLogProb | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<TrainingLogProb>;
    const { min, median, rows } = value;
    return Number.isFinite(min) && Number.isFinite(median) && Number.isSafeInteger(rows)
      ? { min: min as number, median: median as number, rows: rows as number } : undefined;
  } catch {
    return undefined;
  }
}
