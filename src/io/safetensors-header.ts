/**
 * Validation of a parsed safetensors JSON header against the size of the byte buffer that follows it.
 */
import { jsonExcerpt, quote } from '../core/printable.ts';
import { DataError } from './data-error.ts';
import type { SafetensorsDtype } from './safetensors.ts';

/** A tensor's header entry, checked. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

const SIZES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, I64: 8 };
/**
 * Names refused for tensors and metadata keys: in a plain JavaScript object they are not data (`__proto__` sets the
 * prototype, `constructor` and `prototype` shadow or read inherited members), so a file naming a tensor so is corrupt
 * or hostile. (The maps built here have no prototype, so no other name can resolve to an inherited member either.)
 */
export const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];
/** Valid in the format but not read by maflow. */
const OTHER_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'I16', 'U16',
  'F16', 'BF16', 'U32', 'U64', 'C64'];

/**
 * Checks the header of a safetensors file: a JSON object whose `__metadata__` maps strings to strings and whose
 * other entries are tensors with a supported dtype, a shape of non-negative integers and offsets that match the
 * shape, stay inside the buffer and together cover it with no gap or overlap. Entries come back sorted by offset.
 */
export function validateSafetensorsHeader(json: unknown, bufferLength: number, file: string):
  { entries: SafetensorsEntry[]; metadata: Record<string, string> } {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new DataError(`the safetensors header is not a JSON object`, { file });
  }
  let metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(value, file);
    } else {
      if (PROTOTYPE_KEYS.includes(name)) {
        throw new DataError(`tensor name ${quote(name)} is not allowed (a JavaScript prototype key; the file is corrupt or hostile)`, { file });
      }
      entries.push(checkEntry(name, value, bufferLength, file));
    }
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: SafetensorsEntry | undefined;
  for (const entry of entries) {
    if (entry.begin < covered) {
      throw new DataError(`tensors ${quote(previous?.name ?? '')} and ${quote(entry.name)} overlap (bytes ${entry.begin}..${covered} ` +
        'of the data buffer)', { file });
    }
    if (entry.begin > covered) {
      throw new DataError(`bytes ${covered}..${entry.begin} of the data buffer belong to no tensor (a gap before ` +
        `${quote(entry.name)})`, { file });
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== bufferLength) {
    throw new DataError(`the data buffer has ${bufferLength} bytes but the tensors cover only ${covered}`, { file });
  }
  return { entries, metadata };
}

function checkMetadata(value: unknown, file: string): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DataError('the safetensors "__metadata__" is not an object of strings', { file });
  }
  const metadata = Object.create(null) as Record<string, string>;
  for (const [key, item] of Object.entries(value)) {
    if (PROTOTYPE_KEYS.includes(key)) {
      throw new DataError(`metadata key ${quote(key)} is not allowed (a JavaScript prototype key; the file is corrupt or hostile)`, { file });
    }
    if (typeof item !== 'string') {
      throw new DataError(`safetensors metadata ${quote(key)} must be a string, got ${jsonExcerpt(item)}`, { file });
    }
    metadata[key] = item;
  }
  return metadata;
}

function checkEntry(name: string, value: unknown, bufferLength: number, file: string): SafetensorsEntry {
  const fail = (detail: string): DataError => new DataError(`tensor ${quote(name)}: ${detail}`, { file });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('the header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') throw fail('the header entry has no "dtype" string');
  if (!(dtype in SIZES)) {
    throw fail(OTHER_DTYPES.includes(dtype)
      ? `dtype ${dtype} is not supported (maflow reads F32, F64, I32, I64)`
      : `unknown dtype ${jsonExcerpt(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw fail(`"shape" must be an array of non-negative integers, got ${jsonExcerpt(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw fail(`"data_offsets" must be [begin, end] with non-negative integers, got ${jsonExcerpt(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw fail(`"data_offsets" [${begin}, ${end}] ends before it begins`);
  if (end > bufferLength) {
    throw fail(`"data_offsets" [${begin}, ${end}] run past the end of the ${bufferLength}-byte data buffer (truncated file?)`);
  }
  const size = SIZES[dtype as SafetensorsDtype];
  const expected = (shape as number[]).reduce((a, b) => a * b, 1) * size;
  if (end - begin !== expected) {
    throw fail(`shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes but "data_offsets" [${begin}, ${end}] ` +
      `span ${end - begin}`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}
