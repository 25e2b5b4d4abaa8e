/**
 * Round-trip text for a number in float32 or float64 precision.
 */

/**
 * Decimal text that reads back (with `Number`, then `Math.fround` when `single`) to exactly `value`.
 * Float64 values use JavaScript's shortest round-trip form. Float32 values use the first of 7, 8 or 9 significant
 * digits that round-trips (9 always does), with trailing zeros trimmed: `0.1`, not the `0.10000000149011612` of
 * their float64 widening. Non-finite values are written numpy-style: `nan`, `inf`, `-inf`.
 *
 * @example
 * import { formatNumber } from './format-number.ts';
 * console.log(formatNumber(Math.fround(0.1), true), formatNumber(Math.fround(0.1), false)); // → 0.1 0.10000000149011612
 */
export function formatNumber(value: number, single: boolean): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  if (!single) return String(value);
  // Three candidates keep this at ~2 toPrecision calls per value (shortest-digit search costs ~5x more).
  let text = value.toPrecision(7);
  if (Math.fround(Number(text)) !== value) {
    text = value.toPrecision(8);
    if (Math.fround(Number(text)) !== value) text = value.toPrecision(9);
  }
  return trimZeros(text);
}

/** `1.500000` → `1.5`, `2.000e+10` → `2e+10`, `-0.000` → `-0`. */
function trimZeros(text: string): string {
  const e = text.indexOf('e');
  const mantissa = e < 0 ? text : text.slice(0, e);
  if (mantissa.indexOf('.') < 0) return text;
  let end = mantissa.length;
  while (mantissa.charCodeAt(end - 1) === 48) end--;
  if (mantissa.charCodeAt(end - 1) === 46) end--;
  return e < 0 ? mantissa.slice(0, end) : mantissa.slice(0, end) + text.slice(e);
}
