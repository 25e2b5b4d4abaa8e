/** One histogram bar: the bin `[x1, x2)` and its height as a probability density. */
export interface HistogramBin {
  readonly x1: number;
  readonly x2: number;
  readonly density: number;
}

/**
 * Equal-width histogram of `values` over `domain = [lo, hi]`, normalised as a density (bar areas sum to the fraction
 * of values inside the domain), so that series of different sizes can be overlaid. Values outside are ignored.
 *
 * @example
 * import { histogram } from './histogram.ts';
 * console.log(histogram([0.1, 0.2, 0.7], [0, 1], 2)); // → [ { x1: 0, x2: 0.5, density: 1.33… }, { x1: 0.5, x2: 1, density: 0.66… } ]
 */
export function histogram(values: ArrayLike<number>, domain: readonly [number, number], bins: number): HistogramBin[] {
  const [lo, hi] = domain;
  if (!(hi > lo)) throw new Error(`histogram: domain must satisfy lo < hi, got [${lo}, ${hi}]`);
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`histogram: bins must be a positive integer, got ${bins}`);
  const counts = new Float64Array(bins);
  const width = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo || v > hi) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  const scale = values.length === 0 ? 0 : 1 / (values.length * width);
  return Array.from(counts, (count, b) => ({ x1: lo + b * width, x2: lo + (b + 1) * width, density: count * scale }));
}
