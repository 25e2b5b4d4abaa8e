/**
 * The temporal MAF from the command line, as a user runs it: train on a 3-D .npy, a long-format CSV (string ids,
 * shuffled rows, ragged lengths, a covariate) and windows of one series; eval --json, logprob, sample --steps and
 * forecast on the models written; and the bad sequence inputs, each one clear line with exit status 2.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { sequences } from '../../src/core/sequences.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { encodeModel } from '../../src/io/model-codec.ts';
import { parseNpyArray } from '../../src/io/npy.ts';
import { encodeSequencesNpy } from '../../src/io/write-sequences.ts';
import { assertUserError, pngFileSize, runInProcess, tempDir } from './cli-harness.ts';

const { dir, remove } = tempDir('cli-sequences');
after(remove);
const at = (name: string) => join(dir, name);
const small = ['--layers', '1', '--hidden', '8', '--encoder-units', '4', '--epochs', '3', '--batch-size', '16', '--lr', '1e-2'];

function arPaths(count: number, steps: number, rng: Rng): number[][][] {
  return Array.from({ length: count }, () => {
    let x = rng.normal();
    let y = rng.normal();
    return Array.from({ length: steps }, () => {
      x = 0.8 * x + 0.3 * rng.normal();
      y = 0.5 * y + 0.4 * Math.sin(x) + 0.3 * rng.normal();
      return [x, y];
    });
  });
}

test('maflow train/eval/logprob/sample/forecast on a 3-D .npy of sequences', async () => {
  writeFileSync(at('seqs.npy'), encodeSequencesNpy(sequences(arPaths(60, 12, new Rng(1)), { dtype: 'float64' })));
  const train = await runInProcess(['train', at('seqs.npy'), '--out', at('npy.safetensors'), '--flow', 'temporal-maf', '--encoder', 'lstm', ...small, '--json',
    '--plot-loss', at('loss.png'), '--summary', at('summary.json'), '--ema-decay', '0.9']);
  assert.equal(train.status, 0, train.stderr);
  assert.equal(pngFileSize(at('loss.png')).width, 800);
  const summary = JSON.parse(train.stdout);
  assert.equal(readFileSync(at('summary.json'), 'utf8'), train.stdout, '--summary holds what --json prints');
  assert.equal(summary.command, 'train', 'the summary starts with the RunInfo fields, as every command\'s does');
  assert.equal(typeof summary.maflowVersion, 'string');
  assert.equal(summary.failed, false);
  assert.equal(summary.flow, 'temporal-maf');
  assert.deepEqual([summary.sequences, summary.steps, summary.features], [60, 12, 2]);
  const evaluated = await runInProcess(['eval', at('npy.safetensors'), at('seqs.npy'), '--json']);
  assert.equal(evaluated.status, 0, evaluated.stderr);
  const report = JSON.parse(evaluated.stdout);
  assert.equal(report.sequences, 60);
  assert.ok(Math.abs(report.logLikelihoodPerStep * 12 - report.logLikelihood) < 1e-9);
  assert.ok(report.twoStandardErrors > 0);
  const logprob = await runInProcess(['logprob', at('npy.safetensors'), at('seqs.npy')]);
  assert.equal(logprob.status, 0, logprob.stderr);
  const values = logprob.stdout.trim().split('\n').map(Number);
  assert.equal(values.length, 60);
  assert.ok(Math.abs(values.reduce((a, v) => a + v, 0) / 60 - report.logLikelihood) < 1e-9, 'eval is the mean of logprob');
  const sampled = await runInProcess(['sample', at('npy.safetensors'), '-n', '5', '--steps', '7', '--seed', '3', '--out', at('paths.npy')]);
  assert.equal(sampled.status, 0, sampled.stderr);
  assert.deepEqual(parseNpyArray(readFileSync(at('paths.npy'))).shape, [5, 7, 2]);
  const csv = await runInProcess(['sample', at('npy.safetensors'), '-n', '2', '--steps', '3', '--seed', '3']);
  assert.equal(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\n');
  assert.deepEqual([lines[0], lines.length], ['sequence,step,col0,col1', 7]);
  const forecast = await runInProcess(['forecast', at('npy.safetensors'), at('seqs.npy'), '--steps', '3', '-n', '4', '--seed', '5']);
  assert.equal(forecast.status, 0, forecast.stderr);
  const rows = forecast.stdout.trim().split('\n');
  assert.equal(rows[0], 'sequence,sample,step,col0,col1');
  assert.equal(rows.length, 1 + 60 * 4 * 3);
  assert.deepEqual(rows[1].split(',').slice(0, 3), ['0', '0', '1']);
  const again = await runInProcess(['forecast', at('npy.safetensors'), at('seqs.npy'), '--steps', '3', '-n', '4', '--seed', '5']);
  assert.equal(again.stdout, forecast.stdout, 'seeded');
  // Plots: sample paths beside data paths; a fan chart of forecasts against the truth.
  writeFileSync(at('future.npy'), encodeSequencesNpy(sequences(arPaths(60, 3, new Rng(7)), { dtype: 'float64' })));
  const fan = await runInProcess(['forecast', at('npy.safetensors'), at('seqs.npy'), '--steps', '3', '-n', '50', '--plot', at('fan.png'), '--truth', at('future.npy'), '--out', at('fc.npy')]);
  assert.equal(fan.status, 0, fan.stderr);
  assert.deepEqual(pngFileSize(at('fan.png')).width, 960);
  assert.deepEqual(parseNpyArray(readFileSync(at('fc.npy'))).shape, [3000, 3, 2]);
  const pathsPlot = await runInProcess(['sample', at('npy.safetensors'), '-n', '10', '--steps', '12', '--plot', at('paths.png'), '--plot-data', at('seqs.npy'), '--out', at('p.csv')]);
  assert.equal(pathsPlot.status, 0, pathsPlot.stderr);
  assert.deepEqual(pngFileSize(at('paths.png')), { width: 960, height: 400 });
  const text = await runInProcess(['eval', at('npy.safetensors'), at('seqs.npy')]);
  assert.match(text.stdout, /log-likelihood: -?\d+\.\d{4} ± \d+\.\d{4} nats per sequence \(mean ± 2 s\.e\. over 60 sequences\)\nper step: /);
});

test('maflow train on a long-format CSV (string ids, shuffled rows, ragged lengths, a covariate) and on windows of one series', async () => {
  const rng = new Rng(2);
  const paths = arPaths(40, 10, rng);
  const rows: string[] = [];
  paths.forEach((path, i) => path.slice(0, 6 + (i % 5)).forEach(([x, y], t) => rows.push(`s${i},${t * 10},${x},${y},${i % 2}`)));
  for (let i = rows.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  writeFileSync(at('long.csv'), `id,t,x,y,site\n${rows.join('\n')}\n`);
  const train = await runInProcess(['train', at('long.csv'), '--out', at('long.safetensors'), '--flow', 'temporal-maf', '--encoder', 'gru',
    '--sequence-column', 'id', '--time-column', 't', '--context-columns', 'site', ...small]);
  assert.equal(train.status, 0, train.stderr);
  assert.match(train.stdout, /trained a temporal MAF \(gru, 4 units\) on 40 sequences of up to 10 steps × 2 features/);
  const report = JSON.parse((await runInProcess(['eval', at('long.safetensors'), at('long.csv'), '--json'])).stdout);
  assert.equal(report.sequences, 40);
  assert.equal(report.steps, rows.length);
  assert.ok(Math.abs(report.logLikelihoodPerStep * rows.length / 40 - report.logLikelihood) < 1e-9);
  writeFileSync(at('site.csv'), 'site\n1\n');
  const sampled = await runInProcess(['sample', at('long.safetensors'), '-n', '3', '--steps', '4', '--context', at('site.csv'), '--out', at('long-paths.csv')]);
  assert.equal(sampled.status, 0, sampled.stderr);
  assert.equal(readFileSync(at('long-paths.csv'), 'utf8').split('\n')[0], 'sequence,step,x,y');
  const forecast = await runInProcess(['forecast', at('long.safetensors'), at('long.csv'), '--steps', '2', '-n', '2', '--out', at('fc.csv'), '--seed', '8', '--json']);
  assert.equal(forecast.status, 0, forecast.stderr);
  assert.match(readFileSync(at('fc.csv'), 'utf8'), /^sequence,sample,step,x,y\n"s\d+",0,1,/);
  const summary = JSON.parse(forecast.stdout);
  assert.deepEqual({ ...summary, wallSeconds: 0, backend: '', cpu: '', maflowVersion: '' }, {
    command: 'forecast', maflowVersion: '', backend: '', cpu: '', wallSeconds: 0, model: at('long.safetensors'), history: at('long.csv'),
    out: at('fc.csv'), plot: null, histories: 40, samplesPerHistory: 2, sequences: 80, steps: 2, dimensions: 2, seed: 8,
  });
  assert.equal(readFileSync(at('fc.csv'), 'utf8').trim().split('\n').length, 1 + 80 * 2, 'the summary counts what was written');
  assertUserError(await runInProcess(['forecast', at('long.safetensors'), at('long.csv'), '--steps', '2', '-n', '2', '--json']), /--json prints its summary on stdout: write the paths to a file with --out FILE/);

  const series = arPaths(1, 300, new Rng(3))[0];
  writeFileSync(at('series.csv'), `x,y\n${series.map(([x, y]) => `${x},${y}`).join('\n')}\n`);
  const windows = await runInProcess(['train', at('series.csv'), '--out', at('win.safetensors'), '--flow', 'temporal-maf', '--window', '20', '--stride', '10', ...small, '--json']);
  assert.equal(windows.status, 0, windows.stderr);
  assert.deepEqual([JSON.parse(windows.stdout).sequences, JSON.parse(windows.stdout).steps], [29, 20]);
  const report2 = JSON.parse((await runInProcess(['eval', at('win.safetensors'), at('series.csv'), '--json'])).stdout);
  assert.equal(report2.sequences, 29, 'eval cuts the windows the model was trained on');
  // A 3-D .npy is sequences whatever layout the model was trained on.
  writeFileSync(at('windows.npy'), encodeSequencesNpy(sequences(arPaths(7, 20, new Rng(4)), { dtype: 'float64' })));
  assert.equal(JSON.parse((await runInProcess(['eval', at('win.safetensors'), at('windows.npy'), '--json'])).stdout).sequences, 7);
});

test('bad sequence input: one clear line, exit status 2', async () => {
  const model = at('npy.safetensors');
  const header = "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }";
  const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  writeFileSync(at('ragged.npy'), Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]), Buffer.from(padded, 'latin1'), Buffer.alloc(16)]));
  assertUserError(await runInProcess(['train', at('ragged.npy'), '--out', at('x.safetensors'), '--flow', 'temporal-maf']),
    /ragged\.npy: an object array .*pad sequences to one length/);
  writeFileSync(at('no-time.csv'), 'id,t,x\na,1,0.5\na,,0.7\nb,1,2\n');
  assertUserError(await runInProcess(['train', at('no-time.csv'), '--out', at('x.safetensors'), '--flow', 'temporal-maf', '--sequence-column', 'id', '--time-column', 't']),
    /no-time\.csv: row 3, column 2 \("t"\): missing time value/);
  writeFileSync(at('dup.csv'), 'id,t,x\na,1,0.5\nb,1,2\na,1,0.7\n');
  assertUserError(await runInProcess(['train', at('dup.csv'), '--out', at('x.safetensors'), '--flow', 'temporal-maf', '--sequence-column', 'id', '--time-column', 't']),
    /dup\.csv: row 4, column 2 \("t"\): sequence "a" has two rows at time 1 \(rows 2 and 4\)/);
  writeFileSync(at('short.csv'), 'x\n1\n2\n3\n');
  assertUserError(await runInProcess(['train', at('short.csv'), '--out', at('x.safetensors'), '--flow', 'temporal-maf', '--window', '5']),
    /short\.csv: the series has 3 rows, shorter than the window of 5 steps \(--window\)/);
  assertUserError(await runInProcess(['eval', model, at('short.csv')]), /short\.csv: sequences need a layout/);
  assertUserError(await runInProcess(['sample', model, '-n', '3']), /a sequence model needs --steps T/);
  assertUserError(await runInProcess(['forecast', model, at('seqs.npy'), '--steps', '2', '-n', '2', '--truth', at('seqs.npy')]), /--truth is drawn on the fan chart: give --plot too/);
  assertUserError(await runInProcess(['sample', model, '-n', '3', '--steps', '2', '--plot', at('p.png')]), /--plot and --plot-data go together/);
  writeFileSync(at('maf.safetensors'), encodeModel(createMaf({ features: 2, layers: 1, hiddenUnits: [4], rng: new Rng(0) })));
  assertUserError(await runInProcess(['sample', at('maf.safetensors'), '-n', '3', '--steps', '2']), /--steps and --plot apply to sequence models \(temporal MAF\) only/);
  assertUserError(await runInProcess(['train', at('seqs.npy'), '--out', at('x.safetensors'), '--flow', 'temporal-maf', '--batch-norm']),
    /--batch-norm does not apply to --flow temporal-maf/);
  writeFileSync(at('rows.csv'), 'x,y\n1,2\n3,4\n5,6\n');
  assertUserError(await runInProcess(['train', at('rows.csv'), '--out', at('x.safetensors'), '--window', '2']), /--window applies to --flow temporal-maf only/);
});
