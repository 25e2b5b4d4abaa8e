/**
 * What `maflow train` tells a script and a person about its run: `--max-time` stops like early stopping and writes
 * the best model so far, `--plot-loss` writes the loss curves as a PNG, `--json` / `--summary` give the run's summary
 * as one JSON object (json-summary.ts), and bad values or clashing files are refused before any work.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { VERSION } from '../../src/core/version.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import type { TrainSummary } from '../../src/cli/train-summary.ts';
import { assertUserError, runInProcess, tempDir } from './cli-harness.ts';

/** Decodes a PNG's chunks (checking every CRC) and its image data size: a file any viewer opens. */
function assertValidPng(path: string): { width: number; height: number } {
  const png = readFileSync(path);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Uint8Array): number => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const types: string[] = [];
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  let bytesPerPixel = 0;
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    const body = png.subarray(at + 8, at + 8 + length);
    assert.equal(png.readUInt32BE(at + 8 + length), crc(png.subarray(at + 4, at + 8 + length)), `CRC of chunk ${type}`);
    types.push(type);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      assert.equal(body[8], 8, 'bit depth 8');
      bytesPerPixel = ({ 2: 3, 6: 4, 0: 1, 4: 2 } as Record<number, number>)[body[9]];
    }
    if (type === 'IDAT') idat.push(body);
    at += 12 + length;
  }
  assert.equal(types[0], 'IHDR');
  assert.equal(types.at(-1), 'IEND');
  assert.equal(inflateSync(Buffer.concat(idat)).length, height * (1 + width * bytesPerPixel), 'image data: one filter byte and a row of pixels per row');
  return { width, height };
}

