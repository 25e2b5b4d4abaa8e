import { gatherRows, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';

/** Options of `splitValidation(data, options)`. */
export interface SplitValidationOptions {
  /** Share of rows held out, in (0, 1). */
  fraction: number;
  /** Context aligned with the data rows, split the same way. */
  context?: Matrix;
  rng: Rng;
}

/** The two parts of `splitValidation`: training and validation rows, each with its context rows. */
export interface ValidationSplit {
  train: Matrix;
  trainContext?: Matrix;
  validation: Matrix;
  validationContext?: Matrix;
}

/**
 * A seeded train/validation split: a random permutation of the rows from `rng`, the first
 * `round(fraction · n)` rows (at least 1) for validation, the rest for training. Rows keep their context rows.
 *
 * @example
 * import { Rng, matrix, splitValidation } from 'maflow';
 * const data = matrix([[1], [2], [3], [4], [5], [6], [7], [8], [9], [10]]);
 * const { train, validation } = splitValidation(data, { fraction: 0.2, rng: new Rng(0) });
 * console.log(train.rows, validation.rows); // → 8 2
 */
export function splitValidation(data: Matrix, options: SplitValidationOptions): ValidationSplit {
  const { fraction, context, rng } = options;
  const n = data.rows;
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`splitValidation: fraction must be in (0, 1), got ${fraction}`);
  const held = Math.max(1, Math.round(fraction * n));
  if (n - held < 1) throw new RangeError(`splitValidation: ${n} rows cannot be split with validation fraction ${fraction}`);
  const order = rng.permutation(n);
  const validationRows = order.subarray(0, held);
  const trainRows = order.subarray(held);
  return {
    train: gatherRows(data, trainRows),
    validation: gatherRows(data, validationRows),
    ...(context === undefined ? {} : { trainContext: gatherRows(context, trainRows), validationContext: gatherRows(context, validationRows) }),
  };
}
