/**
 * The chunked table readers and writers: every format streamed in small blocks reads exactly what the whole-file
 * readers (or the format's own library) read; files written by hyparquet-writer and apache-arrow read back exactly;
 * every writer's output reads back through the format's own library; a bad row is named and the rows before it are
 * handed out first; a failed write to a file leaves nothing, to stdout a complete table of the rows before.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { Rng } from '../../src/core/rng.ts';
import type { Matrix } from '../../src/core/matrix.ts';
import { encodeNpy, parseNpy } from '../../src/io/npy.ts';
import { readMatrix } from '../../src/io/read-matrix.ts';
import { openTable, type OpenTableOptions } from '../../src/io/table-reader.ts';
import { openTableWriter } from '../../src/io/table-writer.ts';
import type { TableFormat } from '../../src/io/table-format.ts';
import { tempDir } from '../cli/cli-harness.ts';

/** Every row of the selected columns, and the chunk boundaries seen (firstRow values). */
async function readAll(path: string, selected: number[] | 'all', options: OpenTableOptions = {}): Promise<{ columns: readonly string[]; values: number[]; starts: number[] }> {
  const table = await openTable(path, options);
  const values: number[] = [];
  const starts: number[] = [];
  let next = 0;
  for await (const { rows, firstRow } of table.chunks(selected === 'all' ? table.columns.map((_, i) => i) : selected)) {
    assert.equal(firstRow, next, 'chunks arrive in order, without gaps');
    next += rows.rows;
    starts.push(firstRow);
    for (const v of rows.data) values.push(v);
  }
  return { columns: table.columns, values, starts };
}

/** The rows handed out before the error, and the error. */
async function readUntilError(path: string, options: OpenTableOptions = {}): Promise<{ rows: number; error: Error }> {
  const table = await openTable(path, options);
  let rows = 0;
  try {
    for await (const chunk of table.chunks(table.columns.map((_, i) => i))) rows += chunk.rows.rows;
  } catch (error) {
    return { rows, error: error as Error };
  }
  throw new Error(`${path}: no error`);
}

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rng = new Rng(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => rng.normal() * 10 ** Math.floor(rng.uniform() * 6 - 3)) };
}

