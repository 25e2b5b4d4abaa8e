/**
 * Option-value parsers shared by the commands. Each throws commander's `InvalidArgumentError`, so a bad value is
 * reported as `option '--hidden <units>' argument '64,x' is invalid. …` with exit status 2.
 *
 * @example
 * import { parseIntegerList, parsePositiveInteger } from './parse-list.ts';
 * console.log(parseIntegerList('512,512'), parsePositiveInteger('5')); // → [ 512, 512 ] 5
 */
import { InvalidArgumentError } from 'commander';

/** A comma-separated list of positive integers (`"512,512"`). */
export function parseIntegerList(value: string): number[] {
  const parts = value.split(',').map((part) => part.trim());
  if (parts.some((part) => !/^\d+$/.test(part) || Number(part) < 1)) {
    throw new InvalidArgumentError('expected positive integers separated by commas, like "512,512".');
  }
  return parts.map(Number);
}

/** A positive integer (`"100"`). */
export function parsePositiveInteger(value: string): number {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1 || !Number.isSafeInteger(Number(trimmed))) {
    throw new InvalidArgumentError('expected a positive integer.');
  }
  return Number(trimmed);
}

/**
 * A parser of positive integers up to `max` (`-n` of `sample`): a larger count is refused at once with the bound,
 * instead of running for days or failing deep inside with a typed-array length.
 */
export function positiveIntegerAtMost(max: number): (value: string) => number {
  return (value: string): number => {
    const count = parsePositiveInteger(value);
    if (count > max) throw new InvalidArgumentError(`expected a positive integer at most ${max}.`);
    return count;
  };
}

/** A non-negative integer (`"0"`, `"42"`), e.g. a seed. */
export function parseNonNegativeInteger(value: string): number {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) {
    throw new InvalidArgumentError('expected a non-negative integer.');
  }
  return Number(trimmed);
}

/** A finite number ≥ 0 (`"1e-4"`), e.g. a learning rate or weight decay. */
export function parseNonNegativeNumber(value: string): number {
  const trimmed = value.trim();
  const number = trimmed === '' ? NaN : Number(trimmed);
  if (!Number.isFinite(number) || number < 0) throw new InvalidArgumentError('expected a finite number >= 0.');
  return number;
}

/** A finite number > 0 (`"1e-3"`), e.g. a learning rate (0 would never move the parameters). */
export function parsePositiveNumber(value: string): number {
  const trimmed = value.trim();
  const number = trimmed === '' ? NaN : Number(trimmed);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a finite number > 0.');
  return number;
}

/** A fraction in the open interval (0, 1) (`"0.1"`), e.g. the validation share. */
export function parseFraction(value: string): number {
  const trimmed = value.trim();
  const number = trimmed === '' ? NaN : Number(trimmed);
  if (!(number > 0 && number < 1)) throw new InvalidArgumentError('expected a fraction between 0 and 1 (exclusive).');
  return number;
}

/** A number in [0, 1) (`"0.98"`, `"0"`), e.g. the decay of a moving average. */
export function parseDecay(value: string): number {
  const trimmed = value.trim();
  const number = trimmed === '' ? NaN : Number(trimmed);
  if (!(number >= 0 && number < 1)) throw new InvalidArgumentError('expected a number in [0, 1) (0 turns it off).');
  return number;
}

const DURATION_UNITS = { h: 3600, m: 60, s: 1 } as const;

/**
 * A duration > 0 in seconds: plain seconds (`"90"`, `"2.5"`) or numbers with units h, m and s, largest first
 * (`"90s"`, `"10m"`, `"1.5h"`, `"1h30m"`), e.g. a time budget.
 *
 * @example
 * import { parseDuration } from './parse-list.ts';
 * console.log(parseDuration('10m'), parseDuration('1h30m'), parseDuration('45')); // → 600 5400 45
 */
export function parseDuration(value: string): number {
  const trimmed = value.trim().toLowerCase();
  const parts = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(trimmed);
  const plain = /^\d+(?:\.\d+)?$/.test(trimmed) ? Number(trimmed) : NaN;
  const seconds = parts === null || trimmed === '' ? plain : (Number(parts[1] ?? 0) * DURATION_UNITS.h
    + Number(parts[2] ?? 0) * DURATION_UNITS.m + Number(parts[3] ?? 0) * DURATION_UNITS.s);
  if (!(Number.isFinite(seconds) && seconds > 0)) {
    throw new InvalidArgumentError('expected a duration > 0: seconds (90) or a number with units h, m, s (90s, 10m, 1.5h, 1h30m).');
  }
  return seconds;
}
