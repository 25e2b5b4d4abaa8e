/**
 * Densities are reported in the data's original units: the standardizer's log-Jacobian is included, and context
 * columns are standardized with statistics stored in the model. Scaling the data by 10 leaves the standardized
 * problem (and so the trained flow) unchanged, and must lower every log-density by exactly D·log 10.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { conditionalSine } from '../../src/data/conditional-sine.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { runInProcess, tempDir } from './cli-harness.ts';

function scaled(m: Matrix, factor: number, columns?: readonly number[]): Matrix {
  const data = Float64Array.from(m.data);
  for (let k = 0; k < data.length; k++) if (columns === undefined || columns.includes(k % m.cols)) data[k] *= factor;
  return { rows: m.rows, cols: m.cols, data };
}

function joined(x: Matrix, context: Matrix): Matrix {
  const cols = x.cols + context.cols;
  const data = new Float64Array(x.rows * cols);
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < x.cols; c++) data[r * cols + c] = x.data[r * x.cols + c];
    for (let c = 0; c < context.cols; c++) data[r * cols + x.cols + c] = context.data[r * context.cols + c];
  }
  return { rows: x.rows, cols, data };
}

describe('maflow reports densities in original units', () => {
  const temp = tempDir('units');
  const at = (name: string): string => join(temp.dir, name);
  const TRAIN = ['--layers', '2', '--hidden', '16,16', '--epochs', '3', '--lr', '1e-3', '--seed', '5'];

  before(() => {
    const moons = twoMoons(500, { rng: new Rng(3), dtype: 'float64' }).data;
    writeMatrix(at('moons.csv'), moons, { columns: ['x1', 'x2'] });
    writeMatrix(at('moons10.csv'), scaled(moons, 10), { columns: ['x1', 'x2'] });
    const sine = conditionalSine(500, { rng: new Rng(4), dtype: 'float64' });
    const rows = joined(sine.data, sine.context!);
    const names = [...Array.from({ length: sine.data.cols }, (_, i) => `x${i + 1}`), 'y'];
    writeMatrix(at('sine.csv'), rows, { columns: names });
    writeMatrix(at('sine-y1000.csv'), scaled(rows, 1000, [rows.cols - 1]), { columns: names });
  });
  after(() => temp.remove());

  async function trainAndEval(data: string, extra: string[] = []): Promise<number> {
    const model = `${data}.safetensors`;
    const trained = await runInProcess(['train', data, '--out', model, ...TRAIN, ...extra]);
    assert.equal(trained.status, 0, trained.stderr);
    const evaluated = await runInProcess(['eval', model, data, '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    return (JSON.parse(evaluated.stdout) as { logLikelihood: number }).logLikelihood;
  }

  it('scaling the data by 10 lowers the log-likelihood by 2·log 10', async () => {
    const base = await trainAndEval(at('moons.csv'));
    const tenfold = await trainAndEval(at('moons10.csv'));
    assert.ok(Math.abs(base - tenfold - 2 * Math.log(10)) < 2e-3, `${base} − ${tenfold} vs ${2 * Math.log(10)}`);
  });

  it('context columns are standardized with stored statistics (scaling the context changes nothing)', async () => {
    const base = await trainAndEval(at('sine.csv'), ['--context-columns', 'y']);
    const scaledContext = await trainAndEval(at('sine-y1000.csv'), ['--context-columns', 'y']);
    assert.ok(Number.isFinite(base));
    assert.ok(Math.abs(base - scaledContext) < 2e-3, `${base} vs ${scaledContext}`);
  });
});
