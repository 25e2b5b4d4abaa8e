/**
 * The examples gallery (`examples/`) runs as a user runs it — `tsx examples/<name>.ts`, importing 'maflow' — on small
 * data (`MAFLOW_EXAMPLES_QUICK=1`), with its figures written to a temporary directory and `maflow` commands run from
 * this checkout's sources. Each test checks what the example itself prints.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { transpiledPath } from '../helpers/transpiled-sources.ts';

const root = resolve(import.meta.dirname, '../..');
const figures = mkdtempSync(join(tmpdir(), 'maflow-examples-'));
after(() => rmSync(figures, { recursive: true, force: true }));
const tsx = import.meta.resolve('tsx');
/** `maflow` commands inside the examples run this checkout's sources, transpiled (fast to start; see the helper). */
const cli = `${process.execPath} ${transpiledPath('src/cli/main.ts')}`;

/** Runs an example; resolves with its stdout once it exits with status 0. */
function runExample(name: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, join('examples', `${name}.ts`)], {
      cwd: root,
      env: { ...process.env, MAFLOW_EXAMPLES_QUICK: '1', MAFLOW_EXAMPLES_OUT: figures, MAFLOW_CLI: cli },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (status) => {
      if (status === 0) resolvePromise(stdout);
      else reject(new Error(`examples/${name}.ts exited with ${status}:\n${stdout}\n${stderr.slice(-3000)}`));
    });
  });
}

/** The numbers captured by `pattern` in `text` (which must match). */
function numbers(text: string, pattern: RegExp): number[] {
  const match = pattern.exec(text);
  assert.ok(match !== null, `expected ${pattern} in:\n${text}`);
  return match.slice(1).map(Number);
}

const figure = (name: string): void => assert.ok(existsSync(join(figures, name)), `${name} was written`);

