/**
 * A failed training says so and keeps the user's file: `maflow train` that diverges, explodes or never improves on
 * its initial model exits 3 with one line on stderr and leaves an existing model byte for byte (and its mode) as it
 * was; with `--checkpoint`, the best epoch before the failure goes to `<out>.best-before-failure.safetensors`.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { zeros } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { type CliResult, assertUserError, runCli, runInProcess, tempDir } from './cli-harness.ts';

/** Exit status 3 and exactly one `maflow:` line on stderr (after any epoch log lines), with no stack trace. */
function assertTrainingFailed(result: CliResult, ...patterns: RegExp[]): void {
  assert.equal(result.status, 3, `exit status (stderr: ${result.stderr})`);
  const lines = result.stderr.trimEnd().split('\n');
  const messages = lines.filter((line) => line.startsWith('maflow:'));
  assert.equal(messages.length, 1, `one maflow: line, got: ${result.stderr}`);
  assert.equal(lines[lines.length - 1], messages[0], 'the message is the last line');
  assert.ok(lines.every((line) => line.startsWith('maflow:') || /^epoch \d+\//.test(line)), `only epoch lines besides: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(result.stdout, /model written/);
  for (const pattern of patterns) assert.match(messages[0], pattern);
}

describe('maflow train: a failed training keeps the user\'s model', () => {
  const temp = tempDir('failed');
  const at = (name: string): string => join(temp.dir, name);
  const TRAIN = ['--layers', '2', '--hidden', '8,8', '--seed', '4'];
  // A too-large learning rate fails these ways on 0.2's stack; batch norm, the weight average and the tighter clip damp it.
  const PLAIN = ['--no-batch-norm', '--ema-decay', '0', '--log-scale-bound', '5'];
  let good: Buffer;

  before(async () => {
    writeMatrix(at('moons.csv'), twoMoons(600, { rng: new Rng(2), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
    const trained = await runInProcess(['train', at('moons.csv'), '--out', at('model.safetensors'), '--epochs', '3', '--lr', '1e-2',
      '--checkpoint', at('ckpt.safetensors'), ...TRAIN]);
    assert.equal(trained.status, 0, trained.stderr);
    chmodSync(at('model.safetensors'), 0o600);
    good = readFileSync(at('model.safetensors'));
  });
  after(() => temp.remove());

  const assertModelIntact = (): void => {
    assert.ok(readFileSync(at('model.safetensors')).equals(good), 'the existing model is byte-for-byte unchanged');
    assert.equal(statSync(at('model.safetensors')).mode & 0o777, 0o600, 'and keeps its mode');
    assert.deepEqual(readdirSync(temp.dir).filter((name) => name.endsWith('.tmp')), [], 'no temp files left');
  };

  it('--lr 1e6 diverges: exit 3, one line, the existing model untouched (subprocess)', async () => {
    const result = await runCli(['train', 'moons.csv', '--out', 'model.safetensors', '--epochs', '5', '--lr', '1e6', ...TRAIN], temp.dir);
    assertTrainingFailed(result, /^maflow: training failed \(divergence\): the (training loss|gradient norm) became (NaN|-?Infinity) at epoch 1, step \d+/,
      /model\.safetensors was not written \(the existing file is unchanged\)/, /try a lower --lr \(now 1000000\)/);
    assertModelIntact();
  });

  it('--lr 10 explodes the validation log-likelihood: exit 3, nothing written', async () => {
    const result = await runInProcess(['train', at('moons.csv'), '--out', at('model.safetensors'), '--epochs', '5', '--lr', '10', ...TRAIN, ...PLAIN]);
    assertTrainingFailed(result, /training failed \(exploded\): the validation log-likelihood (fell [\d.e+]+ nats below the initial parameters'|became -?(NaN|Infinity)) at epoch 1/);
    assertModelIntact();
  });

  it('a run that never beats the initial model fails with no-improvement, and a new --out is not created', async () => {
    const result = await runInProcess(['train', at('moons.csv'), '--out', at('fresh.safetensors'), '--epochs', '3', '--lr', '1', ...TRAIN, ...PLAIN]);
    assertTrainingFailed(result, /training failed \(no-improvement\): no epoch improved on the validation log-likelihood of the initial parameters/,
      /fresh\.safetensors was not written;/);
    assert.ok(!existsSync(at('fresh.safetensors')));
  });

  it('with --checkpoint, the best epoch before the failure goes to a new, clearly named file', async () => {
    // Resume the good run (best epoch > 0 in its checkpoint) with a learning rate that diverges at once.
    const result = await runInProcess(['train', at('moons.csv'), '--out', at('model.safetensors'), '--epochs', '6', '--lr', '1e6',
      '--resume', at('ckpt.safetensors'), '--checkpoint', at('ckpt.safetensors'), ...TRAIN]);
    assertTrainingFailed(result, /training failed \(divergence\)/,
      /the best model before the failure \(epoch [1-3], validation log-likelihood -?\d+\.\d+ nats\) was written to .*model\.best-before-failure\.safetensors/);
    assertModelIntact();
    const rescued = await runInProcess(['eval', at('model.best-before-failure.safetensors'), at('moons.csv'), '--json']);
    assert.equal(rescued.status, 0, rescued.stderr);
    const original = await runInProcess(['eval', at('model.safetensors'), at('moons.csv'), '--json']);
    assert.equal(JSON.parse(rescued.stdout).logLikelihood, JSON.parse(original.stdout).logLikelihood, 'the same best epoch');
  });

  it('on data the initial model already fits, a run within the noise of it succeeds, writes it and says so', async () => {
    const rng = new Rng(9);
    const normal = zeros(300, 2, 'float64');
    for (let i = 0; i < normal.data.length; i++) normal.data[i] = rng.normal();
    writeMatrix(at('normal.csv'), normal, { columns: ['a', 'b'] });
    const result = await runInProcess(['train', at('normal.csv'), '--out', at('normal.safetensors'), '--epochs', '3', '--lr', '1e-2',
      '--batch-size', '30', '--layers', '2', '--hidden', '8,8', '--seed', '3']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /^maflow: warning: no epoch beat the initial \(untrained\) model on the validation data, so that is the model written/m);
    assert.match(result.stdout, /best epoch 0 of 3/);
    assert.ok(existsSync(at('normal.safetensors')));
  });

  it('a NaN in the data (.npy, --no-standardize) is named by file and row; nothing is written', async () => {
    const data = twoMoons(300, { rng: new Rng(5), dtype: 'float64' }).data;
    data.data[2 * 77 + 1] = NaN;
    writeNpy(at('nan.npy'), data);
    const result = await runInProcess(['train', at('nan.npy'), '--out', at('model.safetensors'), '--no-standardize', '--epochs', '2', ...TRAIN]);
    assertUserError(result, /nan\.npy/, /\b7[78]\b/);
    assertModelIntact();
  });
});
