/**
 * Row-major, batch-first matrices: `[rows, cols]` with `data[r * cols + c]`.
 *
 * Models compute in float32 like the Python peers; the reference backend also runs float64 so that gradients can be
 * checked by finite differences to tight tolerances.
 */

/** The element type of every model tensor. */
export type Dtype = 'float32' | 'float64';

/** A dense typed array of either precision. */
export type FloatArray = Float32Array | Float64Array;

/** A row-major `[rows, cols]` matrix over a typed array (`data.length === rows * cols`). */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: FloatArray;
}

/** Allocates a typed array of `length` zeros in `dtype`. */
export function allocate(dtype: Dtype, length: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

let bufferAllocator: ((dtype: Dtype, length: number) => FloatArray) | null = null;

/**
 * Allocates a long-lived buffer of `length` zeros (a parameter, its gradient, optimiser state, a reusable scratch
 * buffer) from the memory of the active kernel backend: a backend that owns its memory (wasm's linear memory) then
 * runs its kernels on these buffers in place. Short-lived results use `allocate`.
 */
export function allocateBuffer(dtype: Dtype, length: number): FloatArray {
  return bufferAllocator === null ? allocate(dtype, length) : bufferAllocator(dtype, length);
}

/** Installs the allocator of `allocateBuffer` (the kernel backend switch does; `null` = ordinary typed arrays). */
export function setBufferAllocator(allocator: ((dtype: Dtype, length: number) => FloatArray) | null): void {
  bufferAllocator = allocator;
}

/** The dtype of a typed array. */
export function dtypeOf(array: FloatArray): Dtype {
  return array instanceof Float64Array ? 'float64' : 'float32';
}

/** A zero matrix `[rows, cols]`. */
export function zeros(rows: number, cols: number, dtype: Dtype = 'float32'): Matrix {
  return { rows, cols, data: allocate(dtype, rows * cols) };
}

/**
 * Builds a matrix from nested arrays (`[[1, 2], [3, 4]]`) or wraps a flat array with an explicit shape.
 *
 * @example
 * import { matrix, toArrays } from 'maflow';
 * const x = matrix([[0.5, -1], [2, 0]]);        // [2, 2] float32
 * const y = matrix([1, 2, 3, 4, 5, 6], 3, 2);   // [3, 2] from a flat row-major array
 * console.log(x.data, toArrays(y)); // → Float32Array(4) [ 0.5, -1, 2, 0 ] [ [ 1, 2 ], [ 3, 4 ], [ 5, 6 ] ]
 */
export function matrix(values: ArrayLike<number> | readonly (readonly number[])[], rows?: number, cols?: number,
  dtype: Dtype = 'float32'): Matrix {
  if (rows === undefined) {
    const nested = values as readonly (readonly number[])[];
    const r = nested.length;
    const c = r === 0 ? 0 : nested[0].length;
    const out = zeros(r, c, dtype);
    for (let i = 0; i < r; i++) {
      if (nested[i].length !== c) throw new Error(`matrix: row ${i} has ${nested[i].length} values, expected ${c}`);
      for (let j = 0; j < c; j++) out.data[i * c + j] = nested[i][j];
    }
    return out;
  }
  const flat = values as ArrayLike<number>;
  const c = cols ?? (rows === 0 ? 0 : flat.length / rows);
  if (!Number.isInteger(c) || rows * c !== flat.length) {
    throw new Error(`matrix: ${flat.length} values do not fill a [${rows}, ${cols ?? '?'}] matrix`);
  }
  const data = allocate(dtype, flat.length);
  data.set(flat);
  return { rows, cols: c, data };
}

/** Converts a matrix to nested arrays (for printing and tests). */
export function toArrays(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** A copy of `m` in `dtype` (a fresh array even when the dtype is unchanged). */
export function cast(m: Matrix, dtype: Dtype): Matrix {
  const data = allocate(dtype, m.data.length);
  data.set(m.data);
  return { rows: m.rows, cols: m.cols, data };
}

/** A deep copy of `m`. */
export function clone(m: Matrix): Matrix {
  return { rows: m.rows, cols: m.cols, data: m.data.slice() };
}

/** Rows `[start, end)` of `m` as a zero-copy view. */
export function rowSlice(m: Matrix, start: number, end: number): Matrix {
  return { rows: end - start, cols: m.cols, data: m.data.subarray(start * m.cols, end * m.cols) };
}

/** The rows of `m` picked by `indices` (a copy). */
export function gatherRows(m: Matrix, indices: ArrayLike<number>, dtype: Dtype = dtypeOf(m.data)): Matrix {
  const out = zeros(indices.length, m.cols, dtype);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    out.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return out;
}

/** `[rows, cols]` as text for error messages. */
export function shapeText(m: Matrix): string {
  return `[${m.rows}, ${m.cols}]`;
}

/**
 * Throws unless `m` is a matrix with `cols` columns (and `rows` rows when given), naming the method and both shapes:
 * `MaskedAutoregressiveFlow.inverse: expected x [n, 3], got [n, 2]`.
 */
export function checkShape(method: string, name: string, m: Matrix | undefined, cols: number, rows?: number): void {
  if (m === undefined || m === null || typeof m !== 'object' || !(m.data instanceof Float32Array || m.data instanceof Float64Array)) {
    throw new TypeError(`${method}: expected ${name} to be a matrix {rows, cols, data: Float32Array | Float64Array}`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new RangeError(`${method}: ${name} has ${m.data.length} values, but its shape is ${shapeText(m)}`);
  }
  const rowText = rows === undefined ? 'n' : String(rows);
  if (m.cols !== cols || (rows !== undefined && m.rows !== rows)) {
    throw new RangeError(`${method}: expected ${name} [${rowText}, ${cols}], got [${rows === undefined ? 'n' : m.rows}, ${m.cols}]`);
  }
}
