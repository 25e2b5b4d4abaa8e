/** What ends a training run that does not fail: the epoch limit, early stopping, or the time budget. */
export type RunLimit = 'epochs' | 'patience' | 'time';

/**
 * When a training run will end, unless it fails (a divergence or an explosion ends it at once, which no estimate
 * foresees). The run ends between `soonestSeconds` and `latestSeconds` from now: soonest if the validation
 * log-likelihood never improves again (each improvement restarts the patience count), at the latest when the epoch
 * limit or the time budget is reached.
 */
export interface RemainingTime {
  /** Seconds until the run ends if the validation log-likelihood does not improve again (`NaN` before any step). */
  soonestSeconds: number;
  /** What ends the run then. */
  soonestBy: RunLimit;
  /** Seconds until the epoch limit or the time budget ends the run at the latest (`NaN` before any step). */
  latestSeconds: number;
  latestBy: Exclude<RunLimit, 'patience'>;
}

/** The state of a run that `remainingTime` reads. */
export interface RemainingTimeInput {
  /** Epochs completed. */
  epoch: number;
  /** Steps taken in the epoch under way, in `[0, stepsPerEpoch]` (0 right after an epoch ends). */
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** The epoch limit. */
  epochs: number;
  /** Epochs without improvement that stop the run (`Infinity` without a validation set: nothing stops it early). */
  patience: number;
  /** Completed epochs since the best one. */
  epochsSinceBest: number;
  /** Mean wall time of a step so far, validation included (`NaN` before the first step). */
  secondsPerStep: number;
  /** What is left of the time budget, seconds (`Infinity` without one). */
  budgetSeconds: number;
}

/**
 * Bounds the time left in a run by the epoch limit, early stopping and the time budget. With `k` steps of the
 * current epoch done and `s` seconds per step, the epoch limit is `((epochs − epoch)·stepsPerEpoch − k)·s` away;
 * early stopping, if no later epoch improves, `((patience − epochsSinceBest)·stepsPerEpoch − k)·s` away (the epoch
 * under way counts); the budget `budgetSeconds` away. The soonest end is the least of the three, the latest the
 * least of the epoch limit and the budget. A tie is given to the limit that is certain (epochs before patience).
 *
 * @example
 * import { remainingTime } from 'maflow';
 * // epoch 10 of 100 done, 27 epochs without improvement (patience 30), 10 steps per epoch at 0.5 s a step:
 * const left = remainingTime({ epoch: 10, stepInEpoch: 0, stepsPerEpoch: 10, epochs: 100, patience: 30,
 *   epochsSinceBest: 27, secondsPerStep: 0.5, budgetSeconds: Infinity });
 * console.log(left); // → { soonestSeconds: 15, soonestBy: 'patience', latestSeconds: 450, latestBy: 'epochs' }
 */
export function remainingTime(input: RemainingTimeInput): RemainingTime {
  const { stepsPerEpoch, stepInEpoch, secondsPerStep, budgetSeconds } = input;
  const stepsTo = (epochsLeft: number): number => Math.max(0, epochsLeft * stepsPerEpoch - stepInEpoch);
  const byEpochs = stepsTo(input.epochs - input.epoch);
  const byPatience = stepsTo(input.patience - input.epochsSinceBest);
  const known = Number.isFinite(secondsPerStep);
  // Before the first step the budget cannot be compared with step counts (unless it is already spent).
  const timeFirst = (steps: number): boolean => budgetSeconds <= 0 || (known && budgetSeconds < steps * secondsPerStep);
  const latest = timeFirst(byEpochs)
    ? { latestSeconds: Math.max(0, budgetSeconds), latestBy: 'time' as const }
    : { latestSeconds: byEpochs * secondsPerStep, latestBy: 'epochs' as const };
  if (!(byPatience < byEpochs) || timeFirst(byPatience)) {
    return { soonestSeconds: latest.latestSeconds, soonestBy: latest.latestBy, ...latest };
  }
  return { soonestSeconds: byPatience * secondsPerStep, soonestBy: 'patience', ...latest };
}
