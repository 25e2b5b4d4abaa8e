/**
 * Every kind of bad input gets ONE line `maflow: …` naming the file (and row and column where there is one) and
 * exit status 2; internal errors exit 1 without a stack unless MAFLOW_DEBUG=1. Most cases run `main()` in-process
 * (fast); one runs the real executable to check the process exit status and stderr.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { TextBuffer } from '../../src/cli/cli-io.ts';
import { reportError } from '../../src/cli/run.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { assertUserError, runCli, runInProcess, tempDir } from './cli-harness.ts';

describe('maflow CLI errors', () => {
  const temp = tempDir('errors');
  const at = (name: string): string => join(temp.dir, name);
  const write = (name: string, text: string): string => {
    writeFileSync(at(name), text);
    return at(name);
  };
  const TRAIN = ['--layers', '1', '--hidden', '8', '--epochs', '1'];

  before(async () => {
    writeMatrix(at('moons.csv'), twoMoons(200, { rng: new Rng(1), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
    const result = await runInProcess(['train', at('moons.csv'), '--out', at('model.safetensors'), ...TRAIN]);
    assert.equal(result.status, 0, result.stderr);
  });
  after(() => temp.remove());

  it('a non-numeric cell names the file, row and column (subprocess: real exit status, no stack)', async () => {
    const bad = write('bad.csv', 'x1,x2\n1,2\n3,abc\n');
    const result = await runCli(['train', bad, '--out', at('never.safetensors'), ...TRAIN], temp.dir);
    assertUserError(result, /bad\.csv: row 3, column 2 \("x2"\): expected a number, got "abc"/);
    assert.ok(!existsSync(at('never.safetensors')), 'nothing written');
  });

  it('NaN and Inf cells are rejected with their location', async () => {
    const nan = write('nan.csv', 'x1,x2\n1,2\nNaN,3\n');
    assertUserError(await runInProcess(['train', nan, '--out', at('x.safetensors'), ...TRAIN]), /nan\.csv: row 3, column 1 \("x1"\)/, /NaN/);
    const inf = write('inf.csv', 'x1,x2\n1,2\n4,-inf\n');
    assertUserError(await runInProcess(['eval', at('model.safetensors'), inf]), /inf\.csv: row 3, column 2 \("x2"\): expected a finite number/);
  });

  it('a ragged row names the file and row and the expected cell count', async () => {
    const ragged = write('ragged.csv', 'x1,x2\n1,2\n3,4,5\n');
    assertUserError(await runInProcess(['logprob', at('model.safetensors'), ragged]), /ragged\.csv: row 3: has 3 cells, expected 2/);
  });

  it('a file with the wrong number of columns for the model names the expected columns', async () => {
    const three = write('three.csv', 'a,b,c\n1,2,3\n');
    assertUserError(await runInProcess(['eval', at('model.safetensors'), three]),
      /three\.csv: expected 2 columns for this model \("x1", "x2"\), got 3 \("a", "b", "c"\)/);
  });

  it('an empty file and a missing file are named', async () => {
    const empty = write('empty.csv', '');
    assertUserError(await runInProcess(['train', empty, '--out', at('x.safetensors'), ...TRAIN]), /empty\.csv: the file is empty/);
    assertUserError(await runInProcess(['eval', at('model.safetensors'), at('missing.csv')]), /missing\.csv: no such file/);
  });

  it('unknown flows, option values and options are usage errors', async () => {
    assertUserError(await runInProcess(['train', at('moons.csv'), '--out', at('x.safetensors'), '--flow', 'glow']),
      /--flow <kind>' argument 'glow' is invalid/, /maf, iaf, realnvp/);
    assertUserError(await runInProcess(['train', at('moons.csv'), '--out', at('x.safetensors'), '--hidden', '64,x']), /--hidden/);
    assertUserError(await runInProcess(['train', at('moons.csv'), '--out', at('x.safetensors'), '--activation', 'swish']), /--activation/);
    assertUserError(await runInProcess(['eval', at('model.safetensors'), at('moons.csv'), '--bogus']), /unknown option '--bogus'/);
    assertUserError(await runInProcess(['frobnicate']), /unknown command 'frobnicate'/);
    assertUserError(await runInProcess(['train', at('moons.csv'), '--out', at('x.safetensors'), '--flow', 'made', '--layers', '3']),
      /--layers does not apply to --flow made/);
  });

  it('IAF training is refused with a pointer to maf and fitReverseKl', async () => {
    assertUserError(await runInProcess(['train', at('moons.csv'), '--out', at('x.safetensors'), '--flow', 'iaf']),
      /iaf cannot be trained by maximum likelihood/, /fitReverseKl/);
  });

  it('corrupt, foreign and missing model files are named', async () => {
    const corrupt = write('corrupt.safetensors', 'definitely not a model');
    assertUserError(await runInProcess(['eval', corrupt, at('moons.csv')]), /corrupt\.safetensors: /);
    assertUserError(await runInProcess(['sample', at('nothing.safetensors'), '-n', '3']), /nothing\.safetensors: no such file/);
  });

  it('an output in a missing directory is refused before any work', async () => {
    assertUserError(await runInProcess(['train', at('moons.csv'), '--out', at('no/such/dir/m.safetensors'), ...TRAIN]),
      /--out .*m\.safetensors: the directory .* does not exist/);
  });

  it('a conditional model needs --context, with the right columns', async () => {
    const withContext = write('context.csv', 'x1,x2,y\n' + Array.from({ length: 600 }, (_, i) => `${Math.sin(i)},${Math.cos(i)},${i % 3}`).join('\n') + '\n');
    const trained = await runInProcess(['train', withContext, '--context-columns', 'y', '--out', at('cond.safetensors'), ...TRAIN]);
    assert.equal(trained.status, 0, trained.stderr);
    assertUserError(await runInProcess(['sample', at('cond.safetensors'), '-n', '4']), /conditional: pass --context FILE with the column "y"/);
    const sampled = await runInProcess(['sample', at('cond.safetensors'), '-n', '4', '--seed', '1', '--context', write('y.csv', 'y\n2\n')]);
    assert.equal(sampled.status, 0, sampled.stderr);
    assert.equal(sampled.stdout.trim().split('\n').length, 5);
    assertUserError(await runInProcess(['sample', at('cond.safetensors'), '-n', '4', '--context', write('y3.csv', 'y\n1\n2\n3\n')]),
      /y3\.csv: expected 1 context row \(broadcast\) or 4 rows/);
  });

  it('internal errors exit 1 with one short line, the stack only with MAFLOW_DEBUG=1', () => {
    const plain = { stdout: new TextBuffer(), stderr: new TextBuffer(), env: {} };
    assert.equal(reportError(new Error('boom'), plain), 1);
    assert.equal(plain.stderr.text(), 'maflow: internal error: boom (set MAFLOW_DEBUG=1 for the stack trace)\n');
    const debug = { stdout: new TextBuffer(), stderr: new TextBuffer(), env: { MAFLOW_DEBUG: '1' } };
    assert.equal(reportError(new Error('boom'), debug), 1);
    assert.match(debug.stderr.text(), /^maflow: internal error: Error: boom\n\s+at /);
  });

  it('--help and --version exit 0; no command prints the usage to stderr and exits 2', async () => {
    const help = await runInProcess(['--help']);
    assert.equal(help.status, 0);
    for (const command of ['train', 'eval', 'logprob', 'sample', 'diagnose', 'plot', 'demo']) assert.match(help.stdout, new RegExp(`\\n  ${command} `));
    const trainHelp = await runInProcess(['train', '--help']);
    assert.equal(trainHelp.status, 0);
    assert.match(trainHelp.stdout, /--validation-data <file>/);
    const version = await runInProcess(['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    const none = await runInProcess([]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^Usage: maflow/);
    assert.doesNotMatch(none.stderr, /outputHelp/);
  });

  it('leaves no temporary files behind', () => {
    assert.deepEqual(readdirSync(temp.dir).filter((name) => name.endsWith('.tmp')), []);
  });
});
