/**
 * Outputs stream: `sample` and `logprob` write CSV / .npy in chunks to a temporary file and rename it, so a few million
 * rows fit in a 64 MB JavaScript heap and the output is a complete file or nothing; a write that fails part-way (a
 * full disk, or here the kernel's file-size limit, EFBIG) names the file and leaves the old one; a trained model that
 * cannot be written is saved to os.tmpdir() instead.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { loadCliModel, saveCliModel, type CliModel } from '../../src/cli/cli-model.ts';
import { runTrainJob, type TrainJob } from '../../src/cli/train-job.ts';
import { parseNpy } from '../../src/io/npy.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { CLI_NODE_ARGS, type CliResult, runInProcess, tempDir } from './cli-harness.ts';

/** Runs the CLI with `nodeArgs` before it, optionally under `ulimit -f <blocks>` and with stdout to a file. */
function runLimited(args: readonly string[], cwd: string, limits: { nodeArgs?: string[]; fileBlocks?: number; stdoutFile?: string } = {}): Promise<CliResult> {
  const node = [process.execPath, ...(limits.nodeArgs ?? []), ...CLI_NODE_ARGS, ...args];
  const command = limits.fileBlocks === undefined ? node : ['/bin/sh', '-c', `ulimit -f ${limits.fileBlocks} && exec "$@"`, 'sh', ...node];
  const stdoutFd = limits.stdoutFile === undefined ? undefined : openSync(limits.stdoutFile, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), {
      cwd, env: { ...process.env, MAFLOW_BACKEND: 'reference' }, stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (status) => {
      if (stdoutFd !== undefined) closeSync(stdoutFd);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A failure reported in one `maflow:` line (the last on stderr) that names `file` and `code`, with no stack. */
function assertNamedFailure(result: CliResult, file: string, code: string): void {
  assert.notEqual(result.status, 0, result.stderr);
  const messages = result.stderr.trimEnd().split('\n').filter((line) => line.startsWith('maflow:'));
  assert.equal(messages.length, 1, result.stderr);
  assert.ok(messages[0].includes(code) && messages[0].includes(file), `names ${code} and ${file}: ${messages[0]}`);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

describe('maflow: streamed, atomic outputs', () => {
  const temp = tempDir('streaming');
  const at = (name: string): string => join(temp.dir, name);
  const noTemps = (): void => assert.deepEqual(readdirSync(temp.dir).filter((name) => name.endsWith('.tmp')), [], 'no temp files');

  before(async () => {
    writeMatrix(at('moons.csv'), twoMoons(400, { rng: new Rng(3), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
    const trained = await runInProcess(['train', at('moons.csv'), '--out', at('m.safetensors'), '--layers', '1', '--hidden', '8',
      '--epochs', '2', '--lr', '1e-2', '--seed', '2']);
    assert.equal(trained.status, 0, trained.stderr);
  });
  after(() => temp.remove());

  it('sample -n 2000000 to a .csv file and to stdout runs in a 64 MB heap (the whole-output string needed ~80 MB)', async () => {
    const heap = { nodeArgs: ['--max-old-space-size=64'] };
    const file = await runLimited(['sample', 'm.safetensors', '-n', '2000000', '--seed', '7', '--out', 'big.csv'], temp.dir, heap);
    assert.equal(file.status, 0, file.stderr);
    const piped = await runLimited(['sample', 'm.safetensors', '-n', '2000000', '--seed', '7'], temp.dir, { ...heap, stdoutFile: at('stdout.csv') });
    assert.equal(piped.status, 0, piped.stderr);
    const text = readFileSync(at('big.csv'), 'latin1');
    assert.ok(readFileSync(at('stdout.csv')).equals(readFileSync(at('big.csv'))), 'stdout and --out give the same bytes');
    const lines = text.split('\n');
    assert.equal(lines.length, 2_000_002, 'header, 2,000,000 rows and the final newline');
    assert.equal(lines[0], 'x1,x2');
    assert.equal(lines[lines.length - 1], '');
    const few = await runInProcess(['sample', at('m.safetensors'), '-n', '3', '--seed', '7']);
    assert.deepEqual(few.stdout.split('\n').slice(0, 4), lines.slice(0, 4), 'the first draws are those of a small run with the seed');
    for (const row of [1, 65_536, 65_537, 1_000_000, 2_000_000]) {
      const values = lines[row].split(',').map(Number);
      assert.ok(values.length === 2 && values.every(Number.isFinite), `row ${row}: ${lines[row]}`);
    }
    assert.notEqual(lines[65_536], lines[65_537]);
    noTemps();
  });

  it('sample to .npy across chunk boundaries gives a valid array of exactly N rows', async () => {
    const result = await runInProcess(['sample', at('m.safetensors'), '-n', '70000', '--seed', '7', '--out', at('s.npy')]);
    assert.equal(result.status, 0, result.stderr);
    const array = parseNpy(readFileSync(at('s.npy')), 's.npy');
    assert.equal(array.rows, 70000);
    assert.equal(array.cols, 2);
    const csv = readFileSync(at('big.csv'), 'latin1').split('\n', 3);
    const precision = array.data instanceof Float32Array ? Math.fround : (v: number): number => v;   // CSV text round-trips in the samples' dtype
    assert.deepEqual(Array.from(array.data.subarray(0, 4)), [...csv[1].split(','), ...csv[2].split(',')].map((v) => precision(Number(v))));
    assert.ok(array.data.every(Number.isFinite));
  });

  it('a write that fails part-way (EFBIG under ulimit -f) names the output; the old file and its mode stay', async () => {
    writeFileSync(at('keep.csv'), 'precious\n');
    chmodSync(at('keep.csv'), 0o600);
    const sample = await runLimited(['sample', 'm.safetensors', '-n', '300000', '--seed', '1', '--out', 'keep.csv'], temp.dir, { fileBlocks: 2048 });
    assertNamedFailure(sample, 'keep.csv', 'EFBIG');
    writeMatrix(at('many.csv'), twoMoons(200_000, { rng: new Rng(4), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
    const logprob = await runLimited(['logprob', 'm.safetensors', 'many.csv', '--out', 'keep.csv'], temp.dir, { fileBlocks: 2048 });
    assertNamedFailure(logprob, 'keep.csv', 'EFBIG');
    assert.equal(readFileSync(at('keep.csv'), 'utf8'), 'precious\n');
    assert.equal(statSync(at('keep.csv')).mode & 0o777, 0o600);
    noTemps();
  });

  it('train whose model cannot be written names the file and the error (through the worker thread)', async () => {
    const before = readFileSync(at('m.safetensors'));
    // 1 block (512 bytes) is less than any model: the write to --out fails, and so does the rescue in os.tmpdir().
    const result = await runLimited(['train', 'moons.csv', '--out', 'm.safetensors', '--layers', '1', '--hidden', '8', '--epochs', '2',
      '--lr', '1e-2', '--seed', '2'], temp.dir, { fileBlocks: 1 });
    assertNamedFailure(result, 'm.safetensors', 'EFBIG');
    assert.match(result.stderr, /saving it to .*maflow-rescued-m-.*\.safetensors instead failed too \(EFBIG\): the trained model is lost/);
    assert.ok(readFileSync(at('m.safetensors')).equals(before), 'the old model stays');
    noTemps();
  });

  it('a checkpoint that cannot be written stops training, and the best model so far is still written (subprocess, EFBIG)', async () => {
    // 40 blocks of 512 bytes: room for this model (~13 KB), not for its checkpoint (~47 KB, with Adam's moments).
    const result = await runLimited(['train', 'moons.csv', '--out', 'kept.safetensors', '--checkpoint', 'ck.safetensors', '--layers', '2',
      '--hidden', '32,32', '--epochs', '5', '--lr', '1e-2', '--seed', '2'], temp.dir, { fileBlocks: 40 });
    assertNamedFailure(result, 'ck.safetensors', 'EFBIG');
    assert.match(result.stderr, /training stopped after epoch 1, and the best model so far \(epoch 1\) was written to kept\.safetensors\b/);
    const evaluated = await runInProcess(['eval', at('kept.safetensors'), at('moons.csv'), '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.ok(!existsSync(at('ck.safetensors')));
    noTemps();
  });

  it('a checkpoint directory that disappears mid-run (ENOENT) stops training after that epoch and keeps the model', () => {
    const job: TrainJob = {
      spec: { kind: 'maf', features: 2, contextFeatures: 0, layers: 1, hiddenUnits: [8], seed: 2 },
      x: twoMoons(300, { rng: new Rng(5), dtype: 'float64' }).data, columns: ['x1', 'x2'], contextColumns: [], standardize: true,
      validationFraction: 0.1, epochs: 10, batchSize: 50, learningRate: 1e-2, weightDecay: 0, patience: 30, seed: 0,
      out: at('survivor.safetensors'), dataPath: at('moons.csv'), checkpoint: { path: at('ckdir/ck.safetensors'), every: 1 },
    };
    mkdirSync(at('ckdir'));
    const epochs: number[] = [];
    assert.throws(() => runTrainJob(job, { onEpoch: (e) => { epochs.push(e.epoch); if (e.epoch === 2) rmSync(at('ckdir'), { recursive: true }); } }),
      (error: NodeJS.ErrnoException) => {
        assert.equal(error.code, 'ENOENT');
        assert.equal(error.path, job.checkpoint?.path);
        assert.match(error.message, /^ENOENT: no such file or directory, open '.*ckdir\/ck\.safetensors'; training stopped after epoch 2, and the best model so far \(epoch [12]\) was written to .*survivor\.safetensors$/);
        return true;
      });
    assert.deepEqual(epochs, [1, 2], 'no epoch after the failed checkpoint');
    assert.equal(loadCliModel(job.out).columns.length, 2);
  });

  it('a full disk when saving the trained model (ENOSPC, injected) keeps it in a rescue file and names both', () => {
    const job: TrainJob = {
      spec: { kind: 'maf', features: 2, contextFeatures: 0, layers: 1, hiddenUnits: [8], seed: 2 },
      x: twoMoons(300, { rng: new Rng(5), dtype: 'float64' }).data, columns: ['x1', 'x2'], contextColumns: [], standardize: true,
      validationFraction: 0.1, epochs: 2, batchSize: 50, learningRate: 1e-2, weightDecay: 0, patience: 30, seed: 0,
      out: at('full-disk.safetensors'), dataPath: at('moons.csv'),
    };
    writeFileSync(job.out, 'the previous model');
    // The disk of --out is full; the rescue copy (in os.tmpdir()) is written for real.
    const save = (path: string, model: CliModel): void => {
      if (path === job.out) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC', syscall: 'write', path });
      saveCliModel(path, model);
    };
    let error: (NodeJS.ErrnoException & { rescuedTo?: string }) | undefined;
    try {
      runTrainJob(job, { save });
    } catch (caught) {
      error = caught as NodeJS.ErrnoException & { rescuedTo?: string };
    }
    assert.ok(error !== undefined, 'the save failure is reported');
    assert.equal(error.code, 'ENOSPC');
    assert.equal(error.path, job.out);
    assert.ok(error.rescuedTo !== undefined && existsSync(error.rescuedTo));
    assert.equal(error.message, `ENOSPC: no space left on device, write '${job.out}'; the trained model was saved to ${error.rescuedTo} instead`);
    assert.equal(loadCliModel(error.rescuedTo).columns.length, 2, 'the rescue file is a model');
    assert.equal(readFileSync(job.out, 'utf8'), 'the previous model');
    rmSync(error.rescuedTo);
  });
});
