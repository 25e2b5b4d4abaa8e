/** readSequences / writeSequences: the three layouts, their round trips and their errors. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sequences } from '../../src/core/sequences.ts';
import { readSequences } from '../../src/io/read-sequences.ts';
import { writeSequences } from '../../src/io/write-sequences.ts';
import { tempDir } from '../cli/cli-harness.ts';

const { dir, remove } = tempDir('read-sequences');
after(remove);
const at = (name: string) => join(dir, name);

test('readSequences: long CSV (ordered by time, ragged, covariates), windows with a stride, and a 3-D .npy round trip', () => {
  writeFileSync(at('long.csv'), 'id,t,x,y,g\nb,5,1,2,7\na,2,3,4,1\na,1,5,6,1\nb,1,7,8,7\nb,3,9,10,7\n');
  const long = readSequences(at('long.csv'), { sequenceColumn: 'id', timeColumn: 't', contextColumns: 'g' });
  assert.deepEqual(long.ids, ['b', 'a']);
  assert.deepEqual([long.columns, long.contextColumns], [['x', 'y'], ['g']]);
  assert.deepEqual(Array.from(long.data.lengths!), [3, 2]);
  assert.deepEqual(Array.from(long.data.data), [7, 8, 9, 10, 1, 2, 5, 6, 3, 4, 0, 0]);
  assert.deepEqual(Array.from(long.context!.data), [7, 1]);
  writeFileSync(at('series.csv'), `x\n${Array.from({ length: 10 }, (_, i) => i).join('\n')}\n`);
  const windows = readSequences(at('series.csv'), { window: 4, stride: 3 });
  assert.deepEqual([windows.data.count, windows.data.steps, windows.ids], [3, 4, ['0', '3', '6']]);
  assert.deepEqual(Array.from(windows.data.data.subarray(4, 8)), [3, 4, 5, 6]);
  const s = sequences([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], { dtype: 'float64' });
  writeSequences(at('s.npy'), s);
  const back = readSequences(at('s.npy'));
  assert.deepEqual([back.data.count, back.data.steps, back.data.features, Array.from(back.data.data)], [2, 2, 2, Array.from(s.data)]);
  assert.deepEqual(Array.from(readSequences(at('s.npy'), { columns: [1] }).data.data), [2, 4, 6, 8]);
  writeSequences(at('s.csv'), sequences([[[1], [2]], [[3]]]), { columns: ['v'], ids: ['p', 'q'] });
  assert.equal(readFileSync(at('s.csv'), 'utf8'), 'sequence,step,v\n"p",0,1\n"p",1,2\n"q",0,3\n');
  const again = readSequences(at('s.csv'), { sequenceColumn: 'sequence', timeColumn: 'step' });
  assert.deepEqual([again.ids, Array.from(again.data.lengths!)], [['p', 'q'], [2, 1]]);
});

test('readSequences: bad cells, varying covariates and a missing id are one DataError naming the line and column', () => {
  const bad = (text: string, pattern: RegExp, options = {}) => {
    writeFileSync(at('bad.csv'), text);
    assert.throws(() => readSequences(at('bad.csv'), { sequenceColumn: 'id', timeColumn: 't', ...options }), pattern);
  };
  bad('id,t,x\na,1,abc\n', /bad\.csv: row 2, column 3 \("x"\): expected a number, got "abc"/);
  bad('id,t,x\na,1,nan\n', /bad\.csv: row 2, column 3 \("x"\): expected a finite number, got "nan"/);
  bad('id,t,x\n,1,2\n', /bad\.csv: row 2, column 1 \("id"\): missing sequence id/);
  bad('id,t,x,g\na,1,2,0\na,2,2,1\n', /the context columns must be constant within a sequence, but sequence "a" changes them on row 3/, { contextColumns: 'g' });
  bad('id,t,x\na,1,2\n', /unknown column|no column|"zz"/, { timeColumn: 'zz' });
  assert.throws(() => readSequences(at('bad.csv')), /bad\.csv: sequences need a layout/);
});
