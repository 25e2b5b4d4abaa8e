/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0) for float32 / float64 arrays of one or two dimensions.
 *
 * Layout: the magic `\x93NUMPY`, a major and minor version byte, the header length (little-endian u16 for 1.0,
 * u32 for 2.0+), a Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }`
 * padded with spaces and a newline so that the data starts at a multiple of 64 bytes, then the raw array.
 * A 1-D array of n values reads as an `[n, 1]` matrix.
 */
import { dtypeOf, type Dtype, type Matrix } from '../core/matrix.ts';
import { writeAtomically, type AtomicWriteOptions } from './atomic-write.ts';
import { DataError } from './data-error.ts';
import { parseNpyHeader } from './npy-header.ts';
import { readFileBytes } from './read-file-bytes.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reads a `.npy` file as a matrix (float32 for `<f4`, float64 for `<f8`).
 *
 * @example
 * import { matrix, readNpy, writeNpy } from 'maflow';
 * writeNpy('train.npy', matrix([[1, 2], [3, 4], [5, 6]]));
 * const x = readNpy('train.npy');   // [n, d]
 * console.log(x.rows, x.cols); // → 3 2
 */
export function readNpy(path: string): Matrix {
  return parseNpy(readFileBytes(path), path);
}

/**
 * Decodes `.npy` bytes. Fortran order, big-endian data, other dtypes, 0-D or 3-D+ arrays, a bad magic string and
 * truncated data each throw a `DataError` naming `file`.
 */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): Matrix {
  const { shape, data } = parseNpyArray(bytes, file);
  if (shape.length === 0 || shape.length > 2) {
    throw new DataError(`expected a 1-D or 2-D array, got a ${shape.length}-D array of shape (${shape.join(', ')})`, { file });
  }
  return { rows: shape[0], cols: shape.length === 2 ? shape[1] : 1, data };
}

/** A `.npy` array of any number of dimensions: its shape and its values in C order. */
export interface NpyArray {
  shape: number[];
  data: Float32Array | Float64Array;
}

/**
 * Decodes `.npy` bytes of any shape (a 3-D `[n, steps, features]` array of sequences, say), with the checks of
 * `parseNpy` except the number of dimensions.
 *
 * @example
 * import { parseNpyArray } from './npy.ts';
 * const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 1), }";
 * const bytes = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0, ...Buffer.from(header), ...new Uint8Array(new Float32Array([1, 2]).buffer)]);
 * console.log(parseNpyArray(bytes, 'a.npy').shape); // → [ 1, 2, 1 ]
 */
export function parseNpyArray(bytes: Uint8Array, file = '<npy>'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DataError('not a .npy file (it does not start with the magic string \\x93NUMPY)', { file });
  }
  const major = bytes[6];
  if (major < 1 || major > 3) {
    throw new DataError(`unsupported .npy format version ${major}.${bytes[7]} (maflow reads 1.0, 2.0 and 3.0)`, { file });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw new DataError('truncated .npy header', { file });
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = prefix + headerLength;
  if (dataStart > bytes.length) {
    throw new DataError(`truncated .npy header: it claims ${headerLength} bytes but the file has ${bytes.length - prefix} after the prefix`, { file });
  }
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(prefix, dataStart));
  const { descr, fortranOrder, shape } = parseNpyHeader(headerText, file);
  const itemSize = checkDescr(descr, file);
  if (fortranOrder) {
    throw new DataError('Fortran-order arrays are not supported; save with np.save(path, np.ascontiguousarray(a))', { file });
  }
  const size = shape.reduce((a, n) => a * n, 1);
  const byteLength = size * itemSize;
  const available = bytes.length - dataStart;
  if (available < byteLength) {
    throw new DataError(`truncated data: shape (${shape.join(', ')}) needs ${byteLength} bytes, the file has ${available}`, { file });
  }
  if (available > byteLength) {
    throw new DataError(`${available - byteLength} unexpected bytes after the data of shape (${shape.join(', ')})`, { file });
  }
  const data = itemSize === 4 ? new Float32Array(size) : new Float64Array(size);
  copyLittleEndian(bytes.subarray(dataStart), data);
  return { shape, data };
}

/**
 * Encodes a matrix as `.npy` v1.0 bytes: `<f4` for float32 data, `<f8` for float64, shape `(rows, cols)`.
 *
 * @example
 * import { encodeNpy, matrix } from 'maflow';
 * console.log(encodeNpy(matrix([[1, 2]])).length); // → 136: a 128-byte header (padded to a multiple of 64, as NumPy's), then 2 float32 values
 */
export function encodeNpy(m: Matrix): Uint8Array {
  const header = encodeNpyHeader({ rows: m.rows, cols: m.cols, dtype: dtypeOf(m.data) });
  const out = new Uint8Array(header.length + m.data.byteLength);
  out.set(header, 0);
  out.set(npyDataBytes(m.data), header.length);
  return out;
}

/** The shape and element type of a `.npy` array, known before its data (a streamed write). */
export interface NpyShape {
  rows: number;
  cols: number;
  dtype: Dtype;
}

/**
 * The `.npy` v1.0 prefix of an array `[rows, cols]` (magic, version, header length, the header dict padded so that
 * the data start at a multiple of 64 bytes); the raw little-endian data follow it.
 *
 * @example
 * import { encodeNpyHeader } from 'maflow';
 * console.log(encodeNpyHeader({ rows: 1000000, cols: 3, dtype: 'float32' }).length); // → 128
 */
export function encodeNpyHeader(shape: NpyShape): Uint8Array {
  let header = `{'descr': '${shape.dtype === 'float32' ? '<f4' : '<f8'}', 'fortran_order': False, 'shape': (${shape.rows}, ${shape.cols}), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  if (header.length > 0xffff) throw new RangeError(`encodeNpy: header of ${header.length} bytes does not fit format 1.0`);
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

/** The little-endian bytes of `data`: a view of it on a little-endian host (no copy), else a converted copy. */
export function npyDataBytes(data: Float32Array | Float64Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(4 * i, data[i], true);
    else view.setFloat64(8 * i, data[i], true);
  }
  return out;
}

