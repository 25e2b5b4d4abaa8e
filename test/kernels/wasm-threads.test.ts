/**
 * How many threads the wasm backend takes and why: every logical processor where workers and SharedArrayBuffer exist,
 * the number asked for, one where no platform starts workers (and a clear error when more are asked for there), one
 * from the synchronous loader; and a large call shared with the workers gives the single-threaded result exactly; a
 * small network's fused pass stays on the calling thread, a large one's rows are shared. Which build it loads: relaxed
 * SIMD where the engine validates it, SIMD128 when asked or elsewhere.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { withBackend } from '../../src/kernels/backend.ts';
import { loadWasmBackend, wasmRelaxedSimdSupported } from '../../src/kernels/wasm.ts';
import { loadWasmBackendSync } from '../../src/kernels/wasm-sync.ts';
import { nodeWasmWorkers } from '../../src/kernels/wasm-node-workers.ts';
import { setWasmWorkerPlatform } from '../../src/kernels/wasm-threads.ts';

test('the wasm backend loads the relaxed-SIMD build where the engine validates it, else or when asked the SIMD128 one', () => {
  const supported = wasmRelaxedSimdSupported();
  assert.equal(loadWasmBackendSync({ memoryMiB: 16 }).relaxedSimd, supported);
  assert.equal(loadWasmBackendSync({ memoryMiB: 16, relaxedSimd: false }).relaxedSimd, false);
  // Node 20 without --experimental-wasm-relaxed-simd refuses it; Node ≥ 22 loads it.
  if (supported) assert.equal(loadWasmBackendSync({ memoryMiB: 16, relaxedSimd: true }).relaxedSimd, true);
  else assert.throws(() => loadWasmBackendSync({ memoryMiB: 16, relaxedSimd: true }), /relaxedSimd: true, but this JavaScript engine has no relaxed SIMD \(Node 20: run it with --experimental-wasm-relaxed-simd\)/);
});

test('the wasm backend takes every logical processor by default, the threads asked for, or one and says why', async () => {
  const all = await loadWasmBackend({ workers: nodeWasmWorkers, memoryMiB: 16 });
  assert.equal(all.threads, nodeWasmWorkers.hardwareThreads);
  assert.match(all.threadsReason, /^all \d+ logical processors?$/);
  const three = await loadWasmBackend({ workers: nodeWasmWorkers, threads: 3, memoryMiB: 16 });
  assert.deepEqual([three.threads, three.threadsReason], [3, 'asked for']);
  setWasmWorkerPlatform(null);
  try {
    const one = await loadWasmBackend({ memoryMiB: 16 });
    assert.deepEqual([one.threads, one.threadsReason, one.workerTasks], [1, 'no way to start workers here', 0]);
    await assert.rejects(loadWasmBackend({ threads: 2, memoryMiB: 16 }), /threads: 2 is impossible here: no way to start workers here/);
  } finally {
    setWasmWorkerPlatform(nodeWasmWorkers);
  }
  assert.deepEqual([loadWasmBackendSync({ memoryMiB: 16 }).threads, loadWasmBackendSync({ memoryMiB: 16 }).threadsReason], [1, 'synchronous loader']);
  assert.throws(() => loadWasmBackendSync({ threads: 2 }), /the synchronous loader runs 1 thread/);
  await assert.rejects(loadWasmBackend({ threads: 0 }), /threads must be an integer in \[1, 64\], got 0/);

  // A GEMM well above the threshold, split by rows (taller than wide) and by units (wider than tall).
  const single = loadWasmBackendSync({ memoryMiB: 16 });
  for (const [batch, inDim, outDim] of [[600, 64, 48], [40, 96, 200]]) {
    const x = Float32Array.from({ length: batch * inDim }, (_, i) => Math.sin(i));
    const weight = Float32Array.from({ length: outDim * inDim }, (_, i) => Math.cos(i));
    const prefix = Int32Array.from({ length: outDim }, (_, j) => Math.ceil(((j + 1) * inDim) / outDim));
    const run = (k: typeof single): Float32Array => {
      const out = new Float32Array(batch * outDim);
      k.prefixGemm({ batch, inDim, outDim, x, weight, prefix, bias: null, out, activation: 'tanh' });
      return out;
    };
    const before = three.workerTasks;
    assert.deepEqual(run(three), run(single));
    // Workers claim tasks as they wake; on a busy machine the caller may finish them all first (by design), so the
    // call is repeated until a worker has taken part (within a few seconds), each time with the same result.
    const deadline = Date.now() + 5000;
    while (three.workerTasks === before && Date.now() < deadline) {
      assert.deepEqual(run(three), run(single));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.ok(three.workerTasks > before, `[${batch}, ${inDim}, ${outDim}] was not shared with the workers`);
  }
});

test('a small network fused pass runs on the calling thread; a large pass shares its rows with the workers', async () => {
  const two = await loadWasmBackend({ workers: nodeWasmWorkers, threads: 2, memoryMiB: 32 });
  // About 1.6 kFLOP a row: 1000 rows are 5 calls' worth of the default threshold (split before), under 13; 8000 over.
  const flow = withBackend(two, () => createMaf({ features: 4, layers: 1, hiddenUnits: [32, 32], rng: new Rng(0) }));
  const rows = (n: number) => matrix(Float32Array.from({ length: 4 * n }, (_, i) => Math.sin(i)), n, 4);
  const small = rows(1000);
  const before = two.workerTasks;
  for (let i = 0; i < 20; i++) withBackend(two, () => flow.logProb(small));
  assert.equal(two.workerTasks, before);
  const large = rows(8000);
  const deadline = Date.now() + 5000;
  while (two.workerTasks === before && Date.now() < deadline) {
    withBackend(two, () => flow.logProb(large));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(two.workerTasks > before, 'the 8000-row pass was not shared with the workers');
});
