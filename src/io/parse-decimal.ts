/**
 * A strict, fast decimal-number parser for data files.
 *
 * Accepts exactly `[+-]digits[.digits][(e|E)[+-]digits]` (at least one digit in the mantissa, surrounding spaces
 * and tabs ignored) and returns `NaN` for anything else: empty cells, `nan`, `inf`, hex, `1_000`, `1,5`.
 * A value too large for a double returns `±Infinity`, so callers can tell "not a number" from "out of range".
 *
 * Numbers with at most 15 significant digits and a decimal exponent within ±22 take Clinger's fast path: the
 * mantissa and the power of ten are exact doubles, so one multiplication or division is correctly rounded. With 16
 * to 19 digits (what `repr`, pandas and JavaScript write for doubles) the mantissa is an exact double-double and the
 * product or quotient is formed to about 2⁻¹⁰² by error-free transformations (Dekker's product, Fast2Sum); it is
 * rounded to the double both ends of a 2⁻⁹⁰ interval around it round to, which is the correctly rounded value, and
 * a value that close to the midpoint of two doubles (a tie among them) is left to `Number()`. All other numbers
 * fall back to `Number()` as well, so results are always identical to `Number(text)`.
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
  // The mantissa's digits: the first 15 significant ones in `mantissa` (exact), up to 4 more in `low`.
  let mantissa = 0;
  let low = 0;
  let significant = 0;
  let exponent = 0;
  let sawDigit = false;
  for (; i < end; i++) {
    c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    sawDigit = true;
    if (significant > 0 || c !== 0) significant++;
    if (significant <= 15) mantissa = mantissa * 10 + c;
    else low = low * 10 + c;
  }
  if (i < end && text.charCodeAt(i) === 46) {
    for (i++; i < end; i++) {
      c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      sawDigit = true;
      if (significant > 0 || c !== 0) significant++;
      if (significant <= 15) mantissa = mantissa * 10 + c;
      else low = low * 10 + c;
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
  const value = decimalValue(negative, mantissa, significant, low, exponent);
  return Number.isNaN(value) ? Number(text.slice(start, end)) : value;
}

/**
 * The correctly rounded value of a decimal number read as parseDecimal reads it: its sign, the first 15 significant
 * digits as the integer `mantissa`, `significant` digits in all with the rest (at most 4) as the integer `low`, and
 * the decimal exponent of the last digit. NaN where the fast paths cannot tell it (more than 19 digits, an exponent
 * beyond ±22, a near-tie): then `Number()` of the text decides.
 */
export function decimalValue(negative: boolean, mantissa: number, significant: number, low: number, exponent: number): number {
  if (significant > 19 || exponent > 22 || exponent < -22) return NaN;
  let value = mantissa;
  if (significant > 15) {
    value = longMantissa(mantissa, significant - 15, low, exponent);
  } else if (exponent > 0) {
    value *= POWERS_OF_TEN[exponent];
  } else if (exponent < 0) {
    value /= POWERS_OF_TEN[-exponent];
  }
  return negative ? -value : value;
}

/** 2²⁷ + 1: Veltkamp's splitter, which cuts a double into two halves of 26 bits whose products are exact. */
const SPLITTER = 134217729;
/** The low part of the last `product`: a·b = product(a, b) + productLow, exactly. */
let productLow = 0;

/** fl(a·b), leaving the rounding error in `productLow` (Dekker's exact product; no overflow or underflow here). */
function product(a: number, b: number): number {
  const p = a * b;
  let t = SPLITTER * a;
  const aHigh = t - (t - a);
  const aLow = a - aHigh;
  t = SPLITTER * b;
  const bHigh = t - (t - b);
  const bLow = b - bHigh;
  productLow = aLow * bLow - (((p - aHigh * bHigh) - aLow * bHigh) - aHigh * bLow);
  return p;
}

/**
 * The correctly rounded (high · 10^lowDigits + low) · 10^exponent for a mantissa of 16 to 19 digits and
 * |exponent| ≤ 22, or NaN when the value lies too close to the midpoint of two doubles to tell (then `Number()`
 * decides). The mantissa m = s + t exactly; x = m·10^e is formed as a + b to about 2⁻¹⁰²·|x|.
 */
function longMantissa(high: number, lowDigits: number, low: number, exponent: number): number {
  // high < 10¹⁵ and the scale ≤ 10⁴: high·scale = p + productLow exactly, productLow an integer of at most 2¹⁰, so
  // productLow + low is exact, and Fast2Sum gives m = s + t.
  const p = product(high, POWERS_OF_TEN[lowDigits]);
  const w = productLow + low;
  const s = p + w;
  const t = w - (s - p);
  const scale = POWERS_OF_TEN[exponent < 0 ? -exponent : exponent];
  let a: number;
  let b: number;
  if (exponent >= 0) {
    a = product(s, scale);
    b = productLow + t * scale;
  } else {
    // a = fl(s / 10^k); the remainder s + t − a·10^k (s − u is exact: u is within a factor 2 of s) divided again.
    a = s / scale;
    const u = product(a, scale);
    b = ((s - u) - productLow + t) / scale;
  }
  // Every x in [a + b − δ, a + b + δ] with δ = 2⁻⁹⁰·|a| (far above the error) rounds to one double, or none is told.
  const margin = Math.abs(a) * 8.077935669463161e-28;
  const below = a + (b - margin);
  return below === a + (b + margin) ? below : NaN;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}
