import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { inputDegrees } from '../../src/nn/degrees.ts';
import { Made } from '../../src/nn/made.ts';
import { countDenseMultiplyAdds, countMultiplyAdds, effectiveGflops, layerMultiplyAdds, maskedLayersOf } from '../../bench/lib/count-flops.ts';
import { formatNumber, formatTable } from '../../bench/lib/format-table.ts';
import { median, quantile } from '../../bench/lib/median.ts';
import { speedUp } from '../../bench/lib/flows-report.ts';
import { parseTorchOutput } from '../../bench/lib/torch-peer.ts';
import { parseBenchArgs } from '../../bench/lib/parse-bench-args.ts';

/** Counts the nonzero entries of the MADE masks from the degrees alone (the definition, no prefixes). */
function bruteForceMaskCount(made: Made, contextFeatures: number): number {
  let count = 0;
  let previous = Array.from(inputDegrees(made.features));
  for (const degrees of made.hiddenDegrees) {
    for (const out of degrees) for (const inp of previous) if (out >= inp) count++;
    count += degrees.length * contextFeatures;
    previous = Array.from(degrees);
  }
  for (let d = 0; d < made.features; d++) {
    for (let p = 0; p < made.paramsPerFeature; p++) for (const inp of previous) if (d + 1 > inp) count++;
  }
  return count + made.outputWidth * contextFeatures;
}

