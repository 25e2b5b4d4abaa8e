import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import {
  parseDuration, parseFraction, parseIntegerList, parseNonNegativeInteger, parseNonNegativeNumber, parsePositiveInteger, parsePositiveNumber,
  positiveIntegerAtMost,
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

describe('parseDuration', () => {
  it('takes plain seconds and h, m, s units, largest first', () => {
    const cases: [string, number][] = [['90', 90], ['2.5', 2.5], ['90s', 90], ['10m', 600], ['1.5h', 5400], ['1h30m', 5400],
      ['2m30s', 150], ['1h0m1s', 3601], [' 5M ', 300]];
    for (const [text, seconds] of cases) assert.equal(parseDuration(text), seconds, text);
  });

  it('refuses zero, negatives, unknown units, a wrong order and non-finite values', () => {
    for (const text of ['', '0', '0s', '0h0m', '-5', '10x', 'm', '1e3', '5 m', '30s10m', '.5m', 'Infinity', 'NaN', '1h-1m']) {
      assert.throws(() => parseDuration(text), InvalidArgumentError, JSON.stringify(text));
    }
  });
});

describe('bounded and strictly positive parsers', () => {
  it('parsePositiveNumber takes finite numbers > 0 and refuses 0, negatives and non-finite values', () => {
    assert.equal(parsePositiveNumber('1e-3'), 1e-3);
    assert.equal(parsePositiveNumber(' 5e-324 '), 5e-324);
    for (const value of ['0', '-0', '-1e-4', 'Infinity', 'NaN', '', 'abc']) {
      assert.throws(() => parsePositiveNumber(value), /expected a finite number > 0/, value);
    }
  });

  it('positiveIntegerAtMost(max) takes 1..max and names the bound', () => {
    const parse = positiveIntegerAtMost(1000);
    assert.equal(parse('1000'), 1000);
    assert.equal(parse('1'), 1);
    assert.throws(() => parse('1001'), /at most 1000/);
    assert.throws(() => parse('9007199254740991'), /at most 1000/);
    assert.throws(() => parse('0'), /positive integer/);
  });
});
