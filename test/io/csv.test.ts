import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { matrix, toArrays } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { formatCsv, parseCsv, readCsv, writeCsv } from '../../src/io/csv.ts';
import { DataError } from '../../src/io/data-error.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

function errorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

test('parseCsv reads a header and numbers as float32 by default', () => {
  const { matrix: m, columns } = parseCsv('x1,x2\n1,2\n3.5,-4e-1\n');
  assert.deepEqual(columns, ['x1', 'x2']);
  assert.ok(m.data instanceof Float32Array);
  assert.deepEqual(toArrays(m), [[1, 2], [3.5, Math.fround(-0.4)]]);
});

test('parseCsv detects a headerless file and names columns by 0-based index', () => {
  const { matrix: m, columns } = parseCsv('1,2,3\n4,5,6', { dtype: 'float64' });
  assert.deepEqual(columns, ['col0', 'col1', 'col2']);
  assert.ok(m.data instanceof Float64Array);
  assert.deepEqual(toArrays(m), [[1, 2, 3], [4, 5, 6]]);
});

test('parseCsv honours header: true and header: false', () => {
  assert.deepEqual(parseCsv('1,2\n3,4\n', { header: true }).columns, ['1', '2']);
  assert.equal(parseCsv('1,2\n3,4\n', { header: true }).matrix.rows, 1);
  const error = errorOf(() => parseCsv('a,b\n1,2\n', { header: false, file: 'h.csv' }));
  assert.equal(error.message, 'h.csv: row 1, column 1: expected a number, got "a"');
});

test('parseCsv detects semicolon and tab delimiters', () => {
  assert.deepEqual(toArrays(parseCsv('a;b\n1;2\n').matrix), [[1, 2]]);
  assert.deepEqual(toArrays(parseCsv('a\tb\n1\t2\n').matrix), [[1, 2]]);
  assert.deepEqual(toArrays(parseCsv('a;b\n1;2\n', { delimiter: ';' }).matrix), [[1, 2]]);
  assert.deepEqual(toArrays(parseCsv('"a,x";b\n1;2\n').matrix), [[1, 2]], 'commas inside quotes do not count');
});

test('readCsv handles a BOM, CRLF, quotes, comments, blank lines and label columns', () => {
  const path = join(fixtures, 'messy.csv');
  const { matrix: m, columns } = readCsv(path, { columns: 'x 1,x2', dtype: 'float64' });
  assert.deepEqual(columns, ['x 1', 'x2']);
  assert.deepEqual(toArrays(m), [[1.5, -2], [3, 0.4]]);
  const error = errorOf(() => readCsv(path));
  assert.equal(error.message, `${path}: row 3, column 3 ("label"): expected a number, got "a;b"`);
});

test('parseCsv handles quoted fields with escaped quotes and newlines, and keeps line numbers right', () => {
  const text = 'name,x\n"a ""q""\nb",1\nplain,2\nbad,z\n';
  const error = errorOf(() => parseCsv(text, { columns: ['x'], file: 'q.csv' }));
  assert.equal(error.message, 'q.csv: row 5, column 2 ("x"): expected a number, got "z"');
  assert.deepEqual(toArrays(parseCsv('name,x\n"a ""q""\nb",1\nplain,2\n', { columns: 'x' }).matrix), [[1], [2]]);
});

test('parseCsv selects columns by name or 0-based index, in the order given', () => {
  const text = 'a,b,c\n1,2,3\n4,5,6\n';
  assert.deepEqual(toArrays(parseCsv(text, { columns: 'c,a' }).matrix), [[3, 1], [6, 4]]);
  assert.deepEqual(toArrays(parseCsv(text, { columns: '2,0' }).matrix), [[3, 1], [6, 4]]);
  assert.deepEqual(toArrays(parseCsv(text, { columns: ['b', 2] }).matrix), [[2, 3], [5, 6]]);
  assert.deepEqual(parseCsv(text, { columns: [1] }).columns, ['b']);
  assert.deepEqual(toArrays(parseCsv('1,2,3\n', { columns: '1' }).matrix), [[2]]);
});

test('parseCsv names the file and the column in selection errors', () => {
  const text = 'a,b\n1,2\n';
  assert.equal(errorOf(() => parseCsv(text, { columns: 'a,zz', file: 'd.csv' })).message,
    'd.csv: unknown column "zz"; the columns are "a", "b" (or 0-based indices 0..1)');
  assert.match(errorOf(() => parseCsv(text, { columns: '5', file: 'd.csv' })).message,
    /^d\.csv: column index 5 is out of range: the file has 2 columns \(0-based indices 0\.\.1\)$/);
  assert.match(errorOf(() => parseCsv(text, { columns: 'a,0', file: 'd.csv' })).message, /^d\.csv: column "a" .* is selected twice/);
});

