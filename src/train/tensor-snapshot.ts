/**
 * Copies of named tensors (parameter values, batch-norm buffers): the best parameters kept by early stopping, the
 * last good state kept by the divergence guard, and the tensors of a training checkpoint.
 */
import type { FloatArray } from '../core/matrix.ts';

/** Named typed arrays, e.g. `[['bijector.bijectors.0.made.output.weight', Float32Array], …]`. */
export type NamedTensors = Array<[string, FloatArray]>;

/** A deep copy of each tensor, by name. */
export function snapshotTensors(tensors: NamedTensors): Record<string, FloatArray> {
  const out: Record<string, FloatArray> = {};
  for (const [name, value] of tensors) out[name] = value.slice();
  return out;
}

/**
 * Copies `saved[name]` into each live tensor.
 * @throws `<where>: missing tensor '<name>'` or a size mismatch naming both sizes.
 */
export function restoreTensors(where: string, tensors: NamedTensors, saved: Record<string, FloatArray>): void {
  for (const [name, value] of tensors) {
    const s = saved[name];
    if (s === undefined) throw new Error(`${where}: missing tensor '${name}'`);
    if (s.length !== value.length) throw new RangeError(`${where}: tensor '${name}' has ${s.length} values, expected ${value.length}`);
    value.set(s);
  }
}
