/**
 * What the `maflow` command loads (issue 14: start-up is part of `maflow train`'s time). Help and the version load
 * only the command definitions; a command loads its action and the formats it reads or writes, nothing else; the
 * training worker loads the training code of its task's kind. Every module of the child, worker threads included,
 * is traced (test/helpers/module-trace.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { moduleTracer } from '../helpers/module-trace.ts';
import { CLI_NODE_ARGS, tempDir } from './cli-harness.ts';

/** The packages that only some formats and commands need (Parquet, Arrow, ONNX, plotting). */
const HEAVY = /\/node_modules\/(hyparquet|hyparquet-writer|protobufjs|apache-arrow|@observablehq\/plot|linkedom|@resvg\/resvg-js)\//;

let dir: string;
let remove: () => void;
let tracer: string[];

before(() => {
  ({ dir, remove } = tempDir('start-up'));
  tracer = moduleTracer(dir);
});
after(() => remove());

/** Runs `maflow …args` traced; returns its stdout and the URLs it loaded. */
function traced(args: readonly string[]): { stdout: string; loaded: string[] } {
  const file = join(dir, 'trace.txt');
  rmSync(file, { force: true });
  const result = spawnSync(process.execPath, [...tracer, ...CLI_NODE_ARGS, ...args], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, MAFLOW_BACKEND: 'reference', TRACE_FILE: file },
  });
  assert.equal(result.status, 0, `maflow ${args.join(' ')}: ${result.stderr}`);
  return { stdout: result.stdout, loaded: readFileSync(file, 'utf8').trim().split('\n') };
}

const matching = (loaded: readonly string[], pattern: RegExp): string[] => loaded.filter((url) => pattern.test(url));

for (const args of [['--version'], ['--help'], ['train', '--help']]) {
  test(`maflow ${args.join(' ')} loads the command definitions only`, () => {
    const { stdout, loaded } = traced(args);
    assert.match(stdout, args[0] === '--version' ? /^\d+\.\d+\.\d+/ : /Usage: maflow/);
    assert.ok(matching(loaded, /\/cli\/commands\/train\.js$/).length > 0, 'the trace saw the train command defined');
    assert.deepEqual(matching(loaded, HEAVY), []);
    assert.deepEqual(matching(loaded, /\/cli\/actions\/|\/kernels\/|\/flows\/(?!encoder-kinds)|\/bijectors\//), [],
      'no command ran, so no action, kernel, flow or bijector loads');
  });
}

test('maflow train on a CSV loads no other format and no temporal MAF; logprob --out .parquet loads the Parquet writer', () => {
  const rows = ['a,b,c'];
  for (let i = 0; i < 200; i++) rows.push(`${Math.sin(i)},${Math.cos(i * 0.7)},${(i % 17) / 17}`);
  writeFileSync(join(dir, 'data.csv'), `${rows.join('\n')}\n`);
  const train = traced(['train', 'data.csv', '--out', 'm.safetensors', '--epochs', '1', '--layers', '1', '--hidden', '8']);
  assert.ok(matching(train.loaded, /\/cli\/train-worker\.js$/).length > 0, 'the trace saw the training worker');
  assert.ok(matching(train.loaded, /\/cli\/train-job\.js$/).length > 0, 'the worker loaded the tabular training');
  assert.deepEqual(matching(train.loaded, HEAVY), []);
  assert.deepEqual(matching(train.loaded, /\/cli\/(sequences\/(train-sequence-model|sequence-train-job)|actions\/(?!train\.js)|plots\/)|\/io\/(parquet|arrow|onnx\/(?!onnx-opset))/), []);

  const logprob = traced(['logprob', 'm.safetensors', 'data.csv', '--out', 'lp.parquet']);
  assert.ok(matching(logprob.loaded, /\/node_modules\/hyparquet-writer\//).length > 0, 'writing Parquet loads its writer');
  assert.deepEqual(matching(logprob.loaded, /\/node_modules\/(protobufjs|apache-arrow|@observablehq\/plot|linkedom|@resvg\/resvg-js)\//), []);
  assert.deepEqual(matching(logprob.loaded, /\/cli\/actions\/(?!logprob\.js)/), []);
});
