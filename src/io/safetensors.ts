/**
 * The safetensors format (https://github.com/huggingface/safetensors), as maflow's model files use it:
 *
 * ```
 * [8 bytes: N, little-endian u64][N bytes: JSON header, may end in spaces][byte buffer]
 * header = {"__metadata__": {string: string}, "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …}
 * ```
 * Offsets are relative to the start of the byte buffer, and the tensors must cover the buffer exactly (no holes,
 * no overlaps). Tensor data is little-endian whatever the host. A PyTorch user opens the same file with
 * `safetensors.torch.load_file`. This module works on bytes and runs anywhere (the browser too); `safetensors-file.ts`
 * reads and writes files.
 */
import { DataError } from './data-error.ts';
import { PROTOTYPE_KEYS, validateSafetensorsHeader } from './safetensors-header.ts';

/** The tensor element types maflow reads and writes. */
export type SafetensorsDtype = 'F32' | 'F64' | 'I32' | 'I64';

/** One tensor: dtype, shape and a typed array of `product(shape)` values (BigInt64Array for I64). */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array;
}

/** A decoded file: tensors by name plus the header's `__metadata__` string map. */
export interface SafetensorsContents {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** Bytes per element and typed-array constructor for each supported dtype. */
export const SAFETENSORS_DTYPES = {
  F32: { size: 4, array: Float32Array },
  F64: { size: 8, array: Float64Array },
  I32: { size: 4, array: Int32Array },
  I64: { size: 8, array: BigInt64Array },
} as const;

/**
 * Layout order of the reference implementation (which sorts by dtype, descending in its enum order, then by
 * name): 8-byte types first, so every tensor starts at an offset aligned to its element size.
 */
const DTYPE_RANK: Record<SafetensorsDtype, number> = { I64: 0, F64: 1, F32: 2, I32: 3 };

/**
 * The largest JSON header read, in bytes: the reference implementation's limit (`MAX_HEADER_SIZE` in
 * huggingface/safetensors), checked before anything is allocated for the header.
 */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encodes tensors and string metadata as safetensors bytes. The header is compact JSON with `__metadata__` first
 * (its keys sorted), then the tensors in layout order, padded with spaces to a multiple of 8 bytes.
 *
 * @example
 * import { decodeSafetensors, encodeSafetensors } from 'maflow';
 * const bytes = encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } }, { format: 'maflow' });
 * const { tensors, metadata } = decodeSafetensors(bytes);
 * console.log(tensors.w.data, metadata); // → Float32Array(2) [ 1, 2 ] { format: 'maflow' }
 */
export function encodeSafetensors(tensors: Record<string, SafetensorsTensor>,
  metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) =>
    DTYPE_RANK[tensors[a].dtype] - DTYPE_RANK[tensors[b].dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const header = Object.create(null) as Record<string, unknown>;
  if (Object.keys(metadata).length > 0) header.__metadata__ = sortedStrings(metadata);
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new RangeError('encodeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    if (PROTOTYPE_KEYS.includes(name)) throw new RangeError(`encodeSafetensors: "${name}" cannot name a tensor (a JavaScript prototype key)`);
    const tensor = tensors[name];
    checkTensor(name, tensor);
    const byteLength = tensor.data.length * SAFETENSORS_DTYPES[tensor.dtype].size;
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + byteLength] };
    offset += byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let position = 8 + padded;
  for (const name of names) {
    writeLittleEndian(tensors[name].data, out, position);
    position += tensors[name].data.byteLength;
  }
  return out;
}

/**
 * Decodes safetensors bytes, checking everything a corrupt or foreign file could get wrong; each problem throws a
 * `DataError` naming `file` and, where it applies, the tensor. Tensor data is copied out (aligned, host order).
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { decodeSafetensors, writeSafetensors } from 'maflow';
 * writeSafetensors('model.safetensors', { b: { dtype: 'F64', shape: [1, 2], data: Float64Array.of(3, 4) } });
 * const { tensors } = decodeSafetensors(readFileSync('model.safetensors'), 'model.safetensors');
 * console.log(tensors.b.shape, tensors.b.data); // → [ 1, 2 ] Float64Array(2) [ 3, 4 ]
 */
