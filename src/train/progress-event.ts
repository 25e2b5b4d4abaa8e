/** Progress events of `fit` and `fitReverseKl`: what a progress bar or a log line needs. */

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
  /** Time left if every remaining epoch runs (early stopping may end sooner). */
  etaSeconds: number;
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
  etaSeconds: number;
  /** Seconds since this `fit` call started. */
  seconds: number;
}
