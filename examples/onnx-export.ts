/**
 * Scoring at scale with ONNX: train a MAF on the UCI wine data with the `maflow` command, export it with
 * `maflow export --onnx`, and score the test rows in ONNX Runtime — the same log-densities as `maflow logprob`, now
 * from an engine that Spark, Triton and the browser (onnxruntime-web) run too. Then draw from the exported sampling
 * graph by feeding it standard normals, as a serving system would. Needs `onnxruntime-node`
 * (`npm install onnxruntime-node`).
 *
 * Run: npx tsx examples/onnx-export.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readMatrix, Rng, splitValidation, writeMatrix } from 'maflow';
import { DATA_DIR, QUICK, maflow, workDir } from './support.ts';

const work = workDir('onnx');
const { matrix: data, columns } = readMatrix(join(DATA_DIR, 'wine.csv'), { dtype: 'float64' });
const { train, validation: test } = splitValidation(data, { fraction: 0.25, rng: new Rng(7) });
writeMatrix(join(work, 'train.csv'), train, { columns });
writeMatrix(join(work, 'test.csv'), test, { columns });

maflow(['train', 'train.csv', '-o', 'wine.safetensors', '--hidden', '16,16', '--layers', '2', '--no-batch-norm',
  '--lr', '3e-3', '--batch-size', '32', '--epochs', QUICK ? '20' : '200', '--patience', '30', '--seed', '1'], work);
process.stdout.write(maflow(['export', 'wine.safetensors', '--onnx', 'wine.onnx', '--onnx-sample', 'wine-sampler.onnx'], work));

// The log-density graph: x [n, 13] float32 in the data's own units (the standardization is inside) → log_prob [n].
const session = await ort.InferenceSession.create(readFileSync(join(work, 'wine.onnx')));
const x = new ort.Tensor('float32', Float32Array.from(test.data), [test.rows, test.cols]);
const { log_prob: logProb } = await session.run({ x });
const expected = maflow(['logprob', 'wine.safetensors', 'test.csv'], work).trim().split('\n').map(Number);
const scores = logProb.data as Float32Array;
let worst = 0;
expected.forEach((v, r) => { worst = Math.max(worst, Math.abs(scores[r] - v) / Math.max(1, Math.abs(v))); });
console.log(`ONNX Runtime scored ${scores.length} test rows; mean log-density ${(scores.reduce((a, b) => a + b, 0) / scores.length).toFixed(3)}; ` +
  `largest relative difference from maflow logprob: ${worst.toExponential(1)}`);
if (!(worst < 1e-5)) throw new Error('ONNX Runtime and maflow disagree');

// The sampling graph: noise [n, 13] standard normals → samples [n, 13] (data units) and their log_prob [n].
const n = 5;
const rng = new Rng(3);
const noise = new ort.Tensor('float32', Float32Array.from({ length: n * columns.length }, () => rng.normal()), [n, columns.length]);
const sampler = await ort.InferenceSession.create(readFileSync(join(work, 'wine-sampler.onnx')));
const draws = await sampler.run({ noise });
const samples = draws.samples.data as Float32Array;
console.log(`${n} draws from the sampling graph (first columns ${columns.slice(0, 3).join(', ')}):`);
for (let r = 0; r < n; r++) console.log(`  ${Array.from(samples.subarray(r * columns.length, r * columns.length + 3), (v) => v.toFixed(2)).join(', ')}  log_prob ${(draws.log_prob.data as Float32Array)[r].toFixed(2)}`);
