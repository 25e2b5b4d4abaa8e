/**
 * The browser demo page (`demo/browser/`): its script bundles for browsers without Node built-ins and `index.html`
 * loads it by the bundle's name; the page's pure helpers (grid, colours, curve range, time-sliced training and
 * grid evaluation) behave as documented.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { test } from 'node:test';
import { Rng } from '../../src/index.ts';
import { buildDemo, DEMO_BUNDLE_NAME, DEMO_DIR } from '../../demo/browser/build-demo.mjs';
import { colorMap, densityToRgba } from '../../demo/browser/color-map.ts';
import { createDemoFlow } from '../../demo/browser/create-demo-flow.ts';
import { curveRange } from '../../demo/browser/curve-range.ts';
import { DEMO_DATASETS } from '../../demo/browser/demo-datasets.ts';
import { evaluateGrid, gridPoints } from '../../demo/browser/density-grid.ts';
import { LiveTrainer, referenceLogLik } from '../../demo/browser/live-trainer.ts';
import { axisTicks, plotRect, toCanvas } from '../../demo/browser/canvas-plots.ts';
import { ProgressiveGrid } from '../../demo/browser/progressive-grid.ts';
import { ProgressiveSampler } from '../../demo/browser/progressive-sampler.ts';
import { meanLogProb } from '../../src/index.ts';

/** A clock that advances `tick` ms per reading, so that time-budgeted loops run a known number of times. */
function fakeClock(tick: number): () => number {
  let t = 0;
  return () => (t += tick);
}

