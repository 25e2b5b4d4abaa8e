/** Progress events of `fit` and `fitReverseKl`: what a progress bar or a log line needs. */
import type { RemainingTime } from './remaining-time.ts';

/** After every optimiser step of `fit`. */
export interface StepEvent {
  /** 1-based epoch. */
  epoch: number;
  /** Optimiser steps taken so far (this one included). */
  step: number;
  /** The batch's loss `−mean log p(x)` in nats. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** The learning rate this step used. */
  learningRate: number;
  /** Training throughput of this run so far. */
  rowsPerSecond: number;
  /** Time left at the latest: until the epoch limit or the time budget (`remaining.latestSeconds`). */
  etaSeconds: number;
  /** When the run ends, bounded by the epoch limit, early stopping and the time budget. */
  remaining: RemainingTime;
}

/** After every epoch of `fit`, once the validation log-likelihood is known. */
export interface EpochEvent {
  epoch: number;
  step: number;
  /** Mean training loss over the epoch, nats. */
  trainLoss: number;
  /** Mean validation log-likelihood, nats (`NaN` without a validation set). */
  validationLogLik: number;
  bestEpoch: number;
  bestValidationLogLik: number;
  /** Epochs since the last improvement. */
  patienceCounter: number;
  rowsPerSecond: number;
  /** Time left at the latest: until the epoch limit or the time budget (`remaining.latestSeconds`). */
  etaSeconds: number;
  /** When the run ends, bounded by the epoch limit, early stopping and the time budget. */
  remaining: RemainingTime;
  /** Seconds since this `fit` call started. */
  seconds: number;
}
