/**
 * The loss curves of a training run as a PNG: the training and validation loss (minus the log-likelihood, nats per
 * row) of every epoch, the best validation epoch marked. What `maflow train --plot-loss` and `maflow demo` draw.
 */
import type { EpochRecord } from '../train/training-state.ts';
import type { PlotImage } from './plots/index.ts';

/** The part of the plotting module this needs (loaded on demand by the caller: it takes about half a second). */
export type LossCurvePlotter = Pick<typeof import('./plots/index.ts'), 'lossCurvePlot'>;

/**
 * The curves of `history` (at least one epoch); a run without a validation set draws the training curve alone.
 *
 * @example
 * import { trainingCurve } from './training-curve.ts';
 * const plots = await import('./plots/index.ts');
 * const history = [{ epoch: 1, trainLoss: 2.1, validationLogLik: -2 }, { epoch: 2, trainLoss: 1.6, validationLogLik: -1.7 }];
 * console.log(trainingCurve(plots, history, 'moons').width); // → 800
 */
export function trainingCurve(plots: LossCurvePlotter, history: readonly EpochRecord[], title: string): PlotImage {
  const validated = history.every((h) => !Number.isNaN(h.validationLogLik));
  return plots.lossCurvePlot({
    epochs: history.map((h) => h.epoch),
    train: history.map((h) => h.trainLoss),
    ...(validated ? { validation: history.map((h) => -h.validationLogLik) } : {}),
    title,
  });
}
