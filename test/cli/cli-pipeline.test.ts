/**
 * End to end, as a user runs it: `maflow` subprocesses (from the sources) on real files in a temp dir — train a small MAF
 * on two moons, then eval, logprob, sample, diagnose and plot the model, and run the quick demo.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { DENSITY_PLOT_SIZE, qqPlotSize } from '../../src/cli/plots/index.ts';
import { pngFileSize, runCli, tempDir } from './cli-harness.ts';

describe('maflow CLI pipeline (subprocess)', () => {
  const temp = tempDir('pipeline');
  const dir = temp.dir;
  let trainOutput = '';

  before(async () => {
    writeMatrix(join(dir, 'moons.csv'), twoMoons(1000, { rng: new Rng(7), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
    writeMatrix(join(dir, 'test.csv'), twoMoons(300, { rng: new Rng(8), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
    const result = await runCli(['train', 'moons.csv', '--out', 'model.safetensors', '--layers', '2', '--hidden', '16,16',
      '--epochs', '4', '--lr', '1e-3', '--seed', '3'], dir);
    assert.equal(result.status, 0, result.stderr);
    trainOutput = result.stdout + result.stderr;
  });
  after(() => temp.remove());

  it('train writes the model and reports the validation log-likelihood, with log lines when stderr is not a TTY', () => {
    assert.ok(existsSync(join(dir, 'model.safetensors')));
    const ll = /validation log-likelihood: (-?\d+\.\d+) nats/.exec(trainOutput);
    assert.ok(ll !== null, trainOutput);
    assert.ok(Number(ll[1]) < 0 && Number(ll[1]) > -5, `validation ll ${ll[1]}`);
    assert.match(trainOutput, /epoch 4\/4 +train loss/);
    assert.match(trainOutput, /model written to model\.safetensors \(maf trained on 1000 rows × 2 columns; backend (native \(\w+, \d threads?\)|reference)/);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), [], 'no temp files left');
  });

  it('eval --json gives a finite log-likelihood with a positive ±2 s.e. interval; logprob rows average to it', async () => {
    const evaluated = await runCli(['eval', 'model.safetensors', 'test.csv', '--json'], dir);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const summary = JSON.parse(evaluated.stdout) as Record<string, number>;
    assert.equal(summary.rows, 300);
    assert.equal(summary.dimensions, 2);
    assert.match(String(summary.backend), /^(native|reference)/);
    assert.ok(Number.isFinite(summary.logLikelihood) && summary.logLikelihood < 0);
    assert.ok(summary.twoStandardErrors > 0 && summary.twoStandardErrors < 1);
    assert.ok(Math.abs(summary.bitsPerDimension + summary.logLikelihood / (2 * Math.LN2)) < 1e-12);

    const logprob = await runCli(['logprob', 'model.safetensors', 'test.csv'], dir);
    assert.equal(logprob.status, 0, logprob.stderr);
    const values = logprob.stdout.trim().split('\n').map(Number);
    assert.equal(values.length, 300);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs(mean - summary.logLikelihood) < 1e-9, `logprob mean ${mean} vs eval ${summary.logLikelihood}`);
  });

  it('sample writes N rows with the model\'s columns, reproducibly with --seed', async () => {
    const first = await runCli(['sample', 'model.safetensors', '-n', '50', '--seed', '5', '--out', 'samples.csv'], dir);
    assert.equal(first.status, 0, first.stderr);
    const lines = readFileSync(join(dir, 'samples.csv'), 'utf8').trim().split('\n');
    assert.equal(lines[0], 'x1,x2');
    assert.equal(lines.length, 51);
    assert.ok(lines.slice(1).every((line) => line.split(',').map(Number).every(Number.isFinite)));
    const again = await runCli(['sample', 'model.safetensors', '-n', '50', '--seed', '5'], dir);
    assert.equal(again.stdout.trim(), lines.join('\n'));
  });

  it('diagnose reports per-dimension moments and KS statistics and writes the QQ plot', async () => {
    const result = await runCli(['diagnose', 'model.safetensors', 'test.csv', '--json', '--plot', 'qq.png'], dir);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { rows: number; dimensions: Record<string, number | string>[] };
    assert.equal(report.rows, 300);
    assert.deepEqual(report.dimensions.map((d) => d.column), ['x1', 'x2']);
    for (const d of report.dimensions) {
      for (const key of ['mean', 'std', 'skewness', 'excessKurtosis', 'ks', 'ksPValue']) assert.equal(typeof d[key], 'number', key);
      assert.ok((d.ks as number) > 0 && (d.ks as number) < 0.5, `KS ${d.ks}`);
      assert.ok(Math.abs(d.mean as number) < 0.5 && Math.abs((d.std as number) - 1) < 0.5, 'roughly standard normal');
    }
    assert.deepEqual(pngFileSize(join(dir, 'qq.png')), qqPlotSize(2));
  });

  it('plot draws the 2-D density beside samples and data at the density figure size', async () => {
    const result = await runCli(['plot', 'model.safetensors', '--out', 'density.png', '--data', 'moons.csv', '-n', '300'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(pngFileSize(join(dir, 'density.png')), DENSITY_PLOT_SIZE);
  });

  it('demo --quick trains on two moons and Figure 1, compares with the true −3.531 and writes plots and models', async () => {
    const result = await runCli(['demo', '--quick', '--out', 'demo'], dir);
    assert.equal(result.status, 0, result.stderr);
    const figure1 = /Figure 1 +test log-likelihood (-?\d+\.\d+) ± (\d+\.\d+) nats \(true density: -3\.531\)/.exec(result.stdout);
    assert.ok(figure1 !== null, result.stdout);
    assert.ok(Math.abs(Number(figure1[1]) + 3.531) < 0.5, `Figure-1 test ll ${figure1[1]}`);
    for (const name of ['two-moons', 'figure1']) {
      assert.deepEqual(pngFileSize(join(dir, 'demo', `${name}-density.png`)), DENSITY_PLOT_SIZE);
      assert.ok(existsSync(join(dir, 'demo', `${name}-loss.png`)));
      assert.ok(existsSync(join(dir, 'demo', `${name}.safetensors`)));
    }
  });
});