/**
 * Writes a matrix as a `.npy` file, atomically (`numpy.load(path)` gives a `(rows, cols)` array), without copying
 * its data.
 *
 * @example
 * import { matrix, readNpy, writeNpy } from 'maflow';
 * writeNpy('samples.npy', matrix([[0.5, -1], [2, 0]]));   // NumPy reads it with np.load('samples.npy')
 * console.log(readNpy('samples.npy').data); // → Float32Array(4) [ 0.5, -1, 2, 0 ]
 */
export function writeNpy(path: string, m: Matrix, options: AtomicWriteOptions = {}): void {
  // Header, then the data straight from the matrix: no second copy of a large array in memory.
  writeAtomically(path, (file) => {
    file.write(encodeNpyHeader({ rows: m.rows, cols: m.cols, dtype: dtypeOf(m.data) }));
    file.write(npyDataBytes(m.data));
  }, options);
}

function checkDescr(descr: string, file: string): 4 | 8 {
  if (descr === '<f4') return 4;
  if (descr === '<f8') return 8;
  if (descr === '|O') {
    throw new DataError("an object array (dtype '|O': ragged rows or sequences of different lengths, saved with pickling) is not " +
      'supported; store a rectangular float array (pad sequences to one length), or sequences as a long-format CSV', { file });
  }
  if (descr === '>f4' || descr === '>f8') {
    throw new DataError(`big-endian data ('${descr}') is not supported; convert with a.astype('<${descr.slice(1)}')`, { file });
  }
  throw new DataError(`dtype '${descr}' is not supported; expected float32 ('<f4') or float64 ('<f8'); ` +
    "convert with a.astype('float32')", { file });
}

function copyLittleEndian(source: Uint8Array, target: Float32Array | Float64Array): void {
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(target.buffer).set(source.subarray(0, target.byteLength));
    return;
  }
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  const size = target.BYTES_PER_ELEMENT;
  for (let i = 0; i < target.length; i++) target[i] = size === 4 ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
}
