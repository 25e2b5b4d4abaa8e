import { extname } from 'node:path';
import { zeros } from '../core/matrix.ts';
import { printable } from '../core/printable.ts';
import { sequenceLength, type Sequences } from '../core/sequences.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { formatCsv } from './csv.ts';
import { npyDataBytes } from './npy.ts';

/** Options of `writeSequences` and `formatSequencesCsv`. */
export interface WriteSequencesOptions {
  /** Names of the features. @default col0, col1, … */
  columns?: readonly string[];
  /** The name of each sequence in the CSV's first column. @default 0, 1, … */
  ids?: readonly (string | number)[];
  /** Leading columns besides `sequence` and `step`, one value per sequence each (e.g. a forecast's sample index). */
  extra?: Record<string, readonly number[]>;
  /** Number of the first step in the CSV. @default 0 */
  firstStep?: number;
}

/**
 * Writes sequences atomically: a `.npy` is the 3-D array `[n, steps, features]` (padding as stored), anything else a
 * long-format CSV with columns `sequence, step, <features>` and one row per real step.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { sequences, writeSequences } from 'maflow';
 * writeSequences('paths.csv', sequences([[[1], [2]], [[3]]]), { columns: ['x'] });
 * console.log(readFileSync('paths.csv', 'utf8')); // → sequence,step,x / 0,0,1 / 0,1,2 / 1,0,3 (four lines)
 */
export function writeSequences(path: string, s: Sequences, options: WriteSequencesOptions = {}): void {
  if (extname(path).toLowerCase() === '.npy') {
    writeFileAtomic(path, encodeSequencesNpy(s));
    return;
  }
  writeFileAtomic(path, formatSequencesCsv(s, options));
}

/** The `.npy` bytes of the 3-D array `[n, steps, features]`. */
export function encodeSequencesNpy(s: Sequences): Uint8Array {
  let header = `{'descr': '${s.data instanceof Float64Array ? '<f8' : '<f4'}', 'fortran_order': False, 'shape': (${s.count}, ${s.steps}, ${s.features}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const bytes = new Uint8Array(10 + header.length + s.data.byteLength);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  bytes.set(npyDataBytes(s.data), 10 + header.length);
  return bytes;
}

/** The long-format CSV text of `s` (see `writeSequences`). */
export function formatSequencesCsv(s: Sequences, options: WriteSequencesOptions = {}): string {
  const F = s.features;
  const extra = Object.entries(options.extra ?? {});
  const width = 2 + extra.length + F;
  let rows = 0;
  for (let i = 0; i < s.count; i++) rows += sequenceLength(s, i);
  const m = zeros(rows, width, s.data instanceof Float64Array ? 'float64' : 'float32');
  const ids = options.ids;
  const numericIds = ids === undefined || ids.every((id) => typeof id === 'number' || /^-?\d+(\.\d+)?$/.test(String(id)));
  let row = 0;
  for (let i = 0; i < s.count; i++) {
    for (let t = 0; t < sequenceLength(s, i); t++, row++) {
      const at = row * width;
      m.data[at] = numericIds ? Number(ids?.[i] ?? i) : i;
      extra.forEach(([, values], k) => { m.data[at + 1 + k] = values[i]; });
      m.data[at + 1 + extra.length] = t + (options.firstStep ?? 0);
      m.data.set(s.data.subarray((i * s.steps + t) * F, (i * s.steps + t + 1) * F), at + 2 + extra.length);
    }
  }
  const columns = ['sequence', ...extra.map(([name]) => name), 'step', ...(options.columns ?? Array.from({ length: F }, (_, f) => `col${f}`))];
  const text = formatCsv(m, { columns });
  if (numericIds) return text;
  // String ids: replace the first field of each data row by its quoted id.
  const lines = text.split('\n');
  let k = 0;
  for (let i = 0; i < s.count; i++) {
    const id = `"${printable(String(ids[i])).replace(/"/g, '""')}"`;
    for (let t = 0; t < sequenceLength(s, i); t++, k++) lines[1 + k] = id + lines[1 + k].slice(lines[1 + k].indexOf(','));
  }
  return lines.join('\n');
}
