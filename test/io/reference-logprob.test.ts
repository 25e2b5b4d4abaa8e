/**
 * The README's description of model files is enough to reproduce maflow's log-densities outside maflow:
 * scripts/reference-logprob.py (Python standard library + numpy, reading the safetensors bytes itself) must agree with
 * `flow.logProb` to 1e-4 for a MAF, a MAF with batch normalisation, a standardized conditional MAF and a model trained
 * by `maflow train`. It runs Debian's /usr/bin/python3; without numpy it tries `apt-get install -y python3-numpy`, and
 * if that is impossible the test fails saying so (it never passes without running the script).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { setBatchNormStatistics } from '../../src/bijectors/set-batch-norm-statistics.ts';
import { Standardize } from '../../src/bijectors/standardize.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { withStandardization } from '../../src/flows/with-standardization.ts';
import { loadModel, saveModel } from '../../src/io/model-file.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { runInProcess, tempDir } from '../cli/cli-harness.ts';
import { randomMatrix } from '../helpers/numeric.ts';
import { aptInstall } from '../helpers/apt-install.ts';

const PYTHON = '/usr/bin/python3';
const script = fileURLToPath(new URL('../../scripts/reference-logprob.py', import.meta.url));

/** Makes sure /usr/bin/python3 can import numpy, installing Debian's python3-numpy if needed; throws saying why not. */
function ensureNumpy(): void {
  const hasNumpy = (): boolean => spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: the reference log-density test needs Debian's python3 with numpy`);
  if (hasNumpy()) return;
  const failure = aptInstall(['python3-numpy']);
  if (!hasNumpy()) {
    throw new Error(`numpy is not importable by ${PYTHON} and ${failure ?? 'apt-get install -y python3-numpy did not fix it'}; ` +
      'install python3-numpy to run this test');
  }
}

/** Moves every weight off its initial value (masked entries stay 0, as training leaves them). */
function perturb(flow: Distribution, rng: Rng, scale: number): void {
  for (const [, p] of flow.namedParameters()) {
    for (let k = 0; k < p.value.length; k++) if (p.value[k] !== 0 || p.shape.length === 1) p.value[k] += scale * rng.normal();
  }
}

function columnsOf(m: Matrix, names: string[], context?: { m: Matrix; names: string[] }): { rows: Matrix; names: string[] } {
  if (context === undefined) return { rows: m, names };
  const cols = m.cols + context.m.cols;
  const data = new Float64Array(m.rows * cols);
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) data[r * cols + c] = m.data[r * m.cols + c];
    for (let c = 0; c < context.m.cols; c++) data[r * cols + m.cols + c] = context.m.data[r * context.m.cols + c];
  }
  return { rows: { rows: m.rows, cols, data }, names: [...names, ...context.names] };
}

describe('scripts/reference-logprob.py reproduces maflow\'s log-densities from the file alone', () => {
  const temp = tempDir('reference');
  const at = (name: string): string => join(temp.dir, name);
  before(() => ensureNumpy());
  after(() => temp.remove());

  /** Runs the script on `model` and `csv` and compares with `expected` to 1e-4. */
  function check(model: string, csv: string, expected: Float64Array): void {
    const output = execFileSync(PYTHON, [script, model, csv], { encoding: 'utf8' });
    const values = output.trim().split('\n').map(Number);
    assert.equal(values.length, expected.length);
    let worst = 0;
    for (let r = 0; r < values.length; r++) {
      assert.ok(Number.isFinite(values[r]), `row ${r}: ${values[r]}`);
      worst = Math.max(worst, Math.abs(values[r] - expected[r]) / Math.max(1, Math.abs(expected[r])));
    }
    assert.ok(worst < 1e-4, `worst relative difference ${worst}`);
  }

  const cases: Array<{ name: string; make: (rng: Rng, x: Matrix, c: Matrix) => Distribution; context: boolean }> = [
    { name: 'MAF (random order and degrees, tanh)', context: false,
      make: (rng) => createMaf({ features: 3, layers: 3, hiddenUnits: [10, 9], order: 'random', degrees: 'random', activation: 'tanh', rng }) },
    { name: 'MAF with batch normalisation (population statistics set)', context: false,
      make: (rng, x) => {
        const flow = createMaf({ features: 3, layers: 2, hiddenUnits: [8], batchNorm: true, rng });
        perturb(flow, rng, 0.2);
        setBatchNormStatistics(flow, x);
        return flow;
      } },
    { name: 'standardized conditional MAF (data Standardize and context pre-map)', context: true,
      make: (rng, x, c) => withStandardization(createMaf({ features: 3, layers: 2, hiddenUnits: [8, 8], contextFeatures: 2, rng }),
        { data: Standardize.fit(x), context: Standardize.fit(c) }) },
    { name: 'MAF with one activation per hidden layer (tanh, elu, relu)', context: false,
      make: (rng) => createMaf({ features: 3, layers: 2, hiddenUnits: [8, 7, 6], activation: ['tanh', 'elu', 'relu'], rng }) },
    { name: 'shift-only MAF', context: false,
      make: (rng) => createMaf({ features: 3, layers: 2, hiddenUnits: [6], shiftOnly: true, rng }) },
    { name: 'MAF with an unbounded log-scale (logScaleBound null in the config), residual elu MADEs', context: false,
      make: (rng) => createMaf({ features: 3, layers: 2, hiddenUnits: [7, 7], residual: true, activation: 'elu', logScaleBound: Infinity, rng }) },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const rng = new Rng(31);
      const x = randomMatrix(40, 3, rng, 3);
      for (let k = 0; k < x.data.length; k++) x.data[k] += 10 * (k % 3);
      const context = randomMatrix(40, 2, rng, 50);
      const flow = c.make(rng, x, context);
      if (!c.name.startsWith('MAF with batch')) perturb(flow, rng, 0.2);
      flow.train(false);
      const names = ['a', 'b', 'c'];
      const table = columnsOf(x, names, c.context ? { m: context, names: ['y1', 'y2'] } : undefined);
      const file = at(`${c.name.replace(/\W+/g, '-')}.safetensors`);
      saveModel(file, flow, { columns: names, ...(c.context ? { contextColumns: ['y1', 'y2'] } : {}) });
      writeMatrix(at('rows.csv'), table.rows, { columns: table.names });
      check(file, at('rows.csv'), loadModel(file).flow.logProb(x, c.context ? { context } : {}));
    });
  }

  it('a model written by maflow train (batch norm, standardized data and context)', async () => {
    const rng = new Rng(5);
    const x = randomMatrix(300, 2, rng, 4);
    const y = randomMatrix(300, 1, rng, 100);
    for (let r = 0; r < 300; r++) x.data[2 * r + 1] += 0.05 * y.data[r] + 20;
    const table = columnsOf(x, ['p', 'q'], { m: y, names: ['y'] });
    writeMatrix(at('train.csv'), table.rows, { columns: table.names });
    const trained = await runInProcess(['train', at('train.csv'), '--context-columns', 'y', '--batch-norm', '--layers', '2',
      '--hidden', '16', '--epochs', '3', '--lr', '3e-3', '--out', at('cli.safetensors')]);
    assert.equal(trained.status, 0, trained.stderr);
    const { flow } = loadModel(at('cli.safetensors'));
    check(at('cli.safetensors'), at('train.csv'), flow.logProb(x, { context: y }));
  });
});
