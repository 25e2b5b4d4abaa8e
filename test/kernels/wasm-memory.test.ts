/**
 * The wasm backend's memory: its allocator (first fit, neighbours merged), parameters and scratch of a flow made
 * while wasm is active living in the backend's linear memory, and a memory too small for the work still giving the
 * reference's numbers (buffers become ordinary arrays, calls that cannot fit run on the reference loops).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { withBackend } from '../../src/kernels/backend.ts';
import { referenceKernels } from '../../src/kernels/reference.ts';
import { loadWasmBackendSync } from '../../src/kernels/wasm-sync.ts';
import { WasmHeap } from '../../src/kernels/wasm-heap.ts';
import { parametersOf } from '../../src/nn/parameter.ts';

test('WasmHeap: 16-byte blocks, first fit, freed neighbours merge back into one block', () => {
  const heap = new WasmHeap(100, 100 + 16 * 10 + 12);
  const a = heap.allocate(1);
  const b = heap.allocate(40);
  const c = heap.allocate(16);
  assert.deepEqual([a, b, c], [112, 128, 176]);
  assert.equal(heap.bytesInUse, 16 + 48 + 16);
  assert.equal(heap.allocate(16 * 7), 0, 'no room left for 7 blocks');
  heap.release(b);
  assert.equal(heap.allocate(32), 128, 'first fit reuses the freed block');
  heap.release(a);
  heap.release(c);
  heap.release(128);
  assert.equal(heap.bytesInUse, 0);
  assert.equal(heap.allocate(16 * 10), 112, 'all blocks merged again');
});

test('a flow made on wasm keeps its parameters in the backend memory and computes what the reference does', () => {
  const wasm = loadWasmBackendSync({ memoryMiB: 16 });
  const x = matrix([[0.3, -1.2, 2], [1, 0.5, -0.7], [-2, 0.1, 0.4]]);
  const make = () => createMaf({ features: 3, layers: 2, hiddenUnits: [16, 16], rng: new Rng(3) });
  const flow = withBackend(wasm, make);
  const params = parametersOf(flow);
  // Value and gradient of every parameter in the one linear memory (views of the same buffer, not their own).
  assert.ok(params.every((p) => p.value.buffer === params[0].value.buffer && p.value.buffer.byteLength === 16 * 2 ** 20));
  assert.ok(wasm.bytesInUse >= 2 * params.reduce((n, p) => n + p.value.byteLength, 0), 'values and gradients in the memory');
  const reference = make();
  const a = withBackend(wasm, () => flow.logProb(x));
  const b = withBackend(referenceKernels, () => reference.logProb(x));
  for (let r = 0; r < 3; r++) assert.ok(Math.abs(a[r] - b[r]) < 1e-4, `row ${r}: wasm ${a[r]} vs reference ${b[r]}`);
  const s = withBackend(wasm, () => flow.sample(5, { rng: new Rng(9) }));
  const t = withBackend(referenceKernels, () => reference.sample(5, { rng: new Rng(9) }));
  for (let k = 0; k < s.data.length; k++) assert.ok(Math.abs(s.data[k] - t.data[k]) < 1e-4, `sample ${k}`);
});

test('a memory too small for the model still gives the reference numbers', () => {
  const wasm = loadWasmBackendSync({ memoryMiB: 1 });
  const make = () => createMaf({ features: 4, layers: 2, hiddenUnits: [300, 300], rng: new Rng(5) });
  const flow = withBackend(wasm, make); // ~1.5 MB of weights: the later parameters no longer fit and are plain arrays
  const reference = make();
  const rng = new Rng(1);
  const x = matrix(Array.from({ length: 200 }, () => [rng.normal(), rng.normal(), rng.normal(), rng.normal()]));
  const a = withBackend(wasm, () => flow.logProb(x));
  const b = withBackend(referenceKernels, () => reference.logProb(x));
  for (let r = 0; r < 200; r++) assert.ok(Math.abs(a[r] - b[r]) < 1e-3, `row ${r}: wasm ${a[r]} vs reference ${b[r]}`);
});
