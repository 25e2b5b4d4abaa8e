/** maflow train's transform options (issue 16) as a user runs them: bounds, LU order, ActNorm, transformers, schedules. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { loadModel } from '../../src/io/model-file.ts';
import type { Chain } from '../../src/bijectors/chain.ts';
import type { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { assertUserError, runCli, runInProcess, tempDir } from './cli-harness.ts';

let dir: string;
let remove: () => void;

before(() => {
  ({ dir, remove } = tempDir('transform-options'));
  const rng = new Rng(1);
  const rows = ['share,income,temperature'];
  for (let r = 0; r < 300; r++) {
    const z = rng.normal();
    rows.push(`${1 / (1 + Math.exp(-z - 0.5 * rng.normal()))},${Math.exp(1 + z + 0.3 * rng.normal())},${20 + 5 * rng.normal()}`);
  }
  writeFileSync(join(dir, 'data.csv'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'outside.csv'), `${rows.slice(0, 50).join('\n')}\n0.5,-1,20\n`);
});
after(() => remove());

const quick = ['--layers', '2', '--hidden', '12,12', '--epochs', '2', '--batch-size', '50', '--lr', '1e-3'];

test('--bounds with --order lu --act-norm --transformer bernstein: trains, the model holds the bounds, samples respect them', async () => {
  const trained = await runCli(['train', 'data.csv', '--out', 'bounded.safetensors', ...quick, '--bounds', 'share:0:1,income:0:',
    '--order', 'lu', '--act-norm', '--transformer', 'bernstein', '--bins', '6', '--lr-schedule', 'cosine', '--clip-grad-norm', '5'], dir);
  assert.equal(trained.status, 0, trained.stderr);
  const { flow } = loadModel(join(dir, 'bounded.safetensors'));
  const names = ((flow as TransformedDistribution).bijector as Chain).bijectors.map((b) => b.constructor.name);
  assert.deepEqual(names.slice(0, 3), ['Bounds', 'Standardize', 'MaskedAutoregressiveFlow']);
  assert.ok(names.includes('LuLinear') && names.includes('ActNorm'), names.join(', '));
  const sampled = await runCli(['sample', 'bounded.safetensors', '-n', '400', '--seed', '3'], dir);
  assert.equal(sampled.status, 0, sampled.stderr);
  const lines = sampled.stdout.trim().split('\n').slice(1);
  assert.equal(lines.length, 400);
  for (const line of lines) {
    const [share, income] = line.split(',').map(Number);
    assert.ok(share > 0 && share < 1 && income > 0, line);
  }
});

test('--transformer naf, umnn and spline, --base mog and --shift-only train', async () => {
  for (const extra of [['--transformer', 'naf'], ['--transformer', 'umnn'], ['--transformer', 'spline', '--tail-bound', '4'],
    ['--base', 'mog', '--components', '3', '--shift-only']]) {
    const result = await runInProcess(['train', join(dir, 'data.csv'), '--out', join(dir, 'm.safetensors'), ...quick, '--epochs', '1', ...extra]);
    assert.equal(result.status, 0, `${extra.join(' ')}: ${result.stderr}`);
  }
});

test('a value outside --bounds, and options that do not apply, are user errors naming what is wrong', async () => {
  const cases: [string[], RegExp][] = [
    [['outside.csv', '--bounds', 'income:0:'], /outside\.csv: row index 49 .*column "income" is -1, not strictly inside its --bounds \(0, ∞\)/],
    [['data.csv', '--bounds', 'wealth:0:'], /--bounds: unknown column "wealth"/],
    [['data.csv', '--bounds', 'share:1:0'], /--bounds: "share:1:0" needs low < high/],
    [['data.csv', '--transformer', 'naf', '--shift-only'], /--shift-only applies to the affine transformer, not --transformer naf/],
    [['data.csv', '--bins', '4'], /--bins applies to --transformer spline or bernstein, not affine/],
    [['data.csv', '--flow', 'nsf', '--transformer', 'naf'], /--transformer does not apply to --flow nsf/],
    [['data.csv', '--flow', 'made', '--act-norm'], /--act-norm does not apply to --flow made/],
    [['data.csv', '--components', '4'], /--components applies to --flow maf with --base mog/],
    [['data.csv', '--transformer', 'spline', '--log-scale-bound', '2'], /--log-scale-bound applies to the affine transformer, not --transformer spline/],
    [['data.csv', '--flow', 'nsf', '--log-scale-bound', '2'], /--log-scale-bound does not apply to --flow nsf/],
  ];
  for (const [args, pattern] of cases) {
    assertUserError(await runInProcess(['train', ...args.map((a) => (a.endsWith('.csv') ? join(dir, a) : a)), '--out', join(dir, 'x.safetensors')]), pattern);
  }
});

test('train --help lists every transform option with its default', async () => {
  const { stdout } = await runInProcess(['train', '--help']);
  for (const option of ['--transformer <kind>', '--bins <n>', '--tail-bound <B>', '--shift-only', '--order <order>', '--act-norm',
    '--base <kind>', '--lr-schedule <kind>', '--clip-grad-norm <c>', '--bounds <list>', '--log-scale-bound <c>']) {
    assert.ok(stdout.includes(option), option);
  }
  for (const fragment of ['"affine"', 'default: 8', 'default: 3', '"normal"', '"constant"', 'choices: "reverse", "random", "lu"',
    'default: no clipping', 'default: none', 'default: off', 'default: shift and scale']) {
    assert.ok(stdout.replace(/\s+/g, ' ').includes(fragment), fragment);
  }
});

test('--base mog passes --components to the mixture base', async () => {
  const { transformFactoryOptions } = await import('../../src/cli/transform-options.ts');
  const { flowFromOptions } = await import('../../src/cli/flow-from-options.ts');
  assert.deepEqual(transformFactoryOptions({ base: 'mog', components: 4 }), { base: 'mog', components: 4 });
  const flow = flowFromOptions({ kind: 'maf', features: 2, contextFeatures: 0, layers: 1, hiddenUnits: [4], base: 'mog', components: 4 });
  assert.equal((flow.config() as unknown as { base: { components: number } }).base.components, 4);
});

test('--log-scale-bound: the affine layers are built with it, 3 by default (issue 12), and a model file keeps it', async () => {
  const bounds = (file: string): number[] => {
    const chain = ((loadModel(join(dir, file)).flow as TransformedDistribution).bijector as Chain).bijectors;
    return chain.filter((b) => b.constructor.name === 'MaskedAutoregressiveFlow')
      .map((b) => (b as unknown as { transformer: { logScaleBound: number } }).transformer.logScaleBound);
  };
  for (const [args, expected] of [[[], 3], [['--log-scale-bound', '5'], 5]] as const) {
    const file = `bound-${expected}.safetensors`;
    const trained = await runCli(['train', 'data.csv', '--out', file, ...quick, ...args], dir);
    assert.equal(trained.status, 0, trained.stderr);
    assert.deepEqual(bounds(file), [expected, expected]);
  }
});