export function decodeSafetensors(bytes: Uint8Array, file = '<safetensors>'): SafetensorsContents {
  if (bytes.length < 8) {
    throw new DataError(`not a safetensors file: ${bytes.length} bytes, too short for the 8-byte header length`, { file });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw new DataError(`the safetensors header length ${headerLength} exceeds the limit of ${SAFETENSORS_MAX_HEADER_BYTES} bytes ` +
      '(not a safetensors file, or a corrupt one)', { file });
  }
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new DataError(`not a safetensors file or truncated: the header length ${headerLength} is larger than the ` +
      `${bytes.length - 8} bytes after it`, { file });
  }
  const bufferStart = 8 + Number(headerLength);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, bufferStart));
  } catch {
    throw new DataError('the safetensors header is not valid UTF-8', { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataError(`the safetensors header is not valid JSON (${(error as Error).message})`, { file });
  }
  const buffer = bytes.subarray(bufferStart);
  const { entries, metadata } = validateSafetensorsHeader(json, buffer.length, file);
  const tensors = Object.create(null) as Record<string, SafetensorsTensor>;
  for (const entry of entries) {
    const Array_ = SAFETENSORS_DTYPES[entry.dtype].array;
    const data = new Array_((entry.end - entry.begin) / SAFETENSORS_DTYPES[entry.dtype].size);
    readLittleEndian(buffer.subarray(entry.begin, entry.end), data);
    tensors[entry.name] = { dtype: entry.dtype, shape: entry.shape, data };
  }
  return { tensors, metadata };
}

function checkTensor(name: string, tensor: SafetensorsTensor): void {
  const spec = SAFETENSORS_DTYPES[tensor.dtype];
  if (spec === undefined) throw new RangeError(`encodeSafetensors: tensor "${name}" has unsupported dtype ${String(tensor.dtype)}`);
  if (!(tensor.data instanceof spec.array)) {
    throw new TypeError(`encodeSafetensors: tensor "${name}" is ${tensor.dtype} but its data is a ${tensor.data.constructor.name}`);
  }
  if (!tensor.shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new RangeError(`encodeSafetensors: tensor "${name}" has an invalid shape [${tensor.shape.join(', ')}]`);
  }
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  if (count !== tensor.data.length) {
    throw new RangeError(`encodeSafetensors: tensor "${name}" has shape [${tensor.shape.join(', ')}] (${count} values) ` +
      `but ${tensor.data.length} values`);
  }
}

function sortedStrings(metadata: Record<string, string>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(metadata).sort()) {
    if (PROTOTYPE_KEYS.includes(key)) throw new RangeError(`encodeSafetensors: "${key}" cannot be a metadata key (a JavaScript prototype key)`);
    if (typeof metadata[key] !== 'string') {
      throw new TypeError(`encodeSafetensors: metadata "${key}" must be a string, got ${typeof metadata[key]}`);
    }
    out[key] = metadata[key];
  }
  return out;
}

type AnyTyped = SafetensorsTensor['data'];

function writeLittleEndian(data: AnyTyped, out: Uint8Array, position: number): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + position, data.byteLength);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(4 * i, data[i], true);
    else if (data instanceof Float64Array) view.setFloat64(8 * i, data[i], true);
    else if (data instanceof Int32Array) view.setInt32(4 * i, data[i], true);
    else view.setBigInt64(8 * i, data[i], true);
  }
}

function readLittleEndian(source: Uint8Array, target: AnyTyped): void {
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(target.buffer).set(source);
    return;
  }
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  for (let i = 0; i < target.length; i++) {
    if (target instanceof Float32Array) target[i] = view.getFloat32(4 * i, true);
    else if (target instanceof Float64Array) target[i] = view.getFloat64(8 * i, true);
    else if (target instanceof Int32Array) target[i] = view.getInt32(4 * i, true);
    else target[i] = view.getBigInt64(8 * i, true);
  }
}
