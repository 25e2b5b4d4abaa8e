import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rowSlice, zeros, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import type { WriteFunction } from '../../src/io/atomic-write.ts';
import { formatCsv, readCsv, writeCsv } from '../../src/io/csv.ts';
import { DataError } from '../../src/io/data-error.ts';
import { CsvChunkWriter, NpyChunkWriter, writeMatrixStream, type MatrixWriter } from '../../src/io/matrix-writer.ts';
import { encodeNpy, readNpy } from '../../src/io/npy.ts';

const dir = mkdtempSync(join(tmpdir(), 'maflow-matrix-writer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function random(rows: number, cols: number, dtype: 'float32' | 'float64', seed = 1): Matrix {
  const rng = new Rng(seed);
  const m = zeros(rows, cols, dtype);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal() * 10;
  return m;
}

/** Feeds `m` to a writer in chunks of `size` rows. */
const inChunks = (m: Matrix, size: number) => (writer: MatrixWriter): void => {
  for (let start = 0; start < m.rows; start += size) writer.writeRows(rowSlice(m, start, Math.min(m.rows, start + size)));
};

test('writeMatrixStream writes CSV in chunks byte for byte as formatCsv writes the whole matrix', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const m = random(10_000, 3, dtype);
    const path = join(dir, `chunks-${dtype}.csv`);
    writeMatrixStream(path, { rows: m.rows, cols: 3, dtype }, inChunks(m, 777), { columns: ['a', 'b', 'c'] });
    assert.equal(readFileSync(path, 'utf8'), formatCsv(m, { columns: ['a', 'b', 'c'] }));
  }
  const tsv = join(dir, 'tab.tsv');
  writeMatrixStream(tsv, { rows: 2, cols: 2, dtype: 'float32' }, inChunks(random(2, 2, 'float32'), 1));
  assert.equal(readFileSync(tsv, 'utf8').split('\n')[0].split('\t').length, 2, '.tsv is tab-separated');
});

test('writeMatrixStream writes .npy in chunks exactly as encodeNpy does', () => {
  const m = random(5000, 2, 'float64');
  const path = join(dir, 'chunks.npy');
  writeMatrixStream(path, { rows: m.rows, cols: 2, dtype: 'float64' }, inChunks(m, 1024));
  assert.deepEqual(readFileSync(path), Buffer.from(encodeNpy(m)));
  assert.deepEqual(readNpy(path).data, m.data);
});

test('writeMatrixStream leaves the destination untouched when the row count is wrong or the producer fails', () => {
  const path = join(dir, 'kept.csv');
  writeFileSync(path, 'old');
  const m = random(10, 2, 'float32');
  assert.throws(() => writeMatrixStream(path, { rows: 11, cols: 2, dtype: 'float32' }, inChunks(m, 4)),
    /writeMatrixStream: .*kept\.csv: 10 rows were written, expected 11/);
  assert.throws(() => writeMatrixStream(path, { rows: 10, cols: 2, dtype: 'float32' }, () => { throw new RangeError('sampler failed'); }), /sampler failed/);
  assert.throws(() => writeMatrixStream(join(dir, 'kept.npy'), { rows: 5, cols: 2, dtype: 'float32' }, inChunks(m, 4)),
    /NpyChunkWriter\.writeRows: 8 rows exceed the 5 of the header/);
  assert.equal(readFileSync(path, 'utf8'), 'old');
  assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), []);
});

test('chunks must have the declared columns and, for .npy, the declared dtype', () => {
  assert.throws(() => writeMatrixStream(join(dir, 'cols.csv'), { rows: 2, cols: 3, dtype: 'float32' }, inChunks(random(2, 2, 'float32'), 2)),
    /CsvChunkWriter\.writeRows: expected chunk \[n, 3\], got \[n, 2\]/);
  assert.throws(() => writeMatrixStream(join(dir, 'dtype.npy'), { rows: 2, cols: 2, dtype: 'float32' }, inChunks(random(2, 2, 'float64'), 2)),
    /NpyChunkWriter\.writeRows: expected float32 rows \(the header says so\), got float64/);
  assert.throws(() => writeMatrixStream(join(dir, 'x.json'), { rows: 1, cols: 1, dtype: 'float32' }, () => {}),
    (error: Error) => error instanceof DataError && /x\.json: cannot write "\.json" files; supported: \.csv, \.tsv, \.txt, \.npy/.test(error.message));
});

test('a full disk while streaming (ENOSPC, injected) names the destination and keeps the old file', () => {
  const path = join(dir, 'full.csv');
  writeFileSync(path, 'old rows');
  let bytes = 0;
  const fillsUp: WriteFunction = (fd, data, offset, length) => {
    if (bytes + length > 50_000) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    bytes += length;
    return writeSync(fd, data, offset, length);
  };
  const m = random(20_000, 2, 'float32');
  assert.throws(() => writeMatrixStream(path, { rows: m.rows, cols: 2, dtype: 'float32' }, inChunks(m, 1000), { write: fillsUp }),
    (error: NodeJS.ErrnoException) => error.code === 'ENOSPC' && error.path === path && error.message.endsWith(`write '${path}'`));
  assert.ok(bytes > 0, 'it failed part-way');
  assert.equal(readFileSync(path, 'utf8'), 'old rows');
  assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), []);
});

test('writeCsv streams a large matrix in chunks and reads back exactly', () => {
  const m = random(9000, 2, 'float32');
  const path = join(dir, 'whole.csv');
  writeCsv(path, m, { columns: ['x1', 'x2'] });
  assert.equal(readFileSync(path, 'utf8'), formatCsv(m, { columns: ['x1', 'x2'] }));
  assert.deepEqual(readCsv(path).matrix.data, m.data);
});

test('CsvChunkWriter writes the header at once and rows as they come, to any text sink', () => {
  const parts: string[] = [];
  const writer = new CsvChunkWriter({ write: (text: string) => parts.push(text) }, { cols: 2, columns: ['a', 'b'], delimiter: ';' });
  assert.deepEqual(parts, ['a;b\n']);
  writer.writeRows(random(3, 2, 'float64'));
  writer.writeRows(zeros(0, 2));
  assert.equal(writer.rows, 3);
  assert.equal(parts.join('').split('\n').length, 5);
  const bytes: Uint8Array[] = [];
  const npy = new NpyChunkWriter({ write: (b: Uint8Array) => bytes.push(b) }, { rows: 1, cols: 1, dtype: 'float32' });
  npy.writeRows(zeros(1, 1));
  assert.equal(npy.rows, 1);
  assert.equal(bytes[0].length, 128);
});
