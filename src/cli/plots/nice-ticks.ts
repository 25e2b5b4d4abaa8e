/**
 * About `count` round values (1, 2 or 5 × 10^k apart) inside `[lo, hi]`, for axis and colour-bar ticks. Plain
 * arithmetic with no plotting dependency, so the browser demo draws its canvas axes with it too.
 *
 * @example
 * import { niceTicks } from './nice-ticks.ts';
 * console.log(niceTicks(0, 0.159, 5), niceTicks(-1.5, 2.5, 5)); // → [ 0, 0.05, 0.1, 0.15 ] [ -1, 0, 1, 2 ]
 */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const rough = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}
