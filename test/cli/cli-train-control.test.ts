/**
 * Training control from the command line: checkpoints and `--resume` continue a run exactly, and Ctrl-C (SIGINT)
 * stops after the current step while still writing a valid best model.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { CLI_NODE_ARGS, assertUserError, runInProcess, tempDir } from './cli-harness.ts';

describe('maflow train: checkpoints, resume and Ctrl-C', () => {
  const temp = tempDir('control');
  const at = (name: string): string => join(temp.dir, name);
  const TRAIN = ['--layers', '2', '--hidden', '8,8', '--lr', '1e-3', '--seed', '4', '--patience', '100'];

  before(() => {
    writeMatrix(at('moons.csv'), twoMoons(600, { rng: new Rng(2), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
  });
  after(() => temp.remove());

  async function evalJson(model: string): Promise<{ logLikelihood: number }> {
    const result = await runInProcess(['eval', model, at('moons.csv'), '--json']);
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as { logLikelihood: number };
  }

  it('resuming from an epoch-2 checkpoint gives the same model as training 4 epochs straight', async () => {
    const straight = await runInProcess(['train', at('moons.csv'), '--out', at('straight.safetensors'), '--epochs', '4', ...TRAIN]);
    assert.equal(straight.status, 0, straight.stderr);
    const first = await runInProcess(['train', at('moons.csv'), '--out', at('half.safetensors'), '--epochs', '2',
      '--checkpoint', at('ckpt.safetensors'), '--checkpoint-every', '2', ...TRAIN]);
    assert.equal(first.status, 0, first.stderr);
    assert.ok(existsSync(at('ckpt.safetensors')), 'checkpoint written');
    const resumed = await runInProcess(['train', at('moons.csv'), '--out', at('resumed.safetensors'), '--epochs', '4',
      '--resume', at('ckpt.safetensors'), ...TRAIN]);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, /^epoch 3\/4/m, 'continues at epoch 3');
    assert.doesNotMatch(resumed.stderr, /^epoch 1\/4/m);
    const [a, b, half] = await Promise.all([evalJson(at('straight.safetensors')), evalJson(at('resumed.safetensors')), evalJson(at('half.safetensors'))]);
    assert.equal(b.logLikelihood, a.logLikelihood);
    assert.notEqual(half.logLikelihood, a.logLikelihood, 'the resumed run did train further');

    const mismatched = await runInProcess(['train', at('moons.csv'), '--out', at('other.safetensors'), '--epochs', '4',
      '--resume', at('ckpt.safetensors'), ...TRAIN, '--layers', '3']);
    assertUserError(mismatched, /--resume .*ckpt\.safetensors: the checkpoint does not match this flow/);
  });

  /** Starts `maflow train …args`, sends SIGINT once epoch 1 is reported, and returns the outcome. */
  async function interruptAtEpoch1(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'train', ...args], { cwd: temp.dir, env: { ...process.env, MAFLOW_BACKEND: 'reference' } });
    let stderr = '';
    let stdout = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!signalled && /^epoch 1\//m.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.ok(signalled, `training never reached epoch 1: ${stderr}`);
    return { status, stdout, stderr };
  }

  it('SIGINT stops training cleanly, says so, exits 130 and leaves a valid model', async () => {
    const { status, stdout, stderr } = await interruptAtEpoch1(['moons.csv', '--out', 'interrupted.safetensors', '--epochs', '100000',
      '--hidden', '32,32', '--lr', '1e-3', '--seed', '4']);
    assert.equal(status, 130, stderr);
    assert.match(stderr, /maflow: interrupted: saved the best model so far \(epoch \d+\) to interrupted\.safetensors/);
    assert.match(stdout, /stopped: interrupted/);
    const { logLikelihood } = await evalJson(at('interrupted.safetensors'));
    assert.ok(Number.isFinite(logLikelihood) && logLikelihood < 0);
    assert.deepEqual(readdirSync(temp.dir).filter((name) => name.endsWith('.tmp')), []);
  });

  it('SIGINT stops a temporal MAF\'s training the same way (it trains on the worker too)', async () => {
    const { status, stderr } = await interruptAtEpoch1(['moons.csv', '--out', 'seq.safetensors', '--flow', 'temporal-maf', '--window', '20',
      '--stride', '5', '--epochs', '100000', '--hidden', '16', '--encoder-units', '8', '--batch-size', '8', '--seed', '4']);
    assert.equal(status, 130, stderr);
    assert.match(stderr, /maflow: interrupted: saved the best model so far \(epoch \d+\) to seq\.safetensors/);
    const evaluated = await runInProcess(['eval', at('seq.safetensors'), at('moons.csv'), '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.ok(Number.isFinite((JSON.parse(evaluated.stdout) as { logLikelihood: number }).logLikelihood));
    assert.deepEqual(readdirSync(temp.dir).filter((name) => name.endsWith('.tmp')), []);
  });
});
