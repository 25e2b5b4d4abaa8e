import type { FloatArray } from '../core/matrix.ts';
import type { OptimizerState } from './optimizer.ts';
import type { WeightAverageState } from './weight-average.ts';

/** One line of the training history. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss `−mean log p(x)` over the epoch's steps, in nats. */
  trainLoss: number;
  /** Mean validation log-likelihood in nats (`NaN` when there is no validation set). */
  validationLogLik: number;
}

/** The early-stopping champion (epoch 0: the initial parameters, which every epoch must beat). */
export interface BestState {
  epoch: number;
  validationLogLik: number;
  parameters: Record<string, FloatArray>;
  buffers: Record<string, FloatArray>;
}

/**
 * Everything `fit` needs to continue a run exactly where it stopped: resuming from a `TrainingState` captured after
 * epoch k gives the same parameters, bit for bit, as the uninterrupted run with the same seed. It is plain data
 * (numbers, arrays, typed arrays), so that `io/` can store it without `train/` knowing about files.
 */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  /** Optimiser steps taken. */
  step: number;
  /** Parameter values by `namedParameters()` name (copies). */
  parameters: Record<string, FloatArray>;
  /** Non-trained buffers (batch-norm running statistics) by name (copies). */
  buffers: Record<string, FloatArray>;
  optimizer: OptimizerState;
  /** The shuffling generator's state (`Rng.state()`). */
  rng: number[];
  best: BestState | null;
  /** Epochs since the last improvement of the validation log-likelihood. */
  patienceCounter: number;
  /** Multiplier of the learning rate left by the divergence guard (1 unless it halved the rate). */
  learningRateScale: number;
  /** Mean validation log-likelihood of the parameters the run started from (`NaN` without a validation set). */
  initialValidationLogLik: number;
  history: EpochRecord[];
  /** The moving average of the parameters (copies), when `fit` keeps one (`emaDecay` > 0). */
  average?: WeightAverageState;
}
