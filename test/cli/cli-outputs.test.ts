/**
 * Outputs never clobber inputs: every output of every command is refused, before any work, when it is the same file as
 * an input (by path, through a symbolic link, or as a hard link: device and inode) or as another output; a model
 * output must end in .safetensors; a replaced output keeps its mode. Each refusal is one line, exit status 2, and the
 * input is byte-for-byte intact.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { assertUserError, runCli, runInProcess, tempDir } from './cli-harness.ts';

describe('maflow: outputs never clobber inputs', () => {
  const temp = tempDir('outputs');
  const at = (name: string): string => join(temp.dir, name);
  const TRAIN = ['--layers', '1', '--hidden', '8', '--epochs', '2', '--lr', '1e-2'];
  const originals = new Map<string, Buffer>();

  /** Remembers the bytes of `name`, so that `assertIntact` can check them after a refused command. */
  const remember = (name: string): string => {
    originals.set(name, readFileSync(at(name)));
    return at(name);
  };
  const assertIntact = (): void => {
    for (const [name, bytes] of originals) assert.ok(readFileSync(at(name)).equals(bytes), `${name} is byte-for-byte intact`);
    assert.deepEqual(readdirSync(temp.dir).filter((name) => name.endsWith('.tmp')), [], 'no temp files');
  };

  before(async () => {
    writeMatrix(at('x.csv'), twoMoons(300, { rng: new Rng(1), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
    writeMatrix(at('valid.csv'), twoMoons(100, { rng: new Rng(2), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
    writeFileSync(at('context.csv'), 'y\n1\n');
    const trained = await runInProcess(['train', at('x.csv'), '--out', at('m.safetensors'), '--checkpoint', at('ck.safetensors'), ...TRAIN]);
    assert.equal(trained.status, 0, trained.stderr);
    for (const name of ['x.csv', 'valid.csv', 'context.csv', 'm.safetensors', 'ck.safetensors']) remember(name);
  });
  after(() => temp.remove());

  it('train x.csv --out x.csv is refused: a model needs .safetensors (subprocess), and the data stay', async () => {
    assertUserError(await runCli(['train', 'x.csv', '--out', 'x.csv', ...TRAIN], temp.dir),
      /^maflow: --out x\.csv: a model file must have the extension \.safetensors \(it is written in the safetensors format\), got "\.csv"$/);
    assertUserError(await runInProcess(['train', at('x.csv'), '--out', at('model.csv'), ...TRAIN]), /--out .*model\.csv: a model file must have the extension \.safetensors/);
    assertUserError(await runInProcess(['train', at('x.csv'), '--out', at('model'), ...TRAIN]), /must have the extension \.safetensors .*got none/);
    assert.ok(!existsSync(at('model.csv')) && !existsSync(at('model')));
    assertIntact();
  });

  it('train --out through a symbolic link or a hard link to the data is refused', async () => {
    symlinkSync(at('x.csv'), at('sym.safetensors'));
    assertUserError(await runInProcess(['train', at('x.csv'), '--out', at('sym.safetensors'), ...TRAIN]),
      /--out .*sym\.safetensors: is the same file as the training data .*x\.csv; an output never replaces an input/);
    linkSync(at('valid.csv'), at('hard.safetensors'));
    assertUserError(await runInProcess(['train', at('x.csv'), '--validation-data', at('valid.csv'), '--out', at('hard.safetensors'), ...TRAIN]),
      /--out .*hard\.safetensors: is the same file as the --validation-data file .*valid\.csv/);
    assert.ok(lstatSync(at('sym.safetensors')).isSymbolicLink());
    assertIntact();
  });

  it('--checkpoint equal to --out, to the data, or to the failure fallback, and --resume equal to --out, are refused', async () => {
    assertUserError(await runInProcess(['train', at('x.csv'), '--out', at('m.safetensors'), '--checkpoint', at('m.safetensors'), ...TRAIN]),
      /--checkpoint .*m\.safetensors: is the same file as --out .*m\.safetensors; give each output its own file/);
    assertUserError(await runInProcess(['train', at('x.csv'), '--out', at('new.safetensors'), '--checkpoint', at('./x.csv'), ...TRAIN]),
      /--checkpoint .*x\.csv: is the same file as the training data/);
    assertUserError(await runInProcess(['train', at('x.csv'), '--out', at('a.safetensors'), '--checkpoint', at('a.best-before-failure.safetensors'), ...TRAIN]),
      /the best-before-failure model of --out .*a\.best-before-failure\.safetensors: is the same file as --checkpoint/);
    assertUserError(await runInProcess(['train', at('x.csv'), '--out', at('ck.safetensors'), '--resume', at('ck.safetensors'), ...TRAIN]),
      /--out .*ck\.safetensors: is the same file as the --resume checkpoint .*ck\.safetensors/);
    assert.ok(!existsSync(at('new.safetensors')) && !existsSync(at('a.safetensors')));
    assertIntact();
  });

  it('--resume and --checkpoint may name the same file: the checkpoint is read before it is replaced', async () => {
    writeFileSync(at('ck2.safetensors'), readFileSync(at('ck.safetensors')));
    const resumed = await runInProcess(['train', at('x.csv'), '--out', at('resumed.safetensors'), '--resume', at('ck2.safetensors'),
      '--checkpoint', at('ck2.safetensors'), ...TRAIN, '--epochs', '3']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.ok(!readFileSync(at('ck2.safetensors')).equals(readFileSync(at('ck.safetensors'))), 'the checkpoint moved on to epoch 3');
  });

  it('logprob m x.csv --out x.csv (or a path or link to it) is refused; the data stay', async () => {
    assertUserError(await runCli(['logprob', 'm.safetensors', 'x.csv', '--out', 'x.csv'], temp.dir),
      /^maflow: --out x\.csv: is the same file as the data x\.csv; an output never replaces an input, choose another name$/);
    mkdirSync(at('sub'));
    assertUserError(await runInProcess(['logprob', at('m.safetensors'), at('x.csv'), '--out', join(temp.dir, 'sub', '..', 'x.csv')]), /is the same file as the data/);
    symlinkSync(at('x.csv'), at('lp.csv'));
    assertUserError(await runInProcess(['logprob', at('m.safetensors'), at('x.csv'), '--out', at('lp.csv')]), /--out .*lp\.csv: is the same file as the data/);
    symlinkSync(at('m.safetensors'), at('model-link.npy'));
    assertUserError(await runInProcess(['logprob', at('m.safetensors'), at('x.csv'), '--out', at('model-link.npy')]), /is the same file as the model/);
    assertUserError(await runInProcess(['logprob', at('m.safetensors'), at('x.csv'), '--out', at('lp.json')]),
      /--out .*lp\.json: expected one of the extensions \.csv, .*\.npy, \.jsonl, .*\.parquet, .*\.arrow, .*got "\.json"/);
    assertIntact();
  });

  it('sample --out onto its --context file or the model is refused', async () => {
    assertUserError(await runInProcess(['sample', at('m.safetensors'), '-n', '5', '--context', at('context.csv'), '--out', at('context.csv')]),
      /--out .*context\.csv: is the same file as the --context file/);
    assertUserError(await runInProcess(['sample', at('m.safetensors'), '-n', '5', '--out', at('m.safetensors')]),
      /--out .*m\.safetensors: expected one of the extensions/);
    linkSync(at('m.safetensors'), at('samples.npy'));
    assertUserError(await runInProcess(['sample', at('m.safetensors'), '-n', '5', '--out', at('samples.npy')]), /samples\.npy: is the same file as the model/);
    assertIntact();
  });

  it('diagnose --plot and plot --out onto an input are refused', async () => {
    symlinkSync(at('x.csv'), at('qq.png'));
    assertUserError(await runInProcess(['diagnose', at('m.safetensors'), at('x.csv'), '--plot', at('qq.png')]), /--plot .*qq\.png: is the same file as the data/);
    linkSync(at('valid.csv'), at('density.png'));
    assertUserError(await runInProcess(['plot', at('m.safetensors'), '--data', at('valid.csv'), '--out', at('density.png')]),
      /--out .*density\.png: is the same file as the --data file/);
    assertIntact();
  });

  it('an output that is a directory, in a missing directory, or not a regular file is refused before any work', async () => {
    mkdirSync(at('outdir'));
    assertUserError(await runInProcess(['logprob', at('m.safetensors'), at('x.csv'), '--out', at('outdir')]),
      /--out .*outdir: expected one of the extensions/);
    mkdirSync(at('dir.csv'));
    assertUserError(await runInProcess(['logprob', at('m.safetensors'), at('x.csv'), '--out', at('dir.csv')]), /--out .*dir\.csv: is a directory, expected a file name/);
    mkdirSync(at('dir.safetensors'));
    assertUserError(await runInProcess(['train', at('x.csv'), '--out', at('dir.safetensors'), ...TRAIN]), /--out .*dir\.safetensors: is a directory/);
    assertUserError(await runInProcess(['sample', at('m.safetensors'), '-n', '3', '--out', at('no/such/s.csv')]),
      /--out .*s\.csv: the directory .*no\/such does not exist/);
    assertUserError(await runInProcess(['train', at('x.csv'), '--out', at('m2.safetensors'), '--checkpoint', at('gone/ck.safetensors'), ...TRAIN]),
      /--checkpoint .*ck\.safetensors: the directory .*gone does not exist/);
    execFileSync('mkfifo', [at('fifo.csv')]);
    assertUserError(await runInProcess(['sample', at('m.safetensors'), '-n', '3', '--out', at('fifo.csv')]),
      /--out .*fifo\.csv: exists and is not a regular file/);
    assert.ok(statSync(at('fifo.csv')).isFIFO(), 'the FIFO is not replaced');
    assert.ok(statSync(at('outdir')).isDirectory() && statSync(at('dir.csv')).isDirectory());
    assertIntact();
  });

  it('replacing an output keeps its mode (logprob, sample, train)', async () => {
    writeFileSync(at('lp-out.csv'), 'old');
    chmodSync(at('lp-out.csv'), 0o600);
    const logprob = await runInProcess(['logprob', at('m.safetensors'), at('x.csv'), '--out', at('lp-out.csv')]);
    assert.equal(logprob.status, 0, logprob.stderr);
    assert.equal(readFileSync(at('lp-out.csv'), 'utf8').split('\n')[0], 'logprob');
    assert.equal(statSync(at('lp-out.csv')).mode & 0o777, 0o600);
    writeFileSync(at('s-out.npy'), 'old');
    chmodSync(at('s-out.npy'), 0o640);
    const sample = await runInProcess(['sample', at('m.safetensors'), '-n', '4', '--seed', '1', '--out', at('s-out.npy')]);
    assert.equal(sample.status, 0, sample.stderr);
    assert.equal(statSync(at('s-out.npy')).mode & 0o777, 0o640);
    writeFileSync(at('private.safetensors'), 'old');
    chmodSync(at('private.safetensors'), 0o600);
    const trained = await runInProcess(['train', at('x.csv'), '--out', at('private.safetensors'), ...TRAIN]);
    assert.equal(trained.status, 0, trained.stderr);
    assert.equal(statSync(at('private.safetensors')).mode & 0o777, 0o600);
  });
});
