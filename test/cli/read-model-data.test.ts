import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { toArrays } from '../../src/core/matrix.ts';
import { DataError } from '../../src/io/data-error.ts';
import { readContext, readModelData } from '../../src/cli/read-model-data.ts';
import { readTrainingData } from '../../src/cli/read-training-data.ts';
import { tempDir } from './cli-harness.ts';

describe('reading data for a model', () => {
  const temp = tempDir('read');
  const file = (name: string, text: string): string => {
    writeFileSync(join(temp.dir, name), text);
    return join(temp.dir, name);
  };
  after(() => temp.remove());
  const layout = { columns: ['x1', 'x2'], contextColumns: ['y'] };

  it('reads the model\'s columns by name, in the model\'s order, ignoring other columns', () => {
    const path = file('named.csv', 'label,y,x2,x1\na,9,2,1\nb,8,4,3\n');
    const { x, context } = readModelData(path, layout);
    assert.deepEqual(toArrays(x), [[1, 2], [3, 4]]);
    assert.deepEqual(toArrays(context!), [[9], [8]]);
    assert.deepEqual(toArrays(readContext(path, ['y'])), [[9], [8]]);
  });

  it('reads by position when the names are absent and the count matches', () => {
    const { x, context } = readModelData(file('plain.csv', '1,2,9\n3,4,8\n'), layout);
    assert.deepEqual(toArrays(x), [[1, 2], [3, 4]]);
    assert.deepEqual(toArrays(context!), [[9], [8]]);
    assert.equal(readModelData(file('two.csv', 'a,b\n1,2\n'), { columns: ['x1', 'x2'], contextColumns: [] }).context, undefined);
  });

  it('names the expected and actual columns when neither works', () => {
    assert.throws(() => readModelData(file('wrong.csv', 'a,b\n1,2\n'), layout), (error: Error) =>
      error instanceof DataError && /wrong\.csv: expected 3 columns for this model \("x1", "x2", "y"\), got 2 \("a", "b"\)/.test(error.message));
  });
});

describe('readTrainingData', () => {
  const temp = tempDir('train-read');
  const path = join(temp.dir, 't.csv');
  writeFileSync(path, 'x1,y,x2\n1,9,2\n3,8,4\n');
  after(() => temp.remove());

  it('takes every non-context column as data by default', async () => {
    const data = await readTrainingData(path, { contextColumns: 'y' });
    assert.deepEqual(data.columns, ['x1', 'x2']);
    assert.deepEqual(data.contextColumns, ['y']);
    assert.deepEqual(toArrays(data.x), [[1, 2], [3, 4]]);
    assert.deepEqual(toArrays(data.context!), [[9], [8]]);
  });

  it('honours --columns by name or 0-based index', async () => {
    const data = await readTrainingData(path, { columns: '2,0' });
    assert.deepEqual(data.columns, ['x2', 'x1']);
    assert.deepEqual(toArrays(data.x), [[2, 1], [4, 3]]);
    assert.equal(data.context, undefined);
  });

  it('rejects a selection that leaves no data columns', async () => {
    await assert.rejects(readTrainingData(path, { contextColumns: 'x1,y,x2' }), /no data columns are left/);
  });

  it('reads every table format the streaming commands read, and a CSV of several blocks in order', async () => {
    const jsonl = join(temp.dir, 't.jsonl');
    writeFileSync(jsonl, '{"x1":1,"y":9,"x2":2}\n{"x1":3,"y":8,"x2":4}\n');
    const data = await readTrainingData(jsonl, { contextColumns: 'y' });
    assert.deepEqual([data.columns, toArrays(data.x), toArrays(data.context!)], [['x1', 'x2'], [[1, 2], [3, 4]], [[9], [8]]]);
    // 10 MB of CSV: several 4 MiB blocks.
    const big = join(temp.dir, 'big.csv');
    const lines = ['a,b,c'];
    for (let r = 0; r < 450000; r++) lines.push(`${r},${r * 0.5},${-r}`);
    writeFileSync(big, `${lines.join('\n')}\n`);
    const many = await readTrainingData(big, {});
    assert.equal(many.x.rows, 450000);
    for (const r of [0, 1, 54321, 212345, 449999]) assert.deepEqual(Array.from(many.x.data.subarray(3 * r, 3 * r + 3)), [r, r * 0.5, 0 - r]);
  });
});
