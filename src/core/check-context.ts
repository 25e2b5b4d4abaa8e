/**
 * The one context check of bijectors and distributions (the conditioning pattern of STYLE.md §6): with
 * `contextFeatures = 0` a context is an error; otherwise one of shape `[rows, contextFeatures]` is required and is
 * returned in `dtype`. Errors name the method (`where`), the expected and the actual shape; with `validate`, a NaN,
 * ±Infinity or a value that overflows `dtype` is a `DataError` naming its row and column (`checkFinite`).
 *
 * @example
 * import { matrix } from 'maflow';
 * import { checkContext } from './check-context.ts';
 * const context = checkContext('Made.forward', 'bijector', { contextFeatures: 1, rows: 2, dtype: 'float32' }, matrix([[0], [1]]));
 * const none = checkContext('Normal.logProb', 'distribution', { contextFeatures: 0, rows: 2, dtype: 'float32' }, undefined);
 * console.log(context?.rows, none); // → 2 null
 */
import { checkFinite } from './check-finite.ts';
import { checkShape, type Dtype, type Matrix } from './matrix.ts';
import { toDtype } from './to-dtype.ts';

/** The context shape a method expects, for `checkContext`. */
export interface ContextShape {
  /** Width C of the context (0 = unconditional). */
  contextFeatures: number;
  /** The number of rows n the context must have. */
  rows: number;
  /** The element type the context is converted to. */
  dtype: Dtype;
  /** Check the values too (the public methods' `validateArgs`); internal passes leave it off. @default false */
  validate?: boolean;
}

/**
 * @param where the method, e.g. `'MaskedAutoregressiveFlow.inverse'`
 * @param owner what takes the context, for the message (`'bijector'`, `'distribution'`)
 * @returns the context `[rows, contextFeatures]` in `dtype`, or `null` when `contextFeatures` is 0
 */
export function checkContext(where: string, owner: string, shape: ContextShape, context: Matrix | undefined): Matrix | null {
  if (shape.contextFeatures === 0) {
    if (context !== undefined) throw new Error(`${where}: this ${owner} takes no context (contextFeatures = 0)`);
    return null;
  }
  if (context === undefined) throw new Error(`${where}: expected context [${shape.rows}, ${shape.contextFeatures}], got none`);
  checkShape(where, 'context', context, shape.contextFeatures, shape.rows);
  if (shape.validate === true) checkFinite(where, 'context', context, { dtype: shape.dtype });
  return toDtype(context, shape.dtype);
}
