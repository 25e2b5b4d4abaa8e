import { allocateBuffer, type Dtype, type FloatArray, type Matrix } from '../core/matrix.ts';

/**
 * Reusable work buffers keyed by name, so that repeated passes with the same batch size allocate nothing
 * (the training loop runs thousands of identical steps). A buffer is reallocated only when its size changes.
 * Train passes hand out such buffers: they stay valid until the owner's next pass of the same kind, which is why a
 * bijector instance may appear only once in a model.
 */
export class Scratch {
  private readonly buffers = new Map<string, FloatArray>();
  private readonly doubles = new Map<string, Float64Array>();

  /** A buffer of `length` entries for `key`; its contents are whatever the last user left there. */
  get(key: string, dtype: Dtype, length: number): FloatArray {
    let buffer = this.buffers.get(key);
    if (buffer === undefined || buffer.length !== length || (dtype === 'float64') !== (buffer instanceof Float64Array)) {
      buffer = allocateBuffer(dtype, length);
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  /** A `[rows, cols]` matrix over the buffer for `key` (contents left from the last use). */
  matrix(key: string, rows: number, cols: number, dtype: Dtype): Matrix {
    return { rows, cols, data: this.get(key, dtype, rows * cols) };
  }

  /** A zeroed Float64Array of `length` entries for `key` (per-row log-determinants). */
  zeroDoubles(key: string, length: number): Float64Array {
    let buffer = this.doubles.get(key);
    if (buffer === undefined || buffer.length !== length) {
      buffer = new Float64Array(length);
      this.doubles.set(key, buffer);
    } else {
      buffer.fill(0);
    }
    return buffer;
  }
}
