import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import { parsePlainLines } from '../../src/io/csv-plain.ts';
import { parseLines } from '../../src/io/csv-lines.ts';
import { GrowableRows, type RowContext } from '../../src/io/csv-rows.ts';
import { parseDecimal } from '../../src/io/parse-decimal.ts';

const context = (width: number, delimiter = ','): RowContext => ({ file: 'x.csv', names: undefined, width, firstLine: 1, hasHeader: false, delimiter });

/** Numbers as data files write them: fixed decimals, repr, %.18e, integers, signs, exponents of every size. */
function randomCell(rng: Rng): string {
  const x = (rng.uniform() - 0.5) * Math.pow(10, rng.int(50) - 25);
  switch (rng.int(8)) {
    case 0: return x.toFixed(rng.int(9));
    case 1: return String(x);
    case 2: return x.toExponential(18);
    case 3: return x.toExponential(rng.int(6)).replace('e+', rng.uniform() < 0.5 ? 'E' : 'e+');
    case 4: return String(Math.round(x));
    case 5: return `+${Math.abs(x).toPrecision(1 + rng.int(19))}`;
    case 6: return x.toPrecision(1 + rng.int(21));
    default: return ['-0', '0', '5.', '.5', '-.25', '0.000000000000000000000000123', '123456789012345678901234'][rng.int(7)];
  }
}

test('parsePlainLines gives parseDecimal\'s values bit for bit, CRLF and LF, the last line end optional', () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 200; trial++) {
    const width = 1 + rng.int(6);
    const rows = 1 + rng.int(40);
    const cells = Array.from({ length: rows * width }, () => randomCell(rng));
    const eol = rng.uniform() < 0.3 ? '\r\n' : '\n';
    let text = Array.from({ length: rows }, (_, r) => cells.slice(r * width, (r + 1) * width).join(',')).join(eol);
    if (rng.uniform() < 0.7) text += eol;
    const bytes = Buffer.from(text);
    const sink = new GrowableRows(width, true);
    assert.equal(parsePlainLines(bytes, 0, bytes.length, Int32Array.from({ length: width }, (_, k) => k), sink, context(width)), rows);
    const { data } = sink.take();
    cells.forEach((cell, i) => assert.ok(Object.is(data[i], parseDecimal(cell)), `${cell}: ${data[i]}`));
  }
});

test('parsePlainLines keeps the selected columns in the order asked and leaves anything else to the scanner', () => {
  const sink = new GrowableRows(2, true);
  const bytes = Buffer.from('1;2;3\n4;5;6\n');
  assert.equal(parsePlainLines(bytes, 0, bytes.length, Int32Array.of(1, -1, 0), sink, context(3, ';')), 2);
  assert.deepEqual([...sink.take().data], [3, 1, 6, 4]);   // column 2 first, then column 0
  // Each of these falls back with the rows parsed before it undone.
  for (const text of ['1,2\n3,"4"\n', '1,2\n\n3,4\n', '1,2\n# note\n', '1,2\n3, 4\n', '1,2\n3,nan\n', '1,2\n3\n', '1,2\n3,4,5\n',
    '1,2\n3,\n', '1,2\n3,1e\n', '1,2\n3,-\n', '1,2\n3,1e999\n', '1,2\r3,4\n', '1,2\n3,4x\n', '1,2\n3,\u00e94\n']) {
    const before = new GrowableRows(2, true);
    before.beginRow();
    const line = Buffer.from(text);
    assert.equal(parsePlainLines(line, 0, line.length, Int32Array.of(0, 1), before, context(2)), -1, JSON.stringify(text));
    assert.equal(before.rows, 1, JSON.stringify(text));
  }
  // A float32 reader leaves a value beyond float32's range to the scanner's message.
  const single = new GrowableRows(1, false);
  assert.equal(parsePlainLines(Buffer.from('1e39\n'), 0, 5, Int32Array.of(0), single, context(1)), -1);
});

test('the CSV reader gives the same rows and the same errors with and without its plain-number path', () => {
  const rng = new Rng(5);
  const lines = Array.from({ length: 3000 }, () => Array.from({ length: 4 }, () => randomCell(rng)).join(','));
  lines.splice(1700, 0, '"7",8,9,10', '# a comment', '');   // a piece the scanner reads, between plain ones
  const bytes = Buffer.from(`${lines.join('\n')}\n`);
  const sink = new GrowableRows(4, true);
  const target = Int32Array.of(0, 1, 2, 3);
  parseLines(bytes, bytes.length, true, 1, target, sink, context(4));
  const values = sink.take().data;
  const expected = lines.filter((line) => line !== '' && !line.startsWith('#')).flatMap((line) => line.split(',').map((cell) => parseDecimal(cell.replaceAll('"', ''))));
  assert.equal(values.length, expected.length);
  expected.forEach((value, i) => assert.ok(Object.is(values[i], value), `cell ${i}`));
  const bad = Buffer.from('1,2\n3,4\n5,abc\n');
  assert.throws(() => parseLines(bad, bad.length, true, 1, Int32Array.of(0, 1), new GrowableRows(2, true), context(2)),
    /row 3, column 2: expected a number, got "abc"/);
});