describe('maflow train: --max-time, --plot-loss, --json and --summary', () => {
  const temp = tempDir('run-summary');
  const at = (name: string): string => join(temp.dir, name);
  const TRAIN = ['--layers', '2', '--hidden', '16,16', '--lr', '3e-3', '--seed', '1'];

  before(() => {
    writeMatrix(at('moons.csv'), twoMoons(500, { rng: new Rng(2), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
    writeMatrix(at('valid.csv'), twoMoons(200, { rng: new Rng(3), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
  });
  after(() => temp.remove());

  it('--max-time stops a long run when spent and writes the best model so far, which the summary and the plot describe', async () => {
    const result = await runInProcess(['train', at('moons.csv'), '--validation-data', at('valid.csv'), '--out', at('timed.safetensors'),
      '--epochs', '100000', '--patience', '100000', '--max-time', '1.5s', '--json', '--summary', at('run.json'),
      '--plot-loss', at('loss.png'), ...TRAIN]);
    assert.equal(result.status, 0, result.stderr);
    // stdout holds the JSON object alone; the text summary and the progress went to stderr.
    assert.equal(result.stdout.split('\n').length, 2, 'one line');
    assert.equal(readFileSync(at('run.json'), 'utf8'), result.stdout, '--summary writes the same object');
    const summary = JSON.parse(result.stdout) as TrainSummary;
    assert.equal(summary.stoppedBy, 'time');
    assert.equal(summary.stopReason, 'time budget spent (--max-time 0:02)');
    assert.equal(summary.failed, false);
    assert.equal(summary.maxTimeSeconds, 1.5);
    assert.ok(summary.trainingSeconds >= 1.5 && summary.trainingSeconds < 10, `trained ${summary.trainingSeconds} s`);
    assert.ok(summary.epochs >= 2 && summary.epochs < 100000, `${summary.epochs} epochs`);
    assert.match(result.stderr, /stopped: time budget spent \(--max-time 0:02\)\)/);
    assert.match(result.stderr, /model written to .*timed\.safetensors/);

    // The model written is the best epoch's: eval on the validation file gives its validation log-likelihood.
    const best = summary.history.reduce((a, b) => (b.validationLogLikelihood > a.validationLogLikelihood ? b : a));
    assert.equal(summary.bestEpoch, best.epoch);
    assert.equal(summary.validationLogLikelihood, best.validationLogLikelihood);
    const evaluated = await runInProcess(['eval', at('timed.safetensors'), at('valid.csv'), '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const { logLikelihood } = JSON.parse(evaluated.stdout) as { logLikelihood: number };
    assert.ok(Math.abs(logLikelihood - summary.validationLogLikelihood) < 1e-6, `${logLikelihood} vs ${summary.validationLogLikelihood}`);

    const { width, height } = assertValidPng(at('loss.png'));
    assert.ok(width >= 400 && height >= 200, `${width} × ${height}`);
  });

  it('--json prints every field of the summary, with the run\'s numbers', async () => {
    const result = await runInProcess(['train', at('moons.csv'), '--out', at('short.safetensors'), '--epochs', '3', '--json', ...TRAIN]);
    assert.equal(result.status, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as TrainSummary;
    assert.deepEqual(Object.keys(summary).sort(), ['backend', 'bestEpoch', 'command', 'contextDimensions', 'cpu', 'data', 'dimensions',
      'epochs', 'failed', 'flow', 'history', 'initialValidationLogLikelihood', 'maflowVersion', 'maxEpochs', 'maxTimeSeconds', 'model',
      'rows', 'stopReason', 'stoppedBy', 'trainingLogLikelihood', 'trainingRows', 'trainingSeconds', 'validationData',
      'validationLogLikelihood', 'validationRows', 'wallSeconds']);
    assert.equal(summary.command, 'train');
    assert.equal(summary.maflowVersion, VERSION);
    assert.match(summary.backend, /^reference/);
    assert.ok(summary.cpu.length > 0);
    assert.deepEqual([summary.model, summary.data, summary.validationData, summary.flow], [at('short.safetensors'), at('moons.csv'), null, 'maf']);
    assert.deepEqual([summary.rows, summary.dimensions, summary.contextDimensions, summary.trainingRows, summary.validationRows], [500, 2, 0, 450, 50]);
    assert.deepEqual([summary.epochs, summary.maxEpochs, summary.stoppedBy, summary.stopReason, summary.maxTimeSeconds], [3, 3, 'epochs', 'reached --epochs', null]);
    assert.deepEqual(summary.history.map((h) => h.epoch), [1, 2, 3]);
    const best = summary.history.find((h) => h.epoch === summary.bestEpoch)!;
    assert.equal(summary.trainingLogLikelihood, best.trainingLogLikelihood);
    assert.equal(summary.validationLogLikelihood, best.validationLogLikelihood);
    assert.ok(summary.validationLogLikelihood > summary.initialValidationLogLikelihood, 'training improved on the initial model');
    assert.ok(summary.wallSeconds >= summary.trainingSeconds && summary.trainingSeconds > 0);
    assert.match(result.stderr, /^epoch 1\/3 .*ETA/m, 'progress on stderr');
    assert.match(result.stderr, /validation log-likelihood: .* \(best epoch \d of 3; stopped: reached --epochs\)/, 'the text summary on stderr');
    assert.ok(!existsSync(at('short.json')));
  });

  it('a failed run still prints its summary (failed, no model) before exiting with status 3', async () => {
    const result = await runInProcess(['train', at('moons.csv'), '--out', at('failed.safetensors'), '--epochs', '5', '--json', ...TRAIN, '--lr', '10']);
    assert.equal(result.status, 3, result.stderr);
    const summary = JSON.parse(result.stdout) as TrainSummary;
    assert.ok(['divergence', 'exploded', 'no-improvement'].includes(summary.stoppedBy), summary.stoppedBy);
    assert.deepEqual([summary.failed, summary.model, summary.stopReason], [true, null, `training failed (${summary.stoppedBy})`]);
    assert.ok(result.stderr.trimEnd().split('\n').at(-1)!.startsWith(`maflow: training failed (${summary.stoppedBy})`), result.stderr);
  });

  it('a bad --max-time is refused with one line and exit status 2', async () => {
    for (const value of ['10x', '0', '-5', '', 'm', '1e3', '5 m', 'Infinity']) {
      const result = await runInProcess(['train', at('moons.csv'), '--out', at('never.safetensors'), '--max-time', value]);
      assertUserError(result, /--max-time/, /expected a duration > 0: seconds \(90\) or a number with units h, m, s \(90s, 10m, 1\.5h, 1h30m\)/);
    }
    assert.ok(!existsSync(at('never.safetensors')));
  });

  it('--plot-loss and --summary never replace an input or another output', async () => {
    assertUserError(await runInProcess(['train', at('moons.csv'), '--out', at('g.safetensors'), '--plot-loss', at('moons.csv')]),
      /--plot-loss .*moons\.csv: is the same file as the training data/);
    assertUserError(await runInProcess(['train', at('moons.csv'), '--out', at('g.safetensors'), '--summary', at('g.safetensors')]),
      /--summary .*g\.safetensors: is the same file as --out/);
    assertUserError(await runInProcess(['train', at('moons.csv'), '--out', at('g.safetensors'), '--plot-loss', at('x.png'), '--summary', at('x.png')]),
      /--summary .*x\.png: is the same file as --plot-loss/);
  });
});
