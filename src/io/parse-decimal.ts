/**
 * A strict, fast decimal-number parser for data files.
 *
 * Accepts exactly `[+-]digits[.digits][(e|E)[+-]digits]` (at least one digit in the mantissa, surrounding spaces
 * and tabs ignored) and returns `NaN` for anything else: empty cells, `nan`, `inf`, hex, `1_000`, `1,5`.
 * A value too large for a double returns `±Infinity`, so callers can tell "not a number" from "out of range".
 *
 * Numbers with at most 15 significant digits and a decimal exponent within ±22 take Clinger's fast path: the
 * mantissa and the power of ten are exact doubles, so one multiplication or division is correctly rounded. All
 * other numbers fall back to `Number()`, so results are always identical to `Number(text)`.
 */

const POWERS_OF_TEN = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
  1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * Parses `text.slice(start, end)` as a decimal number.
 *
 * @example
 * import { parseDecimal } from './parse-decimal.ts';
 * console.log(parseDecimal(' -1.5e3 ', 0, 8), Number.isNaN(parseDecimal('nan', 0, 3))); // → -1500 true
 */
export function parseDecimal(text: string, start = 0, end = text.length): number {
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  let i = start;
  let negative = false;
  let c = text.charCodeAt(i);
  if (c === 45) {
    negative = true;
    i++;
  } else if (c === 43) {
    i++;
  }
  let mantissa = 0;
  let significant = 0;
  let exponent = 0;
  let sawDigit = false;
  for (; i < end; i++) {
    c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    sawDigit = true;
    if (significant > 0 || c !== 0) significant++;
    mantissa = mantissa * 10 + c;
  }
  if (i < end && text.charCodeAt(i) === 46) {
    for (i++; i < end; i++) {
      c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      sawDigit = true;
      if (significant > 0 || c !== 0) significant++;
      mantissa = mantissa * 10 + c;
      exponent--;
    }
  }
  if (!sawDigit) return NaN;
  if (i < end && (text.charCodeAt(i) | 32) === 101) {
    i++;
    let exponentNegative = false;
    c = text.charCodeAt(i);
    if (c === 45) {
      exponentNegative = true;
      i++;
    } else if (c === 43) {
      i++;
    }
    const digitsStart = i;
    let written = 0;
    for (; i < end; i++) {
      c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (written < 100000) written = written * 10 + c;
    }
    if (i === digitsStart) return NaN;
    exponent += exponentNegative ? -written : written;
  }
  if (i !== end) return NaN;
  if (significant > 15 || exponent > 22 || exponent < -22) return Number(text.slice(start, end));
  let value = mantissa;
  if (exponent > 0) value *= POWERS_OF_TEN[exponent];
  else if (exponent < 0) value /= POWERS_OF_TEN[-exponent];
  return negative ? -value : value;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}