test('parseCsv rejects bad cells naming file, row and column', () => {
  const cases: [string, string][] = [
    ['x1,x2\n1,2\n3,abc\n', 'data.csv: row 3, column 2 ("x2"): expected a number, got "abc"'],
    ['x1,x2\n1,nan\n', 'data.csv: row 2, column 2 ("x2"): expected a number, got "nan" (missing values are not supported; remove or impute them)'],
    ['x1,x2\n1,2\n-inf,2\n', 'data.csv: row 3, column 1 ("x1"): expected a finite number, got "-inf"'],
    ['x1,x2\n1,\n', 'data.csv: row 2, column 2 ("x2"): expected a number, got an empty cell (missing values are not supported)'],
    ['x1,x2\n1,1e39\n', 'data.csv: row 2, column 2 ("x2"): "1e39" is out of float32 range (use dtype float64)'],
    ['x1;x2\n1;2,5\n', 'data.csv: row 2, column 2 ("x2"): expected a number, got "2,5" (decimal commas are not supported; use a period)'],
    ['# c\n\nx1,x2\n1,2\n\n# c\n3,4,5\n', 'data.csv: row 7: has 3 cells, expected 2 (like the header on row 3)'],
    ['1,2\n3\n', 'data.csv: row 2: has 1 cells, expected 2 (like row 1, the first row)'],
    ['', 'data.csv: the file is empty (no header and no data rows)'],
    ['\n# only a comment\n\n', 'data.csv: the file is empty (no header and no data rows)'],
    ['x1,x2\n\n', 'data.csv: no data rows (only the header on row 1)'],
    ['x1,x2\n"1,2\n', 'data.csv: row 2: unterminated quoted field (a " is never closed)'],
    ['x1,x2\n"1"x,2\n', 'data.csv: row 2: unexpected text after a closing quote: "x,2\\n"'],
  ];
  for (const [text, message] of cases) {
    const error = errorOf(() => parseCsv(text, { file: 'data.csv' }));
    assert.equal(error.message, message);
    assert.equal(error.file, 'data.csv');
  }
  const error = errorOf(() => parseCsv('x1,x2\n1,2\n3,abc\n', { file: 'data.csv' }));
  assert.deepEqual([error.row, error.column, error.columnName], [3, 2, 'x2']);
});

test('parseCsv accepts values that overflow float32 only with dtype float64', () => {
  assert.equal(parseCsv('x\n1e39\n', { dtype: 'float64' }).matrix.data[0], 1e39);
  assert.throws(() => parseCsv('x\n1e400\n', { dtype: 'float64' }), /out of range for a double/);
});

test('writeCsv round-trips float32 and float64 matrices exactly, with and without a header', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-csv-'));
  const rng = new Rng(11);
  for (const dtype of ['float32', 'float64'] as const) {
    const values = Array.from({ length: 300 }, () => rng.normal() * Math.pow(10, rng.int(12) - 6));
    const m = matrix(values, 100, 3, dtype);
    const path = join(dir, `${dtype}.csv`);
    writeCsv(path, m, { columns: ['a', 'b,c', 'd'] });
    const back = readCsv(path, { dtype });
    assert.deepEqual(back.columns, ['a', 'b,c', 'd']);
    assert.deepEqual(Array.from(back.matrix.data), Array.from(m.data));
    writeCsv(path, m);
    assert.deepEqual(Array.from(readCsv(path, { dtype }).matrix.data), Array.from(m.data));
  }
  writeCsv(join(dir, 'small.csv'), matrix([[0.1, 2], [-3, 1e-7]]), { columns: ['x1', 'x2'] });
  assert.equal(readFileSync(join(dir, 'small.csv'), 'utf8'), 'x1,x2\n0.1,2\n-3,1e-7\n');
});

test('formatCsv rejects a wrong number of column names', () => {
  assert.throws(() => formatCsv(matrix([[1, 2]]), { columns: ['a'] }), /1 column names for a matrix with 2 columns/);
});

test('readCsv reports a missing file as a DataError', () => {
  assert.equal(errorOf(() => readCsv('/nonexistent/x.csv')).message, '/nonexistent/x.csv: no such file');
});

test('parseCsv parses 100k rows x 10 columns quickly', () => {
  const rng = new Rng(5);
  const lines = ['a,b,c,d,e,f,g,h,i,j'];
  for (let r = 0; r < 100_000; r++) {
    const cells: string[] = [];
    for (let c = 0; c < 10; c++) cells.push(rng.normal().toFixed(6));
    lines.push(cells.join(','));
  }
  const text = lines.join('\n');
  const start = performance.now();
  const { matrix: m } = parseCsv(text, { dtype: 'float64' });
  const elapsed = performance.now() - start;
  assert.equal(m.rows, 100_000);
  assert.equal(m.data[10 * 12345 + 7], Number(lines[12346].split(',')[7]));
  assert.ok(elapsed < 2000, `took ${elapsed.toFixed(0)} ms`);
});