describe('chunked table readers and writers', () => {
  const temp = tempDir('table-stream');
  const at = (name: string): string => join(temp.dir, name);
  after(() => temp.remove());

  it('CSV in blocks of 7 bytes to 1 MiB and 64 KB pieces (quoted line breaks, comments, BOM, CRLF, gzip) equals readMatrix', async () => {
    let text = '\ufeffa,"b, c",label\r\n# a comment with a "quote\r\n';
    const rng = new Rng(3);   // a seed whose 64 KB piece ends fall inside quoted line breaks
    // 200 KB: parsed in several 64 KB pieces, some cut inside a quoted line break.
    for (let i = 0; i < 6000; i++) text += `${rng.normal()},"${i * 0.25}",${i % 2 === 0 ? '"two\nlines\nthree"' : 'x'}\r\n${i % 50 === 0 ? '\n' : ''}`;
    writeFileSync(at('q.csv'), text);
    writeFileSync(at('q.csv.gz'), gzipSync(text));
    const expected = Array.from(readMatrix(at('q.csv'), { columns: ['a', 'b, c'], dtype: 'float64' }).matrix.data);
    for (const file of ['q.csv', 'q.csv.gz']) {
      for (const blockBytes of [7, 100, 1 << 20]) {
        const { columns, values } = await readAll(at(file), [0, 1], { blockBytes });
        assert.deepEqual(columns, ['a', 'b, c', 'label']);
        assert.deepEqual(values, expected, `${file} in ${blockBytes}-byte blocks`);
      }
    }
  });

  it('an empty CSV file (or one of only blank lines) is named as empty, not read for ever', async () => {
    for (const text of ['', '\n\n']) {
      writeFileSync(at('empty.csv'), text);
      await assert.rejects(openTable(at('empty.csv')), /empty\.csv: the file is empty \(no header and no data rows\)/);
    }
  });

  it('a bad CSV cell is named by line and column like readMatrix, after the rows before it', async () => {
    writeFileSync(at('bad.csv'), 'x1,x2\n1,2\n3,4\n5,oops\n7,8\n');
    const whole = (() => { try { readMatrix(at('bad.csv')); } catch (error) { return (error as Error).message; } return ''; })();
    const { rows, error } = await readUntilError(at('bad.csv'), { blockBytes: 5 });
    assert.equal(error.message, whole);
    assert.match(error.message, /bad\.csv: row 4, column 2 \("x2"\): expected a number, got "oops"/);
    assert.equal(rows, 2);
  });

  it('CSV parsed on worker threads equals readMatrix (no header, CRLF, comments, gzip, a quote midway), in order', async () => {
    const rng = new Rng(5);
    let plain = '';
    for (let i = 0; i < 3000; i++) plain += `${rng.normal()};${i}\r\n${i % 700 === 0 ? '# note\r\n\r\n' : ''}`;
    const quotedLater = `${plain}"1.5";"2"\r\n${plain}`;
    writeFileSync(at('p.csv'), plain);
    writeFileSync(at('later.csv'), quotedLater);
    writeFileSync(at('later.csv.gz'), gzipSync(quotedLater));
    for (const [file, whole] of [['p.csv', 'p.csv'], ['later.csv.gz', 'later.csv']] as const) {
      const expected = readMatrix(at(whole), { dtype: 'float64' }).matrix.data;
      const { values, starts } = await readAll(at(file), [1, 0], { blockBytes: 2000, parseThreads: 2 });
      const swapped: number[] = [];
      for (let i = 0; i < expected.length; i += 2) swapped.push(expected[i + 1], expected[i]);
      assert.deepEqual(values, swapped, file);
      assert.ok(starts.length > 3, `${file}: several chunks (${starts.length})`);
    }
    // A bad cell far into the file: the same message (line and column) as a whole-file read, after every row before.
    const lines = plain.split('\r\n');
    lines[2345] = lines[2345].replace(/;.*/, ';x7');
    writeFileSync(at('bad-late.csv'), lines.join('\r\n'));
    const whole = (() => { try { readMatrix(at('bad-late.csv')); } catch (error) { return (error as Error).message; } return ''; })();
    const { rows, error } = await readUntilError(at('bad-late.csv'), { blockBytes: 2000, parseThreads: 2 });
    assert.equal(error.message, whole);
    assert.match(error.message, /bad-late\.csv: row 2346, column 2: expected a number, got "x7"/);
    assert.equal(rows, 2345 - 2 * 4);   // the lines before it less 4 comments and 4 blank lines
  });

  it('.npy (float32 and float64, gzip too) streams exactly; NaN, truncation and extra bytes are named', async () => {
    const m = randomMatrix(1000, 3, 2);
    const f32: Matrix = { rows: 1000, cols: 3, data: Float32Array.from(m.data) };
    writeFileSync(at('a.npy'), encodeNpy(m));
    writeFileSync(at('b.npy'), encodeNpy(f32));
    writeFileSync(at('a.npy.gz'), gzipSync(encodeNpy(m)));
    for (const [file, source] of [['a.npy', m], ['b.npy', f32], ['a.npy.gz', m]] as const) {
      const { values, starts } = await readAll(at(file), [2, 0], { blockBytes: 1000 });
      const expected: number[] = [];
      for (let r = 0; r < 1000; r++) expected.push(source.data[r * 3 + 2], source.data[r * 3]);
      assert.deepEqual(values, expected, file);
      assert.ok(starts.length > 3, `${file}: several chunks`);
    }
    const bad = { ...m, data: Float64Array.from(m.data) };
    bad.data[700 * 3 + 1] = Number.NaN;
    writeFileSync(at('nan.npy'), encodeNpy(bad));
    const nan = await readUntilError(at('nan.npy'), { blockBytes: 4096 });
    assert.equal(nan.rows, 700);
    assert.match(nan.error.message, /nan\.npy: row 700, column 1 \(0-based\): expected a finite number, got NaN/);
    const bytes = encodeNpy(m);
    writeFileSync(at('short.npy'), bytes.subarray(0, bytes.length - 5));
    assert.match((await readUntilError(at('short.npy'))).error.message, /short\.npy: truncated data/);
    writeFileSync(at('long.npy'), Buffer.concat([bytes, Buffer.from([1, 2, 3])]));
    assert.match((await readUntilError(at('long.npy'))).error.message, /long\.npy: unexpected bytes after the data/);
  });

  it('JSON lines of objects (by key) and of arrays; a missing key or a string is named by line', async () => {
    writeFileSync(at('o.jsonl'), '{"x": 1, "y": 2.5, "tag": "a"}\n\n{"y": -1, "x": 3, "tag": "b"}\n');
    assert.deepEqual(await readAll(at('o.jsonl'), [1, 0]), { columns: ['x', 'y', 'tag'], values: [2.5, 1, -1, 3], starts: [0] });
    writeFileSync(at('a.jsonl'), '[1, 2]\n[3, 4]');
    assert.deepEqual((await readAll(at('a.jsonl'), 'all')).values, [1, 2, 3, 4]);
    writeFileSync(at('bad.jsonl'), '{"x": 1, "y": 2}\n{"x": 3}\n');
    const missing = await readUntilError(at('bad.jsonl'));
    assert.equal(missing.rows, 1);
    assert.match(missing.error.message, /bad\.jsonl: row 2, column 2 \("y"\): the key "y" is missing/);
    writeFileSync(at('str.jsonl'), '{"x": 1}\n{"x": "1.5"}\n');
    assert.match((await readUntilError(at('str.jsonl'))).error.message, /str\.jsonl: row 2, column 1 \("x"\): expected a number, got "1\.5"/);
  });

  it('Parquet written by hyparquet-writer (DOUBLE, FLOAT, INT32, INT64, several row groups) reads back exactly', async () => {
    const n = 2500;
    const rng = new Rng(3);
    const d = Float64Array.from({ length: n }, () => rng.normal());
    const f = Float32Array.from({ length: n }, () => rng.normal());
    const i = Int32Array.from({ length: n }, (_, k) => k - 1000);
    const l = BigInt64Array.from({ length: n }, (_, k) => BigInt(k) * 3n);
    const buffer = parquetWriteBuffer({ columnData: [{ name: 'd', data: d, type: 'DOUBLE' }, { name: 'label', data: Array.from({ length: n }, () => 'x'), type: 'STRING' },
      { name: 'f', data: f, type: 'FLOAT' }, { name: 'i', data: i, type: 'INT32' }, { name: 'l', data: l, type: 'INT64' }], rowGroupSize: 1000 });
    writeFileSync(at('t.parquet'), new Uint8Array(buffer));
    const { columns, values, starts } = await readAll(at('t.parquet'), [0, 2, 3, 4]);
    assert.deepEqual(columns, ['d', 'label', 'f', 'i', 'l']);
    assert.deepEqual(starts, [0, 1000, 2000], 'one chunk per row group');
    const expected: number[] = [];
    for (let r = 0; r < n; r++) expected.push(d[r], f[r], i[r], Number(l[r]));
    assert.deepEqual(values, expected);
    // From stdin (spooled to a temporary file, which is removed).
    const table = await openTable('-', { stdin: Readable.from([new Uint8Array(buffer)]) });
    let rows = 0;
    for await (const chunk of table.chunks([0])) rows += chunk.rows.rows;
    assert.equal(rows, n);
    const nullable = parquetWriteBuffer({ columnData: [{ name: 'x', data: [1, 2, null, 4], type: 'DOUBLE', nullable: true }] });
    writeFileSync(at('null.parquet'), new Uint8Array(nullable));
    const nulls = await readUntilError(at('null.parquet'));
    assert.equal(nulls.rows, 2);
    assert.match(nulls.error.message, /null\.parquet: row 2, column 0 \("x"\) \(0-based\): expected a number, got null/);
  });

  it('Arrow IPC files and streams written by apache-arrow read back exactly (also from stdin)', async () => {
    const n = 3000;
    const rng = new Rng(4);
    const x = Float64Array.from({ length: n }, () => rng.normal());
    const y = Float32Array.from({ length: n }, () => rng.normal());
    const k = Int32Array.from({ length: n }, (_, j) => j);
    const table = tableFromArrays({ x, y, k });
    for (const layout of ['file', 'stream'] as const) {
      writeFileSync(at(`t.${layout}.arrow`), tableToIPC(table, layout));
      const { columns, values } = await readAll(at(`t.${layout}.arrow`), [2, 0, 1]);
      assert.deepEqual(columns, ['x', 'y', 'k']);
      const expected: number[] = [];
      for (let r = 0; r < n; r++) expected.push(k[r], x[r], y[r]);
      assert.deepEqual(values, expected, layout);
      const piped = await readAll('-', [0], { stdin: Readable.from([tableToIPC(table, layout)]) });
      assert.deepEqual(piped.values, Array.from(x), `${layout} from stdin`);
    }
  });

  it('every writer\'s output reads back through the format\'s own library and through openTable, exactly', async () => {
    const m = randomMatrix(70_000, 2, 5);
    const chunks = [0, 1, 65_536, 70_000];
    for (const format of ['csv', 'tsv', 'npy', 'jsonl', 'parquet', 'arrow'] as TableFormat[]) {
      const path = at(`w.${format}`);
      const writer = await openTableWriter(path, { columns: ['a', 'b'] });
      for (let c = 0; c + 1 < chunks.length; c++) {
        await writer.writeRows({ rows: chunks[c + 1] - chunks[c], cols: 2, data: m.data.subarray(chunks[c] * 2, chunks[c + 1] * 2) });
      }
      await writer.finish();
      assert.equal(writer.rows, 70_000);
      const back = await readAll(path, [0, 1]);
      assert.deepEqual(back.columns, format === 'npy' ? ['col0', 'col1'] : ['a', 'b'], format);
      assert.ok(back.values.length === m.data.length && back.values.every((v, i) => v === m.data[i]), `${format} round trip`);
    }
    assert.deepEqual(parseNpy(readFileSync(at('w.npy'))).data, m.data);
    const objects = await parquetReadObjects({ file: new Uint8Array(readFileSync(at('w.parquet'))).buffer });
    assert.equal(objects.length, 70_000);
    assert.deepEqual([objects[65_536].a, objects[65_536].b], [m.data[131_072], m.data[131_073]]);
    const arrow = tableFromIPC(readFileSync(at('w.arrow')));
    assert.deepEqual(arrow.getChild('b')!.toArray(), Float64Array.from({ length: 70_000 }, (_, r) => m.data[2 * r + 1]));
  });

  it('fail(): a file output is removed and the old file stays; stdout gets a complete table of the rows so far', async () => {
    const m = randomMatrix(10, 1, 6);
    writeFileSync(at('keep.parquet'), 'old');
    const file = await openTableWriter(at('keep.parquet'), { columns: ['v'] });
    await file.writeRows(m);
    await file.fail();
    assert.equal(readFileSync(at('keep.parquet'), 'utf8'), 'old');
    assert.deepEqual(readdirSync(temp.dir).filter((name) => name.endsWith('.tmp')), []);
    for (const format of ['npy', 'parquet', 'arrow', 'csv', 'jsonl'] as TableFormat[]) {
      const parts: Buffer[] = [];
      const stdout = { write: (data: string | Uint8Array) => parts.push(Buffer.from(data)) };
      const writer = await openTableWriter('-', { columns: ['v'], format, stdout, rows: 20 });
      await writer.writeRows(m);
      await writer.fail();
      writeFileSync(at(`partial.${format}`), Buffer.concat(parts));
      assert.deepEqual((await readAll(at(`partial.${format}`), [0])).values, Array.from(m.data), `${format}: the rows before the failure`);
    }
    assert.ok(!existsSync(at('w.gz')));
  });
});
