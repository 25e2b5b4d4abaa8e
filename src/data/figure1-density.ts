/**
 * The two-dimensional density of Figure 1 in the MAF paper (Papamakarios, Pavlakou & Murray 2017):
 * `x2 ~ N(0, 2²)`, `x1 | x2 ~ N(x2² / 4, 1)`, columns in the order `(x1, x2)`. A MADE with the order x1, x2 cannot
 * fit it with Gaussian conditionals; the reverse order (or a MAF) can.
 */
import { allocate, checkShape, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import {
  checkCount, generatorOptions, logNormalPdf, type GeneratorOptions, type SyntheticDataset,
} from './synthetic-dataset.ts';

/**
 * The true differential entropy of the Figure 1 density in nats:
 * `H = H(N(0, 4)) + H(N(0, 1)) = ½ log(2πe·4) + ½ log(2πe) = log(2πe) + log 2 ≈ 3.531`
 * (the conditional entropy of `x1 | x2` is that of a unit Gaussian whatever its mean).
 */
export const FIGURE1_ENTROPY = Math.log(2 * Math.PI * Math.E) + Math.log(2);

/**
 * Draws `n` samples `[n, 2]` from the Figure 1 density, with its exact `logProb`.
 *
 * @example
 * import { FIGURE1_ENTROPY, Rng, figure1Density } from 'maflow';
 * const { data, logProb } = figure1Density(1000, new Rng(0));
 * const meanNll = -logProb!(data).reduce((a, b) => a + b) / 1000;
 * console.log(meanNll, FIGURE1_ENTROPY); // ≈ equal: the mean negative log-density estimates the entropy
 */
export function figure1Density(n: number, options: Rng | GeneratorOptions): SyntheticDataset {
  checkCount('figure1Density', n);
  const { rng, dtype = 'float32' } = generatorOptions(options, 'figure1Density');
  const data = allocate(dtype, 2 * n);
  for (let i = 0; i < n; i++) {
    const x2 = 2 * rng.normal();
    data[2 * i] = (x2 * x2) / 4 + rng.normal();
    data[2 * i + 1] = x2;
  }
  return { data: { rows: n, cols: 2, data }, logProb: figure1LogProb };
}

/** Exact `log p(x1, x2) = log N(x2; 0, 4) + log N(x1; x2²/4, 1)` for rows of `x` `[m, 2]`. */
export function figure1LogProb(x: Matrix): Float64Array {
  checkShape('figure1LogProb', 'x', x, 2);
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    const x1 = x.data[2 * i];
    const x2 = x.data[2 * i + 1];
    out[i] = logNormalPdf(x2, 0, 2) + logNormalPdf(x1, (x2 * x2) / 4, 1);
  }
  return out;
}
