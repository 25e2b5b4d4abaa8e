import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import {
  parseFraction, parseIntegerList, parseNonNegativeInteger, parseNonNegativeNumber, parsePositiveInteger,
} from '../../src/cli/parse-list.ts';

describe('option parsers', () => {
  it('parse valid values', () => {
    assert.deepEqual(parseIntegerList('512,512'), [512, 512]);
    assert.deepEqual(parseIntegerList(' 64 , 32 '), [64, 32]);
    assert.equal(parsePositiveInteger('100'), 100);
    assert.equal(parseNonNegativeInteger('0'), 0);
    assert.equal(parseNonNegativeNumber('1e-4'), 1e-4);
    assert.equal(parseFraction('0.1'), 0.1);
  });

  it('reject invalid values with commander errors', () => {
    for (const [parse, value] of [[parseIntegerList, '64,x'], [parseIntegerList, '0,4'], [parseIntegerList, ''],
      [parsePositiveInteger, '0'], [parsePositiveInteger, '2.5'], [parseNonNegativeInteger, '-1'],
      [parseNonNegativeNumber, 'abc'], [parseNonNegativeNumber, '-1'], [parseNonNegativeNumber, ''],
      [parseFraction, '1'], [parseFraction, '0'], [parseFraction, 'x']] as const) {
      assert.throws(() => (parse as (v: string) => unknown)(value), InvalidArgumentError, `${parse.name}(${JSON.stringify(value)})`);
    }
  });
});
