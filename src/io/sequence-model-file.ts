import type { TemporalMaf } from '../flows/temporal-maf.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { decodeModelFile, type SaveModelOptions } from './model-codec.ts';
import { readFileBytes } from './read-file-bytes.ts';
import { decodeSequenceModel, encodeSequenceModel, isSequenceModelConfig, type LoadedSequenceModel } from './sequence-model-codec.ts';

/**
 * Writes a sequence model (`TemporalMaf`) to `path` as a model file (format 2, see `encodeSequenceModel`), atomically.
 *
 * @example
 * import { Rng, createTemporalMaf, loadSequenceModel, saveSequenceModel } from 'maflow';
 * saveSequenceModel('series.safetensors', createTemporalMaf({ features: 1, layers: 1, hiddenUnits: [8], encoderUnits: 4, rng: new Rng(0) }));
 * console.log(loadSequenceModel('series.safetensors').model.encoder.units); // → 4
 */
export function saveSequenceModel(path: string, model: TemporalMaf, options: SaveModelOptions = {}): void {
  writeFileAtomic(path, encodeSequenceModel(model, options));
}

/** Reads a sequence model file; every problem is a `DataError` whose message starts with `path`. */
export function loadSequenceModel(path: string): LoadedSequenceModel {
  return decodeSequenceModel(readFileBytes(path), path);
}

/**
 * Whether the model file at `path` holds a sequence model (its config's type), so that a command taking either kind
 * can choose its reader; a file that is not a readable model file answers false (the flow reader then reports it).
 */
export function isSequenceModelFile(path: string): boolean {
  try {
    return isSequenceModelConfig(decodeModelFile(readFileBytes(path), path).config);
  } catch {
    return false;
  }
}
