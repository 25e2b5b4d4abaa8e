/**
 * Issue #11's corpus, end to end: non-finite values from .npy files and context files, absurd option values, empty
 * arrays, repeated header names, hostile strings from files and system errors each get the right exit status and ONE
 * line on stderr (no stack trace); strings from files never reach the terminal raw.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { matrix, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { TextBuffer } from '../../src/cli/cli-io.ts';
import { reportError } from '../../src/cli/run.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { pngFileSize, runCli, runInProcess, tempDir, type CliResult } from './cli-harness.ts';

/** Raw control characters a terminal would act on (ESC, BEL, DEL, the 8-bit CSI and OSC, bidi override). */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;

/** Asserts exit status `status`, exactly one stderr line `maflow: …` matching every pattern, no stack trace. */
function assertOneLine(result: CliResult, status: number, ...patterns: RegExp[]): void {
  assert.equal(result.status, status, `exit status (stderr: ${result.stderr.slice(0, 500)})`);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one stderr line, got: ${result.stderr.slice(0, 500)}`);
  assert.match(lines[0], /^maflow: /);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(result.stderr, /internal error/);
  for (const pattern of patterns) assert.match(lines[0], pattern);
}

describe('maflow CLI: bad values, bad counts, hostile strings, system errors', () => {
  const temp = tempDir('bad-values');
  const at = (name: string): string => join(temp.dir, name);
  const write = (name: string, text: string): string => {
    writeFileSync(at(name), text);
    return at(name);
  };
  const npy = (name: string, m: Matrix): string => {
    writeNpy(at(name), m);
    return at(name);
  };
  const f64 = (rows: number[][]): Matrix => matrix(rows, undefined, undefined, 'float64');
  const TRAIN = ['--layers', '1', '--hidden', '8', '--epochs', '2'];
  const MODEL = (): string => at('model.safetensors');

  before(async () => {
    writeMatrix(at('moons.csv'), twoMoons(600, { rng: new Rng(1), dtype: 'float64' }).data, { columns: ['x1', 'x2'] });
    const trained = await runInProcess(['train', at('moons.csv'), '--out', MODEL(), ...TRAIN]);
    assert.equal(trained.status, 0, trained.stderr);
    const rows = Array.from({ length: 600 }, (_, i) => `${Math.sin(i)},${Math.cos(i)},${i % 3}`).join('\n');
    const conditional = await runInProcess(['train', write('context.csv', `x1,x2,y\n${rows}\n`), '--context-columns', 'y',
      '--out', at('cond.safetensors'), ...TRAIN]);
    assert.equal(conditional.status, 0, conditional.stderr);
  });
  after(() => temp.remove());

  it('eval, logprob and diagnose refuse NaN and ±Infinity in an .npy, naming the file and 0-based row and column (subprocess)', async () => {
    const nan = npy('nan.npy', f64([[0.1, 0.2], [NaN, 0.3], [0, 0]]));
    assertOneLine(await runCli(['eval', MODEL(), nan], temp.dir), 2, /nan\.npy: row 1, column 0 \(0-based\): expected a finite number, got NaN/);
    const inf = npy('inf.npy', f64([[0.1, 0.2], [0.4, Infinity]]));
    assertOneLine(await runInProcess(['logprob', MODEL(), inf]), 2, /inf\.npy: row 1, column 1 \(0-based\): expected a finite number, got Infinity/);
    const negative = npy('neg.npy', matrix([[0.1, 0.2], [0.5, 0.5], [-Infinity, 0]]));
    assertOneLine(await runInProcess(['diagnose', MODEL(), negative]), 2, /neg\.npy: row 2, column 0 \(0-based\): .*-Infinity/);
  });

  it('a NaN in the middle of a 100,000-row .npy names the right row', async () => {
    const data = new Float32Array(100_000 * 2).map((_, i) => Math.sin(i));
    data[61_234 * 2 + 1] = NaN;
    assertOneLine(await runInProcess(['eval', MODEL(), npy('big.npy', { rows: 100_000, cols: 2, data })]), 2, /big\.npy: row 61234, column 1 \(0-based\)/);
  });

  it('-0, subnormals and the extremes of float32 are ordinary values', async () => {
    const fine = npy('fine.npy', f64([[-0, 5e-324], [1e-310, -0], [0.5, -2.2250738585072014e-308]]));
    const result = await runInProcess(['logprob', MODEL(), fine]);
    assert.equal(result.status, 0, result.stderr);
    const values = result.stdout.trim().split('\n').map(Number);
    assert.equal(values.length, 3);
    assert.ok(values.every(Number.isFinite), result.stdout);
  });

  it('a float64 value that overflows the float32 model is refused with its row and column, not turned into NaN', async () => {
    const huge = npy('huge.npy', f64([[0.1, 0.2], [0.3, 1e300]]));
    assertOneLine(await runInProcess(['eval', MODEL(), huge]), 2, /row 1, column 1 \(0-based\)/, /float32/);
  });

  it('a value refused deep in the flow is named by its row in the file, not in the chunk of rows evaluated', async () => {
    const data = new Float64Array(10_000 * 2).map((_, i) => Math.sin(i));
    data[9_000 * 2 + 1] = 1e300;
    assertOneLine(await runInProcess(['logprob', MODEL(), npy('far.npy', { rows: 10_000, cols: 2, data })]), 2, /row 9000, column 1 \(0-based\)/, /float32/);
  });

  it('sample refuses a context .npy with NaN or Infinity instead of drawing NaN samples', async () => {
    const nan = npy('cnan.npy', f64([[NaN]]));
    assertOneLine(await runInProcess(['sample', at('cond.safetensors'), '-n', '3', '--context', nan]), 2, /cnan\.npy: row 0, column 0 \(0-based\)/);
    const inf = npy('cinf.npy', matrix([[1], [Infinity], [2]]));
    assertOneLine(await runInProcess(['sample', at('cond.safetensors'), '-n', '3', '--context', inf]), 2, /cinf\.npy: row 1, column 0 \(0-based\): .*Infinity/);
  });

  it('an .npy with zero rows (or zero columns) is a data error, for eval and for train', async () => {
    const empty = npy('empty.npy', { rows: 0, cols: 2, data: new Float64Array(0) });
    assertOneLine(await runInProcess(['eval', MODEL(), empty]), 2, /empty\.npy: no data: the array has shape \(0, 2\)/);
    assertOneLine(await runInProcess(['train', empty, '--out', at('never.safetensors'), ...TRAIN]), 2, /empty\.npy: no data/);
    assertOneLine(await runInProcess(['eval', MODEL(), npy('nocols.npy', { rows: 3, cols: 0, data: new Float64Array(0) })]), 2, /shape \(3, 0\)/);
  });

  it('--lr 0 is refused when the options are parsed (a learning rate must be > 0)', async () => {
    assertOneLine(await runInProcess(['train', at('moons.csv'), '--out', at('never.safetensors'), '--lr', '0']), 2, /--lr <rate>' argument '0' is invalid/, /> 0/);
    assertOneLine(await runInProcess(['train', at('moons.csv'), '--out', at('never.safetensors'), '--lr', '-1e-3']), 2, /--lr/);
  });

  it('an absurd -n is refused with its bound', async () => {
    assertOneLine(await runInProcess(['sample', MODEL(), '-n', '9007199254740991']), 2, /-n, --n <count>' argument '9007199254740991' is invalid/, /at most 1000000000/);
    assertOneLine(await runInProcess(['sample', MODEL(), '-n', '1000000001']), 2, /at most 1000000000/);
  });

  it('a model trained on a header that repeats a name (x,x) evaluates that same file, by position', async () => {
    const rows = Array.from({ length: 600 }, (_, i) => `${Math.sin(i)},${Math.cos(1.3 * i)}`).join('\n');
    const duplicated = write('dup.csv', `x,x\n${rows}\n`);
    const trained = await runInProcess(['train', duplicated, '--out', at('dup.safetensors'), ...TRAIN]);
    assert.equal(trained.status, 0, trained.stderr);
    const evaluated = await runInProcess(['eval', at('dup.safetensors'), duplicated, '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.equal(JSON.parse(evaluated.stdout).rows, 600);
    assertOneLine(await runInProcess(['eval', at('dup.safetensors'), write('dup3.csv', 'x,x,x\n1,2,3\n')]), 2,
      /expected 2 columns for this model \("x", "x"\), got 3/, /names repeat, so the file is read by position/);
    const other = await runInProcess(['logprob', MODEL(), write('repeats.csv', 'x1,x1\n0.5,0.5\n')]);
    assert.equal(other.status, 0, `a file whose header repeats a model's name is read by position too: ${other.stderr}`);
  });

  it('control characters in a TSV header never reach the terminal or a CSV header raw', async () => {
    const hostile = '\u001b]0;owned\u0007\u001b[2J\u009b31m\u202ex1';
    const rows = Array.from({ length: 600 }, (_, i) => `${Math.sin(i)}\t${Math.cos(1.3 * i)}`).join('\n');
    const tsv = write('hostile.tsv', `"${hostile}"\tx2\n${rows}\n`);
    const trained = await runInProcess(['train', tsv, '--out', at('hostile.safetensors'), ...TRAIN]);
    assert.equal(trained.status, 0, trained.stderr);
    assert.doesNotMatch(trained.stdout + trained.stderr, RAW_CONTROL);
    const diagnosed = await runInProcess(['diagnose', at('hostile.safetensors'), tsv]);
    assert.equal(diagnosed.status, 0, diagnosed.stderr);
    assert.doesNotMatch(diagnosed.stdout, RAW_CONTROL);
    assert.match(diagnosed.stdout, /\\x1b\]0;owned\\x07/);
    const json = await runInProcess(['diagnose', at('hostile.safetensors'), tsv, '--json']);
    assert.doesNotMatch(json.stdout, RAW_CONTROL);
    assert.equal(JSON.parse(json.stdout).dimensions[0].column, hostile, 'the JSON still carries the name exactly');
    const sampled = await runInProcess(['sample', at('hostile.safetensors'), '-n', '2', '--seed', '1']);
    assert.equal(sampled.status, 0, sampled.stderr);
    assert.doesNotMatch(sampled.stdout, RAW_CONTROL);
    const badCell = await runInProcess(['eval', at('hostile.safetensors'), write('hostile-bad.tsv', `"${hostile}"\tx2\nabc\t1\n`)]);
    assertOneLine(badCell, 2, /row 2, column 1 \("\\x1b\]0;owned\\x07/);
    assert.doesNotMatch(badCell.stderr, RAW_CONTROL);
    const plotted = await runInProcess(['plot', at('hostile.safetensors'), '--data', tsv, '--out', at('hostile.png')]);
    assert.equal(plotted.status, 0, `a control character in a label does not break the SVG parser: ${plotted.stderr}`);
    assert.ok(pngFileSize(at('hostile.png')).width > 0);
    const qq = await runInProcess(['diagnose', at('hostile.safetensors'), tsv, '--plot', at('hostile-qq.png')]);
    assert.equal(qq.status, 0, qq.stderr);
    const wrongColumns = await runInProcess(['eval', at('hostile.safetensors'), write('three.csv', 'a,b,c\n1,2,3\n')]);
    assertOneLine(wrongColumns, 2, /expected 2 columns/);
    assert.doesNotMatch(wrongColumns.stderr, RAW_CONTROL);
  });

  it('a 4 MB cell or a 4 MB column name is quoted as a short excerpt', async () => {
    const cell = await runInProcess(['eval', MODEL(), write('cell.csv', `x1,x2\n1,2\n3,${'a'.repeat(4 * 1024 * 1024)}\n`)]);
    assertOneLine(cell, 2, /cell\.csv: row 3, column 2 \("x2"\): expected a number, got "a{60}…" \(4194304 characters\)/);
    assert.ok(cell.stderr.length < 300, `a short line, got ${cell.stderr.length} characters`);
    const name = `${'n'.repeat(4 * 1024 * 1024)}`;
    const header = await runInProcess(['eval', MODEL(), write('name.csv', `${name},x2,x3\n1,2,3\n`)]);
    assertOneLine(header, 2, /expected 2 columns for this model \("x1", "x2"\), got 3 \("n{60}…" \(4194304 characters\), "x2", "x3"\)/);
    assert.ok(header.stderr.length < 400, `a short line, got ${header.stderr.length} characters`);
    const many = Array.from({ length: 5000 }, (_, i) => `c${i}`);
    const wide = await runInProcess(['eval', MODEL(), write('wide.csv', `${many.join(',')}\n${many.map(() => '1').join(',')}\n`)]);
    assertOneLine(wide, 2, /… \(4990 more\)/);
    assert.ok(wide.stderr.length < 400, `a 5000-column header is listed briefly, got ${wide.stderr.length} characters`);
  });

  it('a 4 MB or control-character metadata string in a model file is quoted as a short printable excerpt', async () => {
    const bytes = readFileSync(MODEL());
    const length = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as { __metadata__: Record<string, string> };
    const rewrite = (name: string, edit: (metadata: Record<string, string>) => void): string => {
      const copy = structuredClone(header);
      edit(copy.__metadata__);
      const json = Buffer.from(JSON.stringify(copy), 'utf8');
      const out = Buffer.alloc(8 + json.length + bytes.length - 8 - length);
      out.writeBigUInt64LE(BigInt(json.length), 0);
      json.copy(out, 8);
      bytes.copy(out, 8 + json.length, 8 + length);
      writeFileSync(at(name), out);
      return at(name);
    };
    const format = rewrite('format.safetensors', (m) => { m.format = `\u001b]0;owned\u0007${'f'.repeat(4 * 1024 * 1024)}`; });
    const result = await runInProcess(['eval', format, at('moons.csv')]);
    assertOneLine(result, 2, /format\.safetensors: not a maflow model file \(its metadata has format "\\x1b\]0;owned\\x07f+…" \(4194314 characters\)/);
    assert.ok(result.stderr.length < 400, `a short line, got ${result.stderr.length} characters`);
    assert.doesNotMatch(result.stderr, RAW_CONTROL);
    const version = rewrite('version.safetensors', (m) => { m.formatVersion = '\u009b2J'; });
    const versioned = await runInProcess(['sample', version, '-n', '1']);
    assertOneLine(versioned, 2, /unsupported model format version "\\x9b2J"/);
    assert.doesNotMatch(versioned.stderr, RAW_CONTROL);
  });

  it('a system error while writing an output is exit status 4 with one line naming the file and the code', async () => {
    assertOneLine(await runInProcess(['logprob', MODEL(), at('moons.csv'), '--out', '/sys/maflow-cannot-write.csv']), 4,
      /EACCES: permission denied/, /\/sys\//);
  });

  it('a system error while reading an input is exit status 4 naming the file (subprocess)', async () => {
    assertOneLine(await runCli(['eval', '/proc/self/mem', at('moons.csv')], temp.dir), 4, /^maflow: EIO: i\/o error, read \(\/proc\/self\/mem\)$/);
  });

  it('reportError maps Node system errors (ENOSPC, EROFS, EIO, EMFILE, …) to exit status 4 and programming errors to 1', () => {
    for (const code of ['ENOSPC', 'EROFS', 'EIO', 'EACCES', 'EDQUOT', 'EMFILE']) {
      const io = { stdout: new TextBuffer(), stderr: new TextBuffer(), env: {} };
      const error = Object.assign(new Error(`${code}: something failed, write 'out.npy'`), { code, syscall: 'write', path: 'out.npy' });
      assert.equal(reportError(error, io), 4, code);
      assert.equal(io.stderr.text(), `maflow: ${code}: something failed, write 'out.npy'\n`);
    }
    const pathless = { stdout: new TextBuffer(), stderr: new TextBuffer(), env: {} };
    assert.equal(reportError(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: 'm.safetensors' }), pathless), 4);
    assert.equal(pathless.stderr.text(), 'maflow: ENOSPC: no space left on device, write (m.safetensors)\n', 'the file is named');
    const bug = { stdout: new TextBuffer(), stderr: new TextBuffer(), env: {} };
    assert.equal(reportError(Object.assign(new TypeError('bad argument'), { code: 'ERR_INVALID_ARG_TYPE' }), bug), 1, 'ERR_* is a bug, not the environment');
  });

  it('every error line is printable and bounded, whatever its message holds', () => {
    const io = { stdout: new TextBuffer(), stderr: new TextBuffer(), env: {} };
    assert.equal(reportError(new Error(`boom \u001b[2J\u009b\n${'z'.repeat(5000)}`), io), 1);
    const line = io.stderr.text();
    assert.doesNotMatch(line, RAW_CONTROL);
    assert.equal(line.trimEnd().split('\n').length, 1);
    assert.ok(line.length < 1100, `bounded, got ${line.length}`);
  });

  it('--help documents the exit statuses', async () => {
    const help = await runInProcess(['--help']);
    assert.match(help.stdout, /Exit status: 0 success; 1 internal error .*; 2 usage or data error; 3 training failed; 4 environment error .*; 130 interrupted/);
  });
});
