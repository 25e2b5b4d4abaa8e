/**
 * Every flow family on both backends: built once in float32, evaluated with the reference and the native kernels,
 * the log-densities, samples (same seed) and parameter gradients agree to float32 tolerance.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { withBackend } from '../../src/kernels/backend.ts';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { referenceKernels } from '../../src/kernels/reference.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { createIaf } from '../../src/flows/create-iaf.ts';
import { createMade } from '../../src/flows/create-made.ts';
import { createMadeMog } from '../../src/flows/create-made-mog.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createMafMog } from '../../src/flows/create-maf-mog.ts';
import { createRealNvp } from '../../src/flows/create-real-nvp.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { fit } from '../../src/train/fit.ts';
import { meanLogProb } from '../../src/train/mean-log-prob.ts';
import { randomMatrix } from '../helpers/numeric.ts';

const load = loadNativeBackend();
const skip = load.ok ? false : `native addon not built (${load.reason})`;

interface FlowCase {
  name: string;
  make: () => Distribution;
  context?: number;
}

const cases: FlowCase[] = [
  { name: 'MAF (miniboone-like widths)', make: () => createMaf({ features: 7, layers: 3, hiddenUnits: [40, 33], rng: new Rng(1) }) },
  { name: 'MAF conditional, tanh, random order and degrees', context: 3,
    make: () => createMaf({ features: 5, layers: 2, hiddenUnits: [17, 17], contextFeatures: 3, activation: 'tanh', order: 'random', degrees: 'random', rng: new Rng(2) }) },
  { name: 'MAF residual, batch norm', make: () => createMaf({ features: 4, layers: 2, hiddenUnits: [24, 24, 24], residual: true, batchNorm: true, rng: new Rng(3) }) },
  { name: 'MAF D=1', make: () => createMaf({ features: 1, layers: 2, hiddenUnits: [9], rng: new Rng(4) }) },
  { name: 'MADE', make: () => createMade({ features: 6, hiddenUnits: [31], rng: new Rng(5) }) },
  { name: 'MADE-MoG', make: () => createMadeMog({ features: 3, hiddenUnits: [20, 20], components: 4, rng: new Rng(6) }) },
  { name: 'MAF-MoG conditional', context: 2, make: () => createMafMog({ features: 3, layers: 2, hiddenUnits: [16, 16], components: 3, contextFeatures: 2, rng: new Rng(7) }) },
  { name: 'Real NVP', make: () => createRealNvp({ features: 4, layers: 3, hiddenUnits: [19, 19], rng: new Rng(8) }) },
  { name: 'IAF', make: () => createIaf({ features: 4, layers: 2, hiddenUnits: [21, 21], rng: new Rng(9) }) },
];

/** Largest |a − b| relative to the largest |a| (float32 work, so ~1e-6 per operation). */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-3;
  for (let k = 0; k < a.length; k++) {
    diff = Math.max(diff, Math.abs(a[k] - b[k]));
    scale = Math.max(scale, Math.abs(a[k]));
  }
  return diff / scale;
}

function perturb(flow: Distribution, seed: number): void {
  const rng = new Rng(seed);
  for (const p of parametersOf(flow)) for (let k = 0; k < p.value.length; k++) p.value[k] += 0.1 * rng.normal();
}

function evaluate(flow: Distribution, x: Matrix, context: Matrix | undefined) {
  const options = context === undefined ? {} : { context };
  const logProb = flow.logProb(x, options);
  const sampled = flow.sampleAndLogProb(x.rows, { ...options, rng: new Rng(11) });
  const grads: number[] = [];
  if (!(flow instanceof TransformedDistribution && !flow.bijector.inverseIsParallel)) {
    for (const p of parametersOf(flow)) p.zeroGrad();
    flow.train(true);
    flow.logProbTrain(x, options).backward(new Float64Array(x.rows).fill(-1 / x.rows));
    flow.train(false);
    for (const p of parametersOf(flow)) grads.push(...p.grad);
  }
  return { logProb, samples: sampled.samples.data, sampleLogProb: sampled.logProb, grads };
}

describe('native and reference backends agree on every flow family (float32)', { skip }, () => {
  for (const c of cases) {
    test(c.name, () => {
      if (!load.ok) return;
      // Two identical flows: a training-mode pass updates batch-norm running statistics.
      const [flowA, flowB] = [c.make(), c.make()];
      perturb(flowA, 12);
      perturb(flowB, 12);
      const rng = new Rng(13);
      const x = randomMatrix(37, flowA.features, rng, 1, 'float32');
      const context = c.context === undefined ? undefined : randomMatrix(37, c.context, rng, 1, 'float32');
      const ref = withBackend(referenceKernels, () => evaluate(flowA, x, context));
      const nat = withBackend(load.kernels, () => evaluate(flowB, x, context));
      assert.ok(relativeError(ref.logProb, nat.logProb) < 1e-4, `logProb: ${relativeError(ref.logProb, nat.logProb)}`);
      assert.ok(relativeError(ref.samples, nat.samples) < 1e-4, `samples: ${relativeError(ref.samples, nat.samples)}`);
      assert.ok(relativeError(ref.sampleLogProb, nat.sampleLogProb) < 1e-4, 'sample log-probs');
      assert.equal(ref.grads.length, nat.grads.length);
      assert.ok(relativeError(ref.grads, nat.grads) < 1e-3, `gradients: ${relativeError(ref.grads, nat.grads)}`);
    });
  }
});

describe('training on both backends', { skip }, () => {
  test('a small MAF trained with the same seed ends within 1e-3 nats on both backends', () => {
    if (!load.ok) return;
    const data = twoMoons(1200, { rng: new Rng(21) }).data;
    const train = (kernels: typeof referenceKernels) => withBackend(kernels, () => {
      const flow = createMaf({ features: 2, layers: 3, hiddenUnits: [32, 32], rng: new Rng(22) });
      const result = fit(flow, data, { epochs: 8, batchSize: 100, learningRate: 2e-3, patience: 100, rng: new Rng(23) });
      return { validation: result.bestValidationLogLik, train: meanLogProb(flow, data) };
    });
    const ref = train(referenceKernels);
    const nat = train(load.kernels);
    assert.ok(Number.isFinite(ref.validation) && ref.validation > -2.5, `reference learned something: ${ref.validation}`);
    assert.ok(Math.abs(ref.validation - nat.validation) < 1e-3, `validation log-lik: reference ${ref.validation}, native ${nat.validation}`);
    assert.ok(Math.abs(ref.train - nat.train) < 1e-3, `training log-lik: reference ${ref.train}, native ${nat.train}`);
  });
});
