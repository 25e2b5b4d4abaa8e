/**
 * A `.npy` array as a chunked table: the header first (as `parseNpy` checks it), then the data a block of rows at a
 * time, each value checked as `readMatrix` checks a whole array (0-based row and column in messages).
 */
import { checkFinite, firstNonFinite } from '../core/check-finite.ts';
import { rowSlice, type Matrix } from '../core/matrix.ts';
import type { ByteReader } from './byte-reader.ts';
import { DataError } from './data-error.ts';
import { parseNpyHeader } from './npy-header.ts';
import { noRowsError, type TableReader } from './table-reader.ts';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads a `.npy` header from `bytes` and returns the table of its rows. */
export async function openNpyTable(bytes: ByteReader): Promise<TableReader> {
  const file = bytes.file;
  const prefix = await bytes.readExactly(12);
  if (prefix.length < 10 || String.fromCharCode(...prefix.subarray(0, 6)) !== '\x93NUMPY') {
    throw new DataError('not a .npy file (it does not start with the magic string \\x93NUMPY)', { file });
  }
  const major = prefix[6];
  if (major < 1 || major > 3) throw new DataError(`unsupported .npy format version ${major}.${prefix[7]} (maflow reads 1.0, 2.0 and 3.0)`, { file });
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? prefix.subarray(10) : new Uint8Array(0);
  const rest = await bytes.readExactly(headerLength - headerStart.length);
  if (headerStart.length + rest.length < headerLength) throw new DataError(`truncated .npy header: it claims ${headerLength} bytes`, { file });
  const headerBytes = new Uint8Array(headerLength);
  headerBytes.set(headerStart);
  headerBytes.set(rest, headerStart.length);
  const { descr, fortranOrder, shape } = parseNpyHeader(new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes), file);
  if (descr !== '<f4' && descr !== '<f8') {
    throw new DataError(`dtype '${descr}' is not supported; expected float32 ('<f4') or float64 ('<f8'); convert with a.astype('float32')`, { file });
  }
  if (fortranOrder) throw new DataError('Fortran-order arrays are not supported; save with np.save(path, np.ascontiguousarray(a))', { file });
  if (shape.length === 0 || shape.length > 2) {
    throw new DataError(`expected a 1-D or 2-D array, got a ${shape.length}-D array of shape (${shape.join(', ')})`, { file });
  }
  const rows = shape[0];
  const cols = shape.length === 2 ? shape[1] : 1;
  if (rows === 0 || cols === 0) {
    throw new DataError(`no data: the array has shape (${rows}, ${cols}); expected at least one row and one column`, { file, code: 'no-rows' });
  }
  const itemSize = descr === '<f4' ? 4 : 8;
  return {
    file, format: 'npy', columns: Array.from({ length: cols }, (_, i) => `col${i}`), named: false, rows,
    async *chunks(selected) {
      const rowBytes = cols * itemSize;
      let leftover = new Uint8Array(0);
      let firstRow = 0;
      for (let block = await bytes.read(); block !== undefined; block = await bytes.read()) {
        const data = leftover.length === 0 ? block : concat(leftover, block);
        const whole = Math.min(Math.floor(data.length / rowBytes), rows - firstRow);
        if (whole === 0 && firstRow === rows) throw new DataError(`unexpected bytes after the data of shape (${shape.join(', ')})`, { file });
        leftover = data.slice(whole * rowBytes);
        if (whole === 0) continue;
        const chunk = decodeRows(data.subarray(0, whole * rowBytes), whole, cols, itemSize, selected);
        const bad = firstNonFinite(chunk.data);
        if (bad >= 0) {
          const good = Math.floor(bad / chunk.cols);
          if (good > 0) yield { rows: rowSlice(chunk, 0, good), firstRow };
          checkFinite(file, undefined, chunk, { firstRow, columnIndices: selected });
        }
        yield { rows: chunk, firstRow };
        firstRow += whole;
      }
      if (firstRow < rows) {
        throw new DataError(`truncated data: shape (${shape.join(', ')}) needs ${rows * rowBytes} bytes, the data end after ${firstRow} rows`, { file });
      }
      if (leftover.length > 0) throw new DataError(`unexpected bytes after the data of shape (${shape.join(', ')})`, { file });
      if (firstRow === 0) throw noRowsError(file, 'an empty array');
    },
  };
}

/** Rows `[n, cols]` of little-endian `<f4`/`<f8` bytes, the `selected` columns as float64. */
function decodeRows(bytes: Uint8Array, n: number, cols: number, itemSize: 4 | 8, selected: readonly number[]): Matrix {
  let values: Float32Array | Float64Array;
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % itemSize === 0) {
    values = itemSize === 4 ? new Float32Array(bytes.buffer, bytes.byteOffset, n * cols) : new Float64Array(bytes.buffer, bytes.byteOffset, n * cols);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    values = itemSize === 4 ? new Float32Array(n * cols) : new Float64Array(n * cols);
    for (let i = 0; i < values.length; i++) values[i] = itemSize === 4 ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
  }
  const k = selected.length;
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const base = r * cols;
    for (let j = 0; j < k; j++) out[r * k + j] = values[base + selected[j]];
  }
  return { rows: n, cols: k, data: out };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
