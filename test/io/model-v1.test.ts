/**
 * Format-1 model files still load, and evaluate exactly as before. The fixtures were written by `maflow train` before
 * format 2 existed (commit 67eeb97), with the log-densities and seeded samples that `maflow logprob` / `maflow sample`
 * printed for them then (test/fixtures/model-v1-expected.json):
 * - model-v1-conditional.safetensors: a 2-layer conditional MAF, data and context standardized (the context's
 *   standardizer in the CLI's `maflow.cli` metadata entry);
 * - model-v1-batchnorm.safetensors: a 2-layer MAF with batch normalisation, data standardized.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { Standardize } from '../../src/bijectors/standardize.ts';
import { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { decodeModel, encodeModel } from '../../src/io/model-codec.ts';
import { loadModel } from '../../src/io/model-file.ts';
import { encodeSafetensors } from '../../src/io/safetensors.ts';
import { readSafetensors } from '../../src/io/safetensors-file.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

interface Expected {
  rows: number[][];
  conditional: { file: string; columns: string[]; contextColumns: string[]; logProb: number[]; sampleContext: number[]; samples: string };
  batchnorm: { file: string; columns: string[]; contextColumns: string[]; logProb: number[]; samples: string };
}
const expected = JSON.parse(readFileSync(fixture('model-v1-expected.json'), 'utf8')) as Expected;
const rows = expected.rows;
const x = matrix(rows.map((r) => r.slice(0, 2)), undefined, undefined, 'float64');
const context = matrix(rows.map((r) => [r[2]]), undefined, undefined, 'float64');

/** The CSV `maflow sample` printed, as numbers (header dropped). */
const csvValues = (text: string): number[] => text.split('\n').slice(1).flatMap((line) => line.split(',').map(Number));

function assertClose(actual: ArrayLike<number>, wanted: readonly number[], tolerance: number, what: string): void {
  assert.equal(actual.length, wanted.length, what);
  for (let k = 0; k < wanted.length; k++) {
    assert.ok(Math.abs(actual[k] - wanted[k]) <= tolerance * Math.max(1, Math.abs(wanted[k])), `${what}[${k}]: ${actual[k]} vs ${wanted[k]}`);
  }
}

test('a format-1 conditional CLI model loads with its columns and gives the log-densities and samples it gave before', () => {
  const raw = readSafetensors(fixture(expected.conditional.file)).metadata;
  assert.equal(raw.formatVersion, '1', 'the fixture is a format-1 file');
  const model = loadModel(fixture(expected.conditional.file));
  assert.equal(model.formatVersion, '1');
  assert.deepEqual([model.columns, model.contextColumns], [expected.conditional.columns, expected.conditional.contextColumns]);
  assert.deepEqual(model.metadata, {}, "the format's own entries and the CLI's are not the caller's metadata");
  // The standardizers are now in the flow: a Standardize at the data end, the context's as the pre-map.
  const flow = model.flow as TransformedDistribution;
  assert.ok(flow.bijector instanceof Chain && flow.bijector.bijectors[0] instanceof Standardize);
  assert.ok(flow.contextStandardize instanceof Standardize);
  assertClose(flow.logProb(x, { context }), expected.conditional.logProb, 1e-9, 'logProb');
  const samples = flow.sample(3, { context: matrix([expected.conditional.sampleContext], undefined, undefined, 'float64'), rng: new Rng(1) });
  assertClose(samples.data, csvValues(expected.conditional.samples), 1e-6, 'samples'); // printed as float32 then
});

test('a format-1 batch-norm model loads and gives the log-densities and samples it gave before', () => {
  const model = loadModel(fixture(expected.batchnorm.file));
  assert.deepEqual([model.columns, model.contextColumns], [expected.batchnorm.columns, []]);
  assertClose(model.flow.logProb(x), expected.batchnorm.logProb, 1e-9, 'logProb');
  assertClose(model.flow.sample(3, { rng: new Rng(1) }).data, csvValues(expected.batchnorm.samples), 1e-6, 'samples');
});

test('a format-1 model saved again is a format-2 file that evaluates the same', () => {
  const { flow, columns, contextColumns } = loadModel(fixture(expected.conditional.file));
  const again = decodeModel(encodeModel(flow, { columns, contextColumns }), 'again.safetensors');
  assert.equal(again.formatVersion, '2');
  assert.deepEqual(again.columns, expected.conditional.columns);
  assertClose(again.flow.logProb(x, { context }), expected.conditional.logProb, 1e-9, 'logProb');
});

test('format-1 files with a broken standardizer or CLI entry are refused naming the file and the entry', () => {
  const { tensors, metadata } = readSafetensors(fixture(expected.conditional.file));
  const variant = (edit: (m: Record<string, string>) => void): Uint8Array => {
    const m = { ...metadata };
    edit(m);
    return encodeSafetensors({ ...tensors }, m);
  };
  const cases: Array<[(m: Record<string, string>) => void, RegExp]> = [
    [(m) => { m.standardizer = '{"mean":[0,0],"std":[1,-1]}'; }, /v1\.safetensors: standardizer: std\[1\] must be a positive finite number, got -1/],
    [(m) => { m.standardizer = '{"mean":[0],"std":[1]}'; }, /the data standardizer has 1 columns, the flow 2/],
    [(m) => { m['maflow.cli'] = '{"columns":["x1"],"contextColumns":["y"]}'; }, /the 'maflow\.cli\.columns' metadata does not name the flow's 2 columns: expected 2 names, got 1/],
    [(m) => { m['maflow.cli'] = '{"columns":["x1","x2"],"contextColumns":["y"],"contextStandardizer":{"mean":[0,1],"std":[1,1]}}'; },
      /the context standardizer has 2 columns, the flow takes 1/],
    [(m) => { m['maflow.cli'] = '[1]'; }, /the 'maflow\.cli' metadata is not an object/],
    [(m) => { m['maflow.cli'] = '{"__proto__":{"columns":["x1","x2"]}}'; }, /the 'maflow\.cli' metadata holds the key "__proto__"/],
  ];
  for (const [edit, pattern] of cases) assert.throws(() => decodeModel(variant(edit), 'v1.safetensors'), pattern);
});
