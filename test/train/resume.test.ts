import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { banana } from '../helpers/banana.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { setBatchNormStatistics } from '../../src/bijectors/set-batch-norm-statistics.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { fit, type FitOptions } from '../../src/train/fit.ts';
import type { TrainingState } from '../../src/train/training-state.ts';

const makeFlow = () => createMaf({ features: 2, layers: 2, hiddenUnits: [8, 8], batchNorm: true, rng: new Rng(21) });
const valuesOf = (flow: ReturnType<typeof makeFlow>) => flow.namedParameters().map(([n, p]) => [n, Array.from(p.value)]);
const options = (extra: Partial<FitOptions>): FitOptions => ({ batchSize: 40, learningRate: 3e-3, patience: 100, rng: new Rng(22), ...extra });

test('fit: resuming from a checkpoint gives bit-identical parameters to an uninterrupted run', () => {
  const data = banana(400, new Rng(20));
  const full: TrainingState[] = [];
  const a = makeFlow();
  const resultA = fit(a, data, options({ epochs: 6, checkpoint: { every: 2, save: (s) => full.push(s) } }));
  assert.deepEqual(full.map((s) => s.epoch), [2, 4, 6]);

  const partial: TrainingState[] = [];
  const b = makeFlow();
  fit(b, data, options({ epochs: 4, checkpoint: { every: 2, save: (s) => partial.push(s) } }));
  const saved = partial[partial.length - 1];
  assert.equal(saved.epoch, 4);
  assert.deepEqual(saved, full[1], 'the state after epoch 4 does not depend on how many epochs were planned');
  assert.equal(saved.optimizer.step, 4 * 9);
  assert.ok(Object.keys(saved.buffers).some((name) => name.endsWith('runningMean')), 'batch-norm buffers are saved');

  const c = makeFlow();
  const resultC = fit(c, data, options({ epochs: 6, resume: saved }));
  assert.deepEqual(valuesOf(c), valuesOf(a));
  assert.deepEqual(collectBuffers(c), collectBuffers(a));
  assert.deepEqual(resultC.history, resultA.history);
  assert.equal(resultC.steps, resultA.steps);
  assert.equal(resultC.bestEpoch, resultA.bestEpoch);
});

test('fit: resume rejects a state of another architecture', () => {
  const data = banana(100, new Rng(1));
  const states: TrainingState[] = [];
  fit(makeFlow(), data, options({ epochs: 1, checkpoint: { every: 1, save: (s) => states.push(s) } }));
  const other = createMaf({ features: 2, layers: 3, hiddenUnits: [8, 8], batchNorm: true, rng: new Rng(21) });
  assert.throws(() => fit(other, data, options({ epochs: 2, resume: states[0] })), /fit \(resume\): missing tensor 'bijector\.bijectors\.\d+\.made\.hidden\.0\.weight'/);
});

test('fit: batch-norm statistics are population statistics of the training data for the restored parameters', () => {
  const data = banana(300, new Rng(2));
  const validation = banana(100, new Rng(3));
  const flow = makeFlow();
  fit(flow, data, options({ epochs: 3, validationData: validation }));
  const before = collectBuffers(flow).map(([n, b]) => [n, Array.from(b)]);
  setBatchNormStatistics(flow, data);
  const after = collectBuffers(flow).map(([n, b]) => [n, Array.from(b)]);
  assert.deepEqual(after, before);
  assert.equal(flow.isTraining, false);
});