describe('examples', { concurrency: 2 }, () => {
  it('wine-density-cli: the MAF models the typical test row better than independent Gaussians', async () => {
    const out = await runExample('wine-density-cli');
    const [mafMean, mafMedian, gaussianMean, gaussianMedian] = numbers(out,
      /MAF mean (-?[\d.]+), median (-?[\d.]+); independent Gaussians mean (-?[\d.]+), median (-?[\d.]+)/);
    assert.ok(mafMedian > gaussianMedian + 1, `median row: MAF ${mafMedian} vs Gaussians ${gaussianMedian}`);
    assert.ok(Number.isFinite(mafMean) && Number.isFinite(gaussianMean));
    assert.match(out, /"rowsBelowTrainingMinimum":\d+/, 'eval --json reports its tail');
    figure('wine-pairs.png');
    figure('wine-qq.png');
  });

  it('wine-density-library: fit, save, load and score the test rows', async () => {
    const out = await runExample('wine-density-library');
    const [, median] = numbers(out, /test log-likelihood \(nats\): mean (-?[\d.]+), median (-?[\d.]+) over 45 rows/);
    assert.ok(median > -21, `median test row ${median} nats (independent Gaussians: about −22)`);
    figure('wine-library-pairs.png');
  });

  it('conditional-density: near the exact p(x | y), and samples at chosen contexts land where they should', async () => {
    const out = await runExample('conditional-density');
    const [model, exact] = numbers(out, /conditional MAF (-?[\d.]+), exact (-?[\d.]+)/);
    assert.ok(model > exact - 0.6 && model < exact + 0.1, `test log-likelihood ${model} vs exact ${exact}`);
    for (const y of [-1, 0, 1]) {
      const [angle, radius] = numbers(out, new RegExp(`at y = +${y.toFixed(1)}: sample angle (-?[\\d.]+) ± [\\d.]+ .*radius (-?[\\d.]+)`));
      assert.ok(Math.abs(angle - y) < 0.2 && Math.abs(radius - 2) < 0.15, `y = ${y}: angle ${angle}, radius ${radius}`);
    }
    figure('conditional-density.png');
  });

  it('anomaly-scoring: validation thresholds catch most malignant rows at few false alarms', async () => {
    const out = await runExample('anomaly-scoring');
    const [below, rows] = numbers(out, /maflow eval: (\d+) of (\d+) malignant rows score below/);
    assert.ok(rows === 212 && below > 100, `${below} of ${rows} malignant rows below the training minimum`);
    const [falseAlarms, detected] = numbers(out, /5 % quantile .*false alarms ([\d.]+) % of benign test rows, detected ([\d.]+) %/);
    assert.ok(falseAlarms < 15 && detected > 50, `false alarms ${falseAlarms} %, detected ${detected} %`);
    const [auc] = numbers(out, /AUC \(malignant below benign\): ([\d.]+)/);
    assert.ok(auc > 0.85, `AUC ${auc}`);
    figure('anomaly-scores.png');
  });

  it('variational-inference: the IAF matches the banana posterior (KL, means, spreads)', async () => {
    const out = await runExample('variational-inference');
    const [kl] = numbers(out, /KL\(q ‖ p\) = (-?[\d.]+) nats/);
    assert.ok(kl > -0.05 && kl < 0.2, `KL(q ‖ p) ≈ ${kl}`);
    for (const c of [1, 2]) {
      const [qMean, qStd, mean, std] = numbers(out, new RegExp(`θ${c}: q mean (-?[\\d.]+), std ([\\d.]+); exact mean (-?[\\d.]+), std ([\\d.]+)`));
      assert.ok(Math.abs(qMean - mean) < 0.2 && Math.abs(qStd / std - 1) < 0.25, `θ${c}: q ${qMean} ± ${qStd}, exact ${mean} ± ${std}`);
    }
    figure('variational-inference.png');
  });

  it('invert-conditional-maf: every method converges on every row to the exact inverse; a starved one says so', async () => {
    const out = await runExample('invert-conditional-maf');
    for (const method of ['fixed-point', 'newton', 'broyden', 'bisection']) {
      const [residual, converged, rows, deviation] = numbers(out,
        new RegExp(`${method} +\\d+ +[\\d.]+ / \\d+ +([\\d.e+-]+) +(\\d+)/(\\d+) +([\\d.e+-]+)`));
      // Broyden may leave a row just above the tolerance (and says so): the others converge on every row.
      const needed = method === 'broyden' ? 0.98 * rows : rows;
      assert.ok(converged >= needed && residual < 1e-8 && deviation < 1e-8, `${method}: ${converged}/${rows}, residual ${residual}, deviation ${deviation}`);
    }
    const [failed] = numbers(out, /newton with maxIterations 1: (\d+) of \d+ rows not converged/);
    assert.ok(failed > 0);
  });

  it('embed-in-web-page: the bundled page script scores like the Node library', async () => {
    const out = await runExample('embed-in-web-page');
    const [difference] = numbers(out, /largest relative difference between the page and Node: ([\d.e+-]+)/);
    assert.ok(difference < 1e-5, `page vs Node: ${difference} (float32 rounding allowed)`);
  });

  it('temporal-forecast: near the exact transition density, and the 90 % band holds most of what followed', async () => {
    const out = await runExample('temporal-forecast');
    const [model, exact] = numbers(out, /per-step test log-likelihood: temporal MAF (-?[\d.]+), exact (-?[\d.]+) nats/);
    assert.ok(model > exact - 0.1 && model < exact + 0.05, `per step: temporal MAF ${model} vs exact ${exact}`);
    const [coverage] = numbers(out, /the 90 % forecast band holds ([\d.]+) % of the/);
    assert.ok(coverage > 75 && coverage < 98, `coverage ${coverage} %`);
    figure('temporal-forecast.png');
  });

  it('onnx-export: ONNX Runtime scores the exported model as maflow logprob does, and its sampler draws', async () => {
    const out = await runExample('onnx-export');
    const [rows, difference] = numbers(out, /ONNX Runtime scored (\d+) test rows; mean log-density -?[\d.]+; largest relative difference from maflow logprob: ([\d.e+-]+)/);
    assert.equal(rows, 45);
    assert.ok(difference < 1e-5, `ONNX Runtime vs maflow: ${difference}`);
    const draws = out.split('\n').filter((line) => /^ +-?[\d.]+, -?[\d.]+, -?[\d.]+ +log_prob -?[\d.]+$/.test(line));
    assert.equal(draws.length, 5, out);
  });
});
