/**
 * Learning test of the monotone transformers (issue 16): on a multimodal 2-D density and on bounded data, every MAF
 * with a spline, NAF, UMNN or Bernstein transformer matches or beats the affine MAF of the same size (layers and MADE
 * widths) trained the same way. Small data, small nets and a few epochs keep it to seconds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zeros, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { BernsteinTransformer } from '../../src/bijectors/bernstein-transformer.ts';
import { NeuralAutoregressiveTransformer } from '../../src/bijectors/neural-autoregressive-transformer.ts';
import { RationalQuadraticSpline } from '../../src/bijectors/rational-quadratic-spline.ts';
import type { Transformer } from '../../src/bijectors/transformer.ts';
import { UmnnTransformer } from '../../src/bijectors/umnn-transformer.ts';
import { gaussianMixture2d } from '../../src/data/gaussian-mixture-2d.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { fitDataStandardize } from '../../src/flows/fit-data-standardize.ts';
import { withStandardization } from '../../src/flows/with-standardization.ts';
import { fit } from '../../src/train/fit.ts';
import { meanLogProb } from '../../src/train/mean-log-prob.ts';

const transformers: [string, () => Transformer][] = [
  ['spline', () => new RationalQuadraticSpline({ bins: 8, tailBound: 3 })],
  ['NAF', () => new NeuralAutoregressiveTransformer({ hiddenUnits: 6 })],
  ['UMNN', () => new UmnnTransformer({ hiddenUnits: 6, intervals: 16 })],
  ['Bernstein', () => new BernsteinTransformer({ degree: 8, bound: 3 })],
];

/** Mean held-out log-likelihood of a standardized 2-layer MAF (MADE widths [24, 24]) with `transformer`. */
function heldOut(train: Matrix, test: Matrix, transformer: Transformer | undefined, bounds?: [number, number][]): number {
  const layers = createMaf({ features: 2, layers: 2, hiddenUnits: [24, 24], bounds, rng: new Rng(4), ...(transformer === undefined ? {} : { transformer }) });
  const flow = withStandardization(layers, { data: fitDataStandardize(layers, train) });
  fit(flow, train, { epochs: 15, batchSize: 64, learningRate: 5e-3, validationFraction: 0, rng: new Rng(5) });
  return meanLogProb(flow, test);
}

function compare(t: { diagnostic: (s: string) => void }, train: Matrix, test: Matrix, bounds?: [number, number][]): void {
  const affine = heldOut(train, test, undefined, bounds);
  const results = transformers.map(([name, make]) => [name, heldOut(train, test, make(), bounds)] as const);
  t.diagnostic(`affine ${affine.toFixed(3)}; ${results.map(([name, ll]) => `${name} ${ll.toFixed(3)}`).join('; ')}`);
  for (const [name, ll] of results) assert.ok(ll >= affine - 0.02, `${name}: ${ll} nats vs the affine MAF's ${affine}`);
}

test('learning: on a multimodal 2-D mixture, spline, NAF, UMNN and Bernstein MAFs match or beat the affine MAF of the same size', (t) => {
  const train = gaussianMixture2d(600, new Rng(1)).data;
  const test = gaussianMixture2d(2000, new Rng(2)).data;
  compare(t, train, test);
});

test('learning: on bounded data (a skewed proportion and a positive column), every monotone transformer matches or beats affine', (t) => {
  const sample = (n: number, rng: Rng) => {
    const x = zeros(n, 2, 'float64');
    for (let r = 0; r < n; r++) {
      const mode = rng.uniform() < 0.5 ? -1.5 : 1.5;
      x.data[2 * r] = 1 / (1 + Math.exp(-(mode + 0.4 * rng.normal())));
      x.data[2 * r + 1] = Math.exp(0.5 * mode + 0.3 * rng.normal());
    }
    return x;
  };
  compare(t, sample(600, new Rng(1)), sample(2000, new Rng(2)), [[0, 1], [0, Infinity]]);
});
