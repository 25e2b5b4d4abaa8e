/**
 * Reusable work buffers keyed by name, so that repeated passes with the same batch size allocate nothing
 * (the training loop runs thousands of identical steps). A buffer is reallocated only when its size changes.
 */
import { allocate, type Dtype, type FloatArray } from '../core/matrix.ts';

export class Scratch {
  private readonly buffers = new Map<string, FloatArray>();

  /** A buffer of `length` entries for `key`; its contents are whatever the last user left there. */
  get(key: string, dtype: Dtype, length: number): FloatArray {
    let buffer = this.buffers.get(key);
    if (buffer === undefined || buffer.length !== length) {
      buffer = allocate(dtype, length);
      this.buffers.set(key, buffer);
    }
    return buffer;
  }
}