test('median and quantile follow the harness rules', () => {
  const rng = new Rng(1);
  const values = Array.from({ length: 9 }, () => rng.normal());
  const sorted = [...values].sort((a, b) => a - b);
  assert.equal(median(values), sorted[4]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(quantile(values, 0.1), sorted[1]);
  assert.equal(quantile(values, 0.9), sorted[7]);
  assert.equal(quantile([5], 0.9), 5);
  assert.throws(() => median([]), /median: expected at least one value/);
  assert.throws(() => quantile([1], 2), /quantile: expected q in \[0, 1\], got 2/);
});

test('formatTable pads and aligns a Markdown table', () => {
  const table = formatTable(['config', 'metric', 'ms'], [['power', 'train', '1.20'], ['bsds300', 'train', '110']], { leftColumns: 2 });
  assert.deepEqual(table.split('\n'), [
    '| config  | metric |   ms |',
    '|---------|--------|-----:|',
    '| power   | train  | 1.20 |',
    '| bsds300 | train  |  110 |',
  ]);
  assert.throws(() => formatTable(['a', 'b'], [['1']]), /formatTable: expected 2 cells in row 0, got 1/);
  assert.equal(formatNumber(12345.6), '12,346');
  assert.equal(formatNumber(2.345), '2.35');
  assert.equal(formatNumber(0.012345), '0.0123');
  assert.equal(formatNumber(null), '–');
});

test('multiply-add counts from prefixes equal a brute-force count of the MADE masks', () => {
  const cases = [
    { features: 6, hiddenUnits: [100, 100], contextFeatures: 0, degrees: 'sequential' as const },
    { features: 5, hiddenUnits: [17, 9, 13], contextFeatures: 3, degrees: 'random' as const },
    { features: 1, hiddenUnits: [4, 4], contextFeatures: 2, degrees: 'sequential' as const },
  ];
  for (const [i, c] of cases.entries()) {
    const made = new Made({ ...c, rng: new Rng(10 + i) });
    const layers = [...made.hidden, made.output];
    assert.equal(countMultiplyAdds(layers), bruteForceMaskCount(made, c.contextFeatures), `case ${i}`);
    const dense = layers.reduce((n, l) => n + l.outDim * (l.inDim + c.contextFeatures), 0);
    assert.equal(countDenseMultiplyAdds(layers), dense);
  }
  assert.equal(layerMultiplyAdds({ inDim: 3, outDim: 2, prefix: null, contextFeatures: 1 }), 8);
  assert.throws(() => layerMultiplyAdds({ inDim: 3, outDim: 2, prefix: new Int32Array(3), contextFeatures: 0 }),
    /expected prefix \[2\], got \[3\]/);
});

test('maskedLayersOf finds the hidden and output layers of every MADE in a flow', () => {
  const flow = createMaf({ features: 4, layers: 3, hiddenUnits: [8, 8], rng: new Rng(3) });
  const layers = maskedLayersOf(flow);
  assert.equal(layers.length, 3 * 3);
  // Sequential degrees do not depend on the rng, so every MADE of the flow has the same masks.
  const one = new Made({ features: 4, hiddenUnits: [8, 8], rng: new Rng(0) });
  assert.equal(countMultiplyAdds(layers), 3 * bruteForceMaskCount(one, 0));
  assert.equal(effectiveGflops(1e6, 100, 3, 0.1), 6);
});

test('speedUp is "times faster than PyTorch" for times and rates', () => {
  assert.equal(speedUp(2, 8, 'time'), 4);
  assert.equal(speedUp(300, 100, 'rate'), 3);
  assert.equal(speedUp(null, 8, 'time'), null);
  assert.equal(speedUp(2, 0, 'time'), null);
});

test('parseTorchOutput picks the record of the config and reports peer errors', () => {
  const out = '# noise\n{"config": "gas", "train_step_ms": 2.5, "params": 10, "logprob_rows_per_s": 1, "sample_rows_per_s": 2}\n';
  const record = parseTorchOutput(out, 'gas');
  assert.ok(record !== null && !('error' in record) && record.train_step_ms === 2.5);
  assert.equal(parseTorchOutput(out, 'power'), null);
  assert.deepEqual(parseTorchOutput('{"config": "gas", "error": "boom"}', 'gas'), { error: 'PyTorch peer: boom' });
});

test('parseBenchArgs reads suites and options and rejects unknown ones', () => {
  const args = parseBenchArgs(['train', '--configs', 'power,gas', '--threads=3', '--quick', '--both']);
  assert.equal(args.suite, 'train');
  assert.deepEqual(args.configs, ['power', 'gas']);
  assert.equal(args.threads, 3);
  assert.equal(args.quick, true);
  assert.equal(args.backend, 'both');
  assert.throws(() => parseBenchArgs(['--bogus']), /unknown option '--bogus'/);
  assert.throws(() => parseBenchArgs(['--threads', '0']), /--threads expects a positive integer, got '0'/);
  assert.throws(() => parseBenchArgs(['speed']), /unknown suite 'speed'/);
});

test('microArchitecture names the CPUs the kernels were measured on from CPUID family and model', async () => {
  const { microArchitecture, machineLine } = await import('../../bench/lib/machine.ts');
  assert.equal(microArchitecture('AuthenticAMD', 25, 1), 'Zen 3');
  assert.equal(microArchitecture('AuthenticAMD', 25, 17), 'Zen 4');
  assert.equal(microArchitecture('AuthenticAMD', 23, 49), 'Zen 2');
  assert.equal(microArchitecture('GenuineIntel', 6, 143), 'Sapphire Rapids');
  assert.equal(microArchitecture('GenuineIntel', 6, 42), 'family 6 model 42');
  assert.equal(microArchitecture('', NaN, NaN), '');
  const line = machineLine({ cpu: 'AMD EPYC', core: 'Zen 3', l2KiB: 512, cores: 2, simd: ['avx2', 'fma'], memoryGiB: 23.5,
    node: 'v20.20.2', platform: 'linux x64' });
  assert.equal(line, 'AMD EPYC (Zen 3, L2 512 KiB/core), 2 cores (avx2 fma), 23.5 GiB, node v20.20.2, linux x64');
});

test('correctedCore replaces an OpenBLAS fallback core by the kernels of the CPU\'s widest extension, and nothing else', async () => {
  const { correctedCore } = await import('../../bench/lib/blas-limit.ts');
  // OpenBLAS 0.3.21 takes Intel Emerald Rapids (AVX-512) for Prescott.
  assert.equal(correctedCore('Prescott', ['avx2', 'fma', 'avx512f']), 'SkylakeX');
  assert.equal(correctedCore('Nehalem', ['avx2', 'fma']), 'Haswell');
  assert.equal(correctedCore('Sandybridge', []), undefined);
  // A core it knows is kept, even an AVX2 one on an AVX-512 CPU (Zen 4: its AVX2 kernels are the faster ones).
  assert.equal(correctedCore('Zen', ['avx2', 'fma', 'avx512f']), undefined);
  assert.equal(correctedCore('SkylakeX', ['avx2', 'fma', 'avx512f']), undefined);
  assert.equal(correctedCore('Haswell', ['avx2', 'fma']), undefined);
});
