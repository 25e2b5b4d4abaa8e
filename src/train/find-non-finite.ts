import { firstNonFinite } from '../core/check-finite.ts';
import type { Matrix } from '../core/matrix.ts';
import type { NonFiniteInput } from './fit.ts';

/**
 * The first NaN or ±Infinity in `fit`'s inputs, scanned in the order given (row-major in each matrix), or
 * `undefined` when all are finite. `fit` calls it only after a loss or score became non-finite, to tell a data
 * problem (name the row, stop: retrying cannot help) from an optimisation problem.
 *
 * @example
 * import { matrix } from 'maflow';
 * import { findNonFinite } from './find-non-finite.ts';
 * const data = matrix([[1, 2], [3, Infinity]]);
 * console.log(findNonFinite([['data', data]])); // → { input: 'data', row: 1, column: 1, value: Infinity }
 */
export function findNonFinite(inputs: ReadonlyArray<readonly [NonFiniteInput['input'], Matrix | undefined]>): NonFiniteInput | undefined {
  for (const [input, m] of inputs) {
    if (m === undefined) continue;
    const i = firstNonFinite(m.data);
    if (i >= 0) return { input, row: Math.floor(i / m.cols), column: i % m.cols, value: m.data[i] };
  }
  return undefined;
}
