/**
 * The training worker's part of `maflow train --flow temporal-maf`: build the temporal MAF, fit it, write it. Apart
 * from the command (`train-sequence-model.ts`) so that the worker loads no CLI code.
 */
import { Rng } from '../../core/rng.ts';
import { sequenceLength, type Sequences } from '../../core/sequences.ts';
import { zeros, type Matrix } from '../../core/matrix.ts';
import { Standardize } from '../../bijectors/standardize.ts';
import { createTemporalMaf } from '../../flows/create-temporal-maf.ts';
import type { EncoderKind } from '../../flows/encoder-kinds.ts';
import { fileCheckpointer } from '../../io/checkpoint-file.ts';
import type { SequenceFile, SequenceLayout } from '../../io/read-sequences.ts';
import { saveSequenceModel } from '../../io/sequence-model-file.ts';
import type { FitResult } from '../../train/fit.ts';
import { fitSequences } from '../../train/fit-sequences.ts';
import type { TrainJobHooks } from '../train-job.ts';
import type { CommonTrainOptions } from '../train-options.ts';
import { SEQUENCE_LAYOUT_KEY, type SequenceLayoutOptions } from './sequence-options.ts';

/** The `train` options a temporal MAF uses. */
export interface SequenceTrainOptions extends SequenceLayoutOptions, CommonTrainOptions {
  encoder: EncoderKind;
  encoderUnits: number;
  truncation?: number;
}

/**
 * What the training worker needs to build, fit and write a temporal MAF: the options and the sequences, read and
 * checked on the main thread (so that a bad file is reported before the worker starts).
 */
export interface SequenceTrainJob {
  dataPath: string;
  options: SequenceTrainOptions;
  /** Whether --hidden was given (a temporal MAF's default widths are [64, 64], not train's 512,512). */
  hiddenGiven: boolean;
  layout: SequenceLayout;
  train: SequenceFile;
  validation?: SequenceFile;
}

/** `fitSequences`'s result, and where the model was written (null after a failed run: nothing is written). */
export interface SequenceTrainResult extends FitResult {
  savedTo: string | null;
}

/**
 * Builds the model of `job`, fits it (until `hooks.signal` aborts, after the current step) and, unless the fit failed,
 * writes it to `--out`. Runs on the training worker.
 */
export function runSequenceTrainJob(job: SequenceTrainJob, hooks: TrainJobHooks = {}): SequenceTrainResult {
  const { options, train, validation, layout } = job;
  const model = createTemporalMaf({
    features: train.data.features, layers: options.layers, hiddenUnits: job.hiddenGiven ? options.hidden : [64, 64],
    activation: options.activation, encoder: options.encoder, encoderUnits: options.encoderUnits,
    contextFeatures: train.contextColumns.length, truncation: options.truncation, rng: new Rng(options.seed),
    ...(options.standardize ? { dataStandardize: Standardize.fit(stepRows(train.data)) } : {}),
    ...(options.standardize && train.context !== undefined ? { contextStandardize: Standardize.fit(train.context) } : {}),
  });
  const checkpointer = options.checkpoint === undefined ? undefined : fileCheckpointer(options.checkpoint);
  const result = fitSequences(model, train.data, {
    ...(train.context === undefined ? {} : { context: train.context }),
    ...(validation === undefined ? { validationFraction: options.validation }
      : { validationData: validation.data, ...(validation.context === undefined ? {} : { validationContext: validation.context }) }),
    epochs: options.epochs, batchSize: Math.min(options.batchSize, train.data.count), learningRate: options.lr,
    weightDecay: options.weightDecay, patience: options.patience, emaDecay: options.emaDecay, rng: new Rng(options.seed + 1),
    ...(options.maxTime === undefined ? {} : { maxSeconds: options.maxTime }),
    ...(checkpointer === undefined ? {} : { checkpoint: { every: options.checkpointEvery, save: checkpointer.save } }),
    ...(options.resume === undefined ? {} : { resume: fileCheckpointer(options.resume).load() }),
    ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
    ...(hooks.onStep === undefined ? {} : { onStep: hooks.onStep }),
    ...(hooks.onEpoch === undefined ? {} : { onEpoch: hooks.onEpoch }),
  });
  if (result.failed) return { ...result, savedTo: null };
  saveSequenceModel(options.out, model, {
    columns: train.columns, contextColumns: train.contextColumns,
    metadata: { trainedOn: job.dataPath, [SEQUENCE_LAYOUT_KEY]: JSON.stringify(layout) },
  });
  return { ...result, savedTo: options.out };
}

/** Every real step of `s` as a row `[Σ lengths, features]` (the standardization's statistics). */
function stepRows(s: Sequences): Matrix {
  let rows = 0;
  for (let i = 0; i < s.count; i++) rows += sequenceLength(s, i);
  const out = zeros(rows, s.features, 'float64');
  let r = 0;
  for (let i = 0; i < s.count; i++) {
    const length = sequenceLength(s, i);
    out.data.set(s.data.subarray(i * s.steps * s.features, (i * s.steps + length) * s.features), r * s.features);
    r += length;
  }
  return out;
}
