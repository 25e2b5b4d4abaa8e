import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { BatchNormalization } from '../../src/bijectors/batch-normalization.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { MadeMog } from '../../src/distributions/made-mog.ts';
import { createMafMog } from '../../src/flows/create-maf-mog.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { randomMatrix } from '../helpers/numeric.ts';
import { checkLogProbGradients } from '../distributions/distribution-checks.ts';

test('createMafMog: the MAF layers of createMaf over a MADE MoG base', () => {
  const flow = createMafMog({ features: 3, layers: 3, hiddenUnits: [10], components: 4, batchNorm: true, logScaleBound: 3,
    rng: new Rng(1) });
  assert.ok(flow.base instanceof MadeMog);
  const base = flow.base as MadeMog;
  assert.equal(base.components, 4);
  assert.equal(base.logScaleBound, 5, 'logScaleBound applies to the MAF layers only');
  assert.deepEqual(base.made.config().hiddenUnits, [10]);
  const members = (flow.bijector as Chain).bijectors;
  assert.equal(members.filter((b) => b instanceof MaskedAutoregressiveFlow).length, 3);
  assert.equal(members.filter((b) => b instanceof BatchNormalization).length, 3);
  assert.ok(flow.namedParameters().some(([name]) => name.startsWith('base.made.')));
  assert.equal((createMafMog({ features: 2 }).base as MadeMog).components, 10);
});

test('createMafMog: logProb = MADE MoG log-density of f⁻¹(x) + log-det, and the context reaches the base', () => {
  const rng = new Rng(2);
  const flow = createMafMog({ features: 3, layers: 2, hiddenUnits: [8], components: 2, contextFeatures: 2, dtype: 'float64', rng });
  for (const p of parametersOf(flow)) for (let k = 0; k < p.size; k++) p.value[k] += 0.3 * rng.normal();
  assert.equal(flow.base.contextFeatures, 2);
  const x = randomMatrix(4, 3, rng);
  const context = randomMatrix(4, 2, rng);
  const { output: z, logDet } = flow.bijector.inverseAndLogDet(x, { context });
  const baseLp = flow.base.logProb(z, { context });
  const lp = flow.logProb(x, { context });
  for (let r = 0; r < 4; r++) assert.ok(Math.abs(lp[r] - (baseLp[r] + logDet[r])) < 1e-12);
  const other = randomMatrix(4, 2, rng);
  const moved = flow.base.logProb(z, { context: other });
  assert.ok(moved.some((v, r) => Math.abs(v - baseLp[r]) > 1e-6), 'base density depends on the context');
});

test('createMafMog: logProbTrain gradients (MAF layers, MADE MoG base, x, context) match finite differences', () => {
  const rng = new Rng(3);
  const flow = createMafMog({ features: 3, layers: 2, hiddenUnits: [7], components: 2, contextFeatures: 2, order: 'random',
    dtype: 'float64', rng });
  for (const p of parametersOf(flow)) for (let k = 0; k < p.size; k++) p.value[k] += 0.2 * rng.normal();
  checkLogProbGradients(flow, randomMatrix(5, 3, rng), rng, randomMatrix(5, 2, rng));
});
