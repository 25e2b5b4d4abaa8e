/**
 * The streaming CLI (issue #17): logprob, eval, sample and diagnose read and write every table format a chunk at a
 * time, `-` for stdin and stdout. A data file larger than the child's whole JavaScript heap scores completely and
 * equals the in-memory result; pipes round-trip every format; a bad row in the middle of a stream is named, exit 2,
 * and leaves no output file (stdout: a complete table of the rows before it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, existsSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import { Rng } from '../../src/core/rng.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { TextBuffer } from '../../src/cli/cli-io.ts';
import { loadCliModel } from '../../src/cli/cli-model.ts';
import { columnMoments } from '../../src/cli/column-moments.ts';
import { ksTest } from '../../src/cli/ks-test.ts';
import { summarizeLogLikelihood } from '../../src/cli/log-likelihood-summary.ts';
import { logDensities, toBaseSpace } from '../../src/cli/model-space.ts';
import { readModelData } from '../../src/cli/read-model-data.ts';
import { main } from '../../src/cli/run.ts';
import { parseNpy } from '../../src/io/npy.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { CLI_NODE_ARGS, assertUserError, runInProcess, tempDir, type CliResult } from './cli-harness.ts';

/** Runs the CLI in-process with `stdin` as standard input; stdout as bytes. */
async function runWithStdin(args: readonly string[], stdin: Uint8Array | string): Promise<CliResult & { bytes: Buffer }> {
  const stdout = new TextBuffer();
  const stderr = new TextBuffer();
  const status = await main(args, { stdout, stderr, stdin: Readable.from([Buffer.from(stdin)]), env: { ...process.env, MAFLOW_BACKEND: 'reference' } });
  return { status, stdout: stdout.text(), stderr: stderr.text(), bytes: stdout.bytes() };
}