test('the demo script bundles for the browser without Node built-ins, and index.html loads it', async () => {
  const { code, path, files, warnings } = await buildDemo();
  assert.equal(basename(path), DEMO_BUNDLE_NAME);
  assert.deepEqual(warnings, []);
  for (const [name, text] of files) {
    assert.doesNotMatch(text, /require\(["'](node:)?(fs|path|os|child_process|worker_threads|module|url)["']\)|from ["']node:/,
      `the bundle must not import Node built-ins (${name})`);
  }
  assert.match(code, /requestAnimationFrame/);
  // Each build of the wasm kernels is a chunk of its own (the page fetches the one it instantiates), none in the entry.
  const chunks = [...files.keys()].filter((name) => name !== DEMO_BUNDLE_NAME);
  assert.deepEqual(chunks.map((name) => name.replace(/-\w+\.js$/, '')).sort(),
    ['maflow-kernels', 'maflow-kernels-relaxed', 'maflow-kernels-threads', 'maflow-kernels-threads-relaxed']);
  for (const name of chunks) assert.match(code, new RegExp(`import\\("\\./${name.replace('.', '\\.')}"\\)`), `the entry imports ${name}`);
  const base64Line = /["'][A-Za-z0-9+/]{100000,}/;
  assert.doesNotMatch(code, base64Line, 'the entry holds no binary');
  for (const name of chunks) assert.match(files.get(name)!, base64Line, `${name} holds its binary`);
  const html = readFileSync(resolve(DEMO_DIR, 'index.html'), 'utf8');
  assert.match(html, new RegExp(`<script type="module" src="\\./${DEMO_BUNDLE_NAME.replace('.', '\\.')}">`));
  for (const id of ['dataset', 'flow', 'size', 'seed', 'train', 'reset', 'data-canvas', 'density-canvas', 'samples-canvas',
    'curve-canvas', 'stat-epoch', 'stat-validation', 'stat-speed', 'status', 'stat-reference', 'stat-reference-row',
    'key-reference']) {
    assert.match(html, new RegExp(`id="${id}"`), `index.html has #${id}, which main.ts looks up`);
  }
});

test('gridPoints lays cell centres out in image order (top row first)', () => {
  const g = gridPoints({ x: [0, 4], y: [0, 2] }, 4, 2);
  assert.equal(g.rows, 8);
  assert.deepEqual(Array.from(g.data.subarray(0, 4)), [0.5, 1.5, 1.5, 1.5]); // top-left, then one to the right
  assert.deepEqual(Array.from(g.data.subarray(14, 16)), [3.5, 0.5]); // bottom-right
  assert.throws(() => gridPoints({ x: [0, 1], y: [0, 1] }, 0, 3), /gridPoints: expected positive integer width and height, got 0 × 3/);
});

test('evaluateGrid and ProgressiveGrid give the same values as one call over all points', () => {
  const points = gridPoints({ x: [-1, 1], y: [-1, 1] }, 7, 5);
  const f = (m: { rows: number; data: ArrayLike<number> }): Float64Array =>
    Float64Array.from({ length: m.rows }, (_, r) => -(m.data[2 * r] ** 2) - 3 * m.data[2 * r + 1]);
  const whole = f(points);
  assert.deepEqual(evaluateGrid(points, f, 4), whole);
  const grid = new ProgressiveGrid(points, { chunkRows: 4, now: fakeClock(1) });
  let done: Float64Array | null = null;
  let calls = 0;
  while (done === null) {
    done = grid.advance(f, 2); // clock ticks 1 ms per reading: two chunks per call
    calls++;
  }
  assert.deepEqual(done, whole);
  assert.equal(calls, Math.ceil(35 / 8));
  assert.equal(grid.progress, 0, 'a finished pass starts over');
  assert.throws(() => new ProgressiveGrid(points).advance(() => new Float64Array(3), 1), /expected 35 log-densities from logDensity, got 3/);
});

test('colorMap runs dark to bright, and densityToRgba scales by the maximum without overflow', () => {
  assert.deepEqual(colorMap(0), [0, 0, 4]);
  assert.deepEqual(colorMap(1), [252, 253, 191]);
  assert.deepEqual(colorMap(-2), colorMap(0));
  assert.deepEqual(colorMap(Number.NaN), colorMap(0));
  const brightness = (t: number): number => colorMap(t).reduce((a, b) => a + b, 0);
  for (let k = 0; k < 20; k++) assert.ok(brightness((k + 1) / 20) > brightness(k / 20), `brighter at ${(k + 1) / 20}`);

  // Log-densities far beyond exp's range still map by their difference from the maximum.
  const logDensity = Float64Array.from([1000, 1000 + 2 * Math.log(0.25), -Infinity, Number.NaN]);
  const { rgba, maxLogDensity } = densityToRgba(logDensity, new Uint8ClampedArray(16), { gamma: 0.5 });
  assert.equal(maxLogDensity, 1000);
  assert.deepEqual(Array.from(rgba.subarray(0, 4)), [...colorMap(1), 255]);
  assert.deepEqual(Array.from(rgba.subarray(4, 8)), [...colorMap(0.25), 255]); // (p/max)^0.5 = (1/16)^0.5
  assert.deepEqual(Array.from(rgba.subarray(8, 12)), [...colorMap(0), 255]);
  assert.deepEqual(Array.from(rgba.subarray(12, 16)), [...colorMap(0), 255]);
  assert.throws(() => densityToRgba(logDensity, new Uint8ClampedArray(15)), /expected out of length 16 \(4 × 4\), got 15/);
});

test('curveRange pads the values and cuts off a far-away first epoch', () => {
  const [lo, hi] = curveRange([-3, -2, -1.5, -1.4], -1.3);
  assert.ok(lo < -3 && lo > -3.2 && hi > -1.3 && hi < -1.1, `[${lo}, ${hi}]`);
  const [cutLo] = curveRange([-500, -2, -1.9, -1.8, -1.7]);
  assert.ok(cutLo > -5 && cutLo < -4, `one bad epoch does not set the range: ${cutLo}`);
  assert.deepEqual(curveRange([Number.NaN]), [-1, 0]);
});

test('LiveTrainer trains in time slices and improves the validation log-likelihood (original units)', () => {
  const generated = DEMO_DATASETS.ring.generate(600, new Rng(0));
  const flow = createDemoFlow({ kind: 'maf', size: 'small', rng: new Rng(1) });
  const trainer = new LiveTrainer(flow, generated.data, { rng: new Rng(2), batchSize: 60, now: fakeClock(1) });
  assert.equal(trainer.train.rows, 480);
  const firstSlice = trainer.run(3); // 1 ms per clock reading: 3 steps
  assert.equal(trainer.step, 3);
  assert.deepEqual(firstSlice, []);
  let epochs = 0;
  while (trainer.epoch < 25) epochs += trainer.run(8).length;
  assert.equal(epochs, trainer.epoch);
  assert.equal(trainer.epoch, Math.floor(trainer.step / 8), 'an epoch is ⌊480 / 60⌋ = 8 steps');
  const first = trainer.history[0].validationLogLik;
  const last = trainer.history.at(-1)!.validationLogLik;
  const exact = referenceLogLik(generated.logProb, trainer.validationData());
  assert.ok(last > first + 0.5, `validation log-likelihood improved: ${first} → ${last}`);
  assert.ok(last < exact + 0.3, `it stays below the exact density's ${exact} (up to noise): ${last}`);
  assert.ok(trainer.rowsPerSecond > 0, 'throughput is measured');

  // logDensity is the flow's own, in original units: a Standardize fitted to the training rows is the data end of its
  // chain, so log p(x) = log p̃((x − mean)/std) − Σ log std with no correction outside the flow.
  const lp = trainer.logDensity(trainer.validationData());
  assert.deepEqual(Array.from(lp), Array.from(trainer.flow.logProb(trainer.validation)));
  const standardized = flow.logProb(trainer.standardize.inverse(trainer.validation));
  const logStd = Math.log(trainer.standardize.std[0]) + Math.log(trainer.standardize.std[1]);
  for (let r = 0; r < lp.length; r += 17) {
    assert.ok(Math.abs(lp[r] - (standardized[r] - logStd)) < 1e-4, `row ${r}: ${lp[r]} vs ${standardized[r] - logStd}`);
  }
  const samples = trainer.sample(400, new Rng(3));
  let radius = 0;
  for (let r = 0; r < samples.rows; r++) radius += Math.hypot(samples.data[2 * r], samples.data[2 * r + 1]) / samples.rows;
  assert.ok(Math.abs(radius - 2) < 0.5, `samples lie near the ring of radius 2: mean radius ${radius}`);
  assert.throws(() => new LiveTrainer(flow, { rows: 4, cols: 3, data: new Float32Array(12) }, { rng: new Rng(0) }),
    /LiveTrainer: expected data \[n, 2\], got \[4, 3\]/);
});

test('createDemoFlow builds every kind and size the page offers, and rejects unknown ones', () => {
  for (const kind of ['maf', 'realnvp', 'nsf'] as const) {
    for (const size of ['small', 'medium', 'large'] as const) {
      const flow = createDemoFlow({ kind, size, rng: new Rng(0) });
      const lp = flow.logProb(gridPoints({ x: [-1, 1], y: [-1, 1] }, 2, 2));
      assert.ok(lp.every(Number.isFinite), `${kind} ${size} gives finite log-densities`);
    }
  }
  assert.throws(() => createDemoFlow({ kind: 'glow' as 'maf', size: 'small', rng: new Rng(0) }), /unknown kind 'glow'/);
});

test('the snapshot is a frozen copy: training on does not change what a heatmap pass or a set of samples shows', () => {
  const generated = DEMO_DATASETS.moons.generate(400, new Rng(0));
  const trainer = new LiveTrainer(createDemoFlow({ kind: 'maf', size: 'small', rng: new Rng(1) }), generated.data,
    { rng: new Rng(2), batchSize: 50, now: fakeClock(1) });
  trainer.run(5);
  const points = gridPoints(DEMO_DATASETS.moons.view, 6, 5);
  const snapshot = trainer.snapshot();
  const atSnapshot = trainer.logDensity(points);
  assert.deepEqual(snapshot.logProb(points), atSnapshot, 'the snapshot evaluates as the flow did when it was taken');
  trainer.run(10);
  assert.deepEqual(snapshot.logProb(points), atSnapshot, 'unchanged by later optimiser steps');
  assert.notDeepEqual(trainer.logDensity(points), atSnapshot, 'while the live flow moved on');
});

test('LiveTrainer scores the validation rows in slices between steps, to the same mean as one call', () => {
  const generated = DEMO_DATASETS.ring.generate(500, new Rng(0));
  const trainer = new LiveTrainer(createDemoFlow({ kind: 'maf', size: 'small', rng: new Rng(1) }), generated.data,
    { rng: new Rng(2), batchSize: 50, validationChunkRows: 30, now: fakeClock(1) });
  assert.equal(trainer.validation.rows, 100);
  let calls = 0;
  let epochs: ReturnType<LiveTrainer['run']> = [];
  while (epochs.length === 0) {
    epochs = trainer.run(1); // one unit of work per call: a step or a validation chunk
    calls++;
  }
  assert.equal(calls, 8 + 4, 'an epoch is ⌊400 / 50⌋ = 8 steps, then ⌈100 / 30⌉ = 4 validation chunks');
  // No step has run since: the flow still has the parameters the chunks were scored with.
  assert.ok(Math.abs(epochs[0].validationLogLik - meanLogProb(trainer.flow, trainer.validation)) < 1e-9);
  assert.equal(trainer.step, 8);
});

test('ProgressiveSampler draws a set in chunks within its budget and returns it whole', () => {
  let drawn = 0;
  const sample = (n: number) => {
    const data = Float64Array.from({ length: 2 * n }, (_, k) => drawn + Math.floor(k / 2));
    drawn += n;
    return { rows: n, cols: 2, data };
  };
  const sampler = new ProgressiveSampler(10, { chunkRows: 3, now: fakeClock(1) });
  assert.equal(sampler.advance(sample, 2), null, 'two chunks of 3 in the first call');
  assert.ok(sampler.busy);
  const done = sampler.advance(sample, 2);
  assert.ok(done !== null && done.rows === 10);
  assert.deepEqual(Array.from(done.data.filter((_, k) => k % 2 === 0)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(!sampler.busy, 'the next call starts a new set');
  assert.throws(() => new ProgressiveSampler(4).advance(() => ({ rows: 1, cols: 2, data: new Float64Array(2) }), 1),
    /expected 4 samples from sample, got 1/);
});

test('panel axes: the view maps onto the plot area inside the margins, with round ticks inside it', () => {
  const rect = plotRect(300, 300);
  const view = DEMO_DATASETS.figure1.view; // x [-4, 12], y [-7, 7]
  assert.deepEqual(toCanvas(rect, view, -4, 7), [rect.x, rect.y], 'top-left corner');
  assert.deepEqual(toCanvas(rect, view, 12, -7), [rect.x + rect.width, rect.y + rect.height], 'bottom-right corner');
  const ticks = axisTicks(rect, view);
  assert.ok(ticks.x.length >= 3 && ticks.y.length >= 3, `${ticks.x.length} x and ${ticks.y.length} y ticks`);
  for (const t of ticks.x) assert.ok(t.at >= rect.x && t.at <= rect.x + rect.width && /^-?\d+$/.test(t.label), JSON.stringify(t));
  for (const t of ticks.y) assert.ok(t.at >= rect.y && t.at <= rect.y + rect.height, JSON.stringify(t));
  assert.ok(ticks.y.some((t) => t.label === '0'), 'y = 0 is a tick');
});
