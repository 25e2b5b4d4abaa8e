/**
 * The one-sample Kolmogorov–Smirnov test against the standard normal, as the MAF paper's diagnostic uses it: if a
 * flow fits, the data mapped to base space (`u = f⁻¹(x)`) is N(0, 1) in every dimension.
 *
 * `D = maxᵢ max(i/n − Φ(u₍ᵢ₎), Φ(u₍ᵢ₎) − (i−1)/n)` over the sorted values `u₍₁₎ ≤ … ≤ u₍ₙ₎`; the p-value is the
 * asymptotic Kolmogorov distribution `Q(λ) = 2 Σₖ (−1)^(k−1) e^(−2k²λ²)` at `λ = (√n + 0.12 + 0.11/√n) D`
 * (Stephens' small-sample correction).
 */
import { normalCdf } from './normal-cdf.ts';

/** Result of `ksTest`. */
export interface KsTestResult {
  /** The KS statistic D in [0, 1]. */
  statistic: number;
  /** The asymptotic p-value of D under H₀: the values are N(0, 1). */
  pValue: number;
}

/**
 * Tests `values` (length n ≥ 1) against N(0, 1).
 *
 * @example
 * import { ksTest } from './ks-test.ts';
 * console.log(ksTest([-1.2, 0.3, 0.8, -0.1])); // → { statistic: 0.2118…, pValue: 0.98… } (D = 1 − Φ(0.8))
 */
export function ksTest(values: ArrayLike<number>): KsTestResult {
  const sorted = Float64Array.from(values).sort();
  return ksTestAscending(sorted.length, (visit) => sorted.forEach((value, i) => visit(value, i)));
}

/**
 * `ksTest` for `n` values that `forEachAscending` visits in ascending order with their 0-based ranks (values sorted
 * out of memory, `SortedValues`): the same statistic, without holding the values.
 *
 * @example
 * import { ksTestAscending } from './ks-test.ts';
 * const sorted = [-1.2, -0.1, 0.3, 0.8];
 * console.log(ksTestAscending(4, (visit) => sorted.forEach(visit)).statistic); // → 0.2118… (as ksTest of the same values)
 */
export function ksTestAscending(n: number, forEachAscending: (visit: (value: number, rank: number) => void) => void): KsTestResult {
  if (n === 0) throw new RangeError('ksTest: expected at least one value, got none');
  let statistic = 0;
  forEachAscending((value, i) => {
    const cdf = normalCdf(value);
    statistic = Math.max(statistic, (i + 1) / n - cdf, cdf - i / n);
  });
  const root = Math.sqrt(n);
  return { statistic, pValue: kolmogorovSurvival((root + 0.12 + 0.11 / root) * statistic) };
}

/** `P(K > λ)` for the Kolmogorov distribution K. */
function kolmogorovSurvival(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