/** The CLI as a subprocess under a heap cap, stdout to `stdoutFile`. */
function runCapped(args: readonly string[], cwd: string, heapMb: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, ...CLI_NODE_ARGS, ...args],
      { cwd, env: { ...process.env, MAFLOW_BACKEND: 'reference' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('maflow: streamed logprob, eval, sample and diagnose in every format', () => {
  const temp = tempDir('stream-formats');
  const at = (name: string): string => join(temp.dir, name);

  before(async () => {
    writeMatrix(at('moons.csv'), twoMoons(400, { rng: new Rng(3), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
    const trained = await runInProcess(['train', at('moons.csv'), '--out', at('m.safetensors'), '--layers', '1', '--hidden', '8',
      '--epochs', '2', '--lr', '1e-2', '--seed', '2']);
    assert.equal(trained.status, 0, trained.stderr);
    writeMatrix(at('test.csv'), twoMoons(3000, { rng: new Rng(4), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
  });
  after(() => temp.remove());

  /** logprob of `test.csv` in memory, as the library computes it. */
  const inMemory = (path: string): Float64Array => {
    const model = loadCliModel(at('m.safetensors'));
    const { x, context } = readModelData(path, model);
    return logDensities(model, x, context);
  };

  it('a CSV larger than the whole heap of the child (48 MB under --max-old-space-size=24) scores completely and equals the in-memory result', async () => {
    // 1.2M rows of two 17-digit numbers, written in pieces; a label column the model does not read.
    const rng = new Rng(5);
    const fd = openSync(at('big.csv'), 'w');
    writeSync(fd, 'x2,label,x1\n');
    for (let block = 0; block < 12; block++) {
      const lines: string[] = [];
      for (let i = 0; i < 100_000; i++) lines.push(`${rng.normal() * 0.5 + 0.25},row,${rng.normal() + 0.5}`);
      writeSync(fd, `${lines.join('\n')}\n`);
    }
    closeSync(fd);
    assert.ok(statSync(at('big.csv')).size > 48e6, `the file is ${statSync(at('big.csv')).size} bytes`);
    const result = await runCapped(['logprob', 'm.safetensors', 'big.csv', '--out', 'big-lp.npy'], temp.dir, 24);
    assert.equal(result.status, 0, result.stderr);
    const streamed = parseNpy(readFileSync(at('big-lp.npy')));
    assert.equal(streamed.rows, 1_200_000);
    assert.deepEqual(streamed.data, inMemory(at('big.csv')), 'every log-density equals the in-memory one');
    const evaluated = await runCapped(['eval', 'm.safetensors', 'big.csv', '--json'], temp.dir, 24);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const summary = JSON.parse(evaluated.stdout) as Record<string, number>;
    const exact = summarizeLogLikelihood(streamed.data, 2);
    assert.equal(summary.logLikelihood, exact.mean, 'the mean is the same sum');
    assert.equal(summary.median, exact.median, 'the median is exact');
    assert.equal(summary.worst, exact.worst);
    assert.equal(summary.worstRow, exact.worstRow + 1);
    assert.ok(Math.abs(summary.twoStandardErrors - exact.twoStandardErrors) <= 1e-12 * exact.twoStandardErrors);
    assert.equal(summary.rows, 1_200_000);
  });

  it('sample to stdout in each format pipes into logprob - exactly as the CSV file scores; gzip input too', async () => {
    const csv = await runInProcess(['sample', at('m.safetensors'), '-n', '700', '--seed', '9', '--out', at('s.csv')]);
    assert.equal(csv.status, 0, csv.stderr);
    const reference = await runInProcess(['logprob', at('m.safetensors'), at('s.csv')]);
    assert.equal(reference.status, 0, reference.stderr);
    for (const format of ['csv', 'tsv', 'npy', 'jsonl', 'parquet', 'arrow']) {
      const drawn = await runWithStdin(['sample', at('m.safetensors'), '-n', '700', '--seed', '9', '--out', '-', '--out-format', format], '');
      assert.equal(drawn.status, 0, drawn.stderr);
      const scored = await runWithStdin(['logprob', at('m.safetensors'), '-', ...(format === 'tsv' ? ['--format', 'tsv'] : [])], drawn.bytes);
      assert.equal(scored.status, 0, `${format}: ${scored.stderr}`);
      assert.equal(scored.stdout, reference.stdout, `${format} through stdin and stdout`);
    }
    writeFileSync(at('s.csv.gz'), gzipSync(readFileSync(at('s.csv'))));
    assert.equal((await runInProcess(['logprob', at('m.safetensors'), at('s.csv.gz')])).stdout, reference.stdout, '.csv.gz');
    assert.equal((await runWithStdin(['logprob', at('m.safetensors'), '-'], gzipSync(readFileSync(at('s.csv'))))).stdout, reference.stdout, 'gzip on stdin');
  });

  it('logprob writes .parquet, .arrow and .jsonl that their own libraries read back exactly', async () => {
    const expected = inMemory(at('test.csv'));
    for (const extension of ['parquet', 'arrow', 'jsonl']) {
      const result = await runInProcess(['logprob', at('m.safetensors'), at('test.csv'), '--out', at(`lp.${extension}`)]);
      assert.equal(result.status, 0, result.stderr);
    }
    const parquet = await parquetReadObjects({ file: new Uint8Array(readFileSync(at('lp.parquet'))).buffer });
    assert.deepEqual(Float64Array.from(parquet, (row) => row.logprob as number), expected);
    assert.deepEqual(tableFromIPC(readFileSync(at('lp.arrow'))).getChild('logprob')!.toArray(), expected);
    const lines = readFileSync(at('lp.jsonl'), 'utf8').trimEnd().split('\n').map((line) => (JSON.parse(line) as { logprob: number }).logprob);
    assert.deepEqual(Float64Array.from(lines), expected);
  });

  it('a bad row in the middle of a stream: exit 2 naming the row; no --out file; stdout holds exactly the rows before it', async () => {
    const rows = readFileSync(at('test.csv'), 'utf8').trimEnd().split('\n');
    rows[2001] = '0.5,not-a-number';   // data row 2001, line 2002
    writeFileSync(at('bad.csv'), `${rows.join('\n')}\n`);
    writeFileSync(at('kept.npy'), 'old');
    const toFile = await runInProcess(['logprob', at('m.safetensors'), at('bad.csv'), '--out', at('kept.npy')]);
    assertUserError(toFile, /bad\.csv: row 2002, column 2 \("x2"\): expected a number, got "not-a-number"/);
    assert.equal(readFileSync(at('kept.npy'), 'utf8'), 'old', 'the old file stays');
    const fresh = await runInProcess(['logprob', at('m.safetensors'), at('bad.csv'), '--out', at('fresh.parquet')]);
    assert.equal(fresh.status, 2);
    assert.ok(!existsSync(at('fresh.parquet')), 'no partial output file');
    const before = inMemory(at('test.csv')).subarray(0, 2000);
    const plain = await runInProcess(['logprob', at('m.safetensors'), at('bad.csv')]);
    assert.equal(plain.status, 2);
    assert.deepEqual(plain.stdout.trimEnd().split('\n').map(Number), Array.from(before), 'stdout: the 2000 rows before the bad one');
    const parquet = await runWithStdin(['logprob', at('m.safetensors'), at('bad.csv'), '--out', '-', '--out-format', 'parquet'], '');
    assert.equal(parquet.status, 2);
    const objects = await parquetReadObjects({ file: new Uint8Array(parquet.bytes).buffer });
    assert.deepEqual(Float64Array.from(objects, (row) => row.logprob as number), before, 'stdout Parquet: a complete file of the rows before');
    const evaluated = await runInProcess(['eval', at('m.safetensors'), at('bad.csv'), '--json']);
    assertUserError(evaluated, /row 2002/);
    assert.equal(evaluated.stdout, '', 'eval prints no summary of part of the data');
  });

  it('sample --context reads an N-row context along with its draws, from a file or stdin; one row is broadcast', async () => {
    const rng = new Rng(8);
    const rows = Array.from({ length: 400 }, (_, i) => `${rng.normal() + (i % 2)},${rng.normal()},${i % 2}`);
    writeFileSync(at('cond.csv'), `x1,x2,c\n${rows.join('\n')}\n`);
    const trained = await runInProcess(['train', at('cond.csv'), '--context-columns', 'c', '--out', at('c.safetensors'), '--layers', '1',
      '--hidden', '8', '--epochs', '2', '--lr', '1e-2', '--seed', '2']);
    assert.equal(trained.status, 0, trained.stderr);
    const contexts = `c\n${Array.from({ length: 70_000 }, (_, i) => i % 2).join('\n')}\n`;
    writeFileSync(at('contexts.csv'), contexts);
    const fromFile = await runInProcess(['sample', at('c.safetensors'), '-n', '70000', '--seed', '3', '--context', at('contexts.csv'), '--out', at('cs.npy')]);
    assert.equal(fromFile.status, 0, fromFile.stderr);
    const piped = await runWithStdin(['sample', at('c.safetensors'), '-n', '70000', '--seed', '3', '--context', '-', '--out', '-', '--out-format', 'npy'], contexts);
    assert.equal(piped.status, 0, piped.stderr);
    assert.ok(piped.bytes.equals(readFileSync(at('cs.npy'))), 'the same draws from stdin as from the file');
    writeFileSync(at('one.csv'), 'c\n1\n');
    writeFileSync(at('ones.csv'), `c\n${Array(70_000).fill(1).join('\n')}\n`);
    const broadcast = await runInProcess(['sample', at('c.safetensors'), '-n', '70000', '--seed', '3', '--context', at('one.csv')]);
    const repeated = await runInProcess(['sample', at('c.safetensors'), '-n', '70000', '--seed', '3', '--context', at('ones.csv')]);
    assert.equal(broadcast.status, 0, broadcast.stderr);
    assert.equal(broadcast.stdout, repeated.stdout, 'a one-row context is broadcast');
    assertUserError(await runInProcess(['sample', at('c.safetensors'), '-n', '70001', '--context', at('contexts.csv'), '--out', at('no.csv')]),
      /contexts\.csv: expected 1 context row \(broadcast\) or 70001 rows \(one per sample\), got 70000/);
    assertUserError(await runInProcess(['sample', at('c.safetensors'), '-n', '69999', '--context', at('contexts.csv'), '--out', at('no.csv')]),
      /or 69999 rows \(one per sample\), got 70000/);
    assert.ok(!existsSync(at('no.csv')));
  });

  it('diagnose streamed equals the in-memory moments and KS; eval, logprob, sample, diagnose and plot --json share the RunInfo fields', async () => {
    const result = await runInProcess(['diagnose', at('m.safetensors'), at('test.csv'), '--json']);
    assert.equal(result.status, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { command: string; rows: number; dimensions: { mean: number; std: number; skewness: number; excessKurtosis: number; ks: number }[] };
    const model = loadCliModel(at('m.safetensors'));
    const { x } = readModelData(at('test.csv'), model);
    const u = toBaseSpace(model, x, undefined);
    columnMoments(u).forEach((m, d) => {
      for (const key of ['mean', 'std', 'skewness', 'excessKurtosis'] as const) {
        assert.ok(Math.abs(summary.dimensions[d][key] - m[key]) <= 1e-12 * Math.max(1, Math.abs(m[key])), `${key} of u${d}`);
      }
      assert.equal(summary.dimensions[d].ks, ksTest(Float64Array.from({ length: u.rows }, (_, r) => u.data[r * 2 + d])).statistic, `KS of u${d}`);
    });
    const runs = [
      summary,
      JSON.parse((await runInProcess(['eval', at('m.safetensors'), at('test.csv'), '--json'])).stdout),
      JSON.parse((await runInProcess(['logprob', at('m.safetensors'), at('test.csv'), '--out', at('j.csv'), '--json'])).stdout),
      JSON.parse((await runInProcess(['sample', at('m.safetensors'), '-n', '5', '--out', at('j.npy'), '--json', '--seed', '1'])).stdout),
      JSON.parse((await runInProcess(['plot', at('m.safetensors'), '-n', '50', '--out', at('j.png'), '--json'])).stdout),
    ] as Record<string, unknown>[];
    assert.deepEqual(runs.map((run) => run.command), ['diagnose', 'eval', 'logprob', 'sample', 'plot']);
    for (const run of runs) {
      assert.deepEqual(Object.keys(run).slice(0, 5), ['command', 'maflowVersion', 'backend', 'cpu', 'wallSeconds']);
    }
    assert.equal(runs[2].rows, 3000);
    assert.equal(runs[3].rows, 5);
    assertUserError(await runInProcess(['logprob', at('m.safetensors'), at('test.csv'), '--json']), /--json prints its summary on stdout/);
  });
});
