import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAtomicFile, writeAtomically, writeFileAtomic, type WriteFunction } from '../../src/io/atomic-write.ts';

test('writeFileAtomic writes strings and bytes and replaces an existing file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-atomic-'));
  const path = join(dir, 'out.txt');
  writeFileSync(path, 'old contents');
  writeFileAtomic(path, 'héllo');
  assert.equal(readFileSync(path, 'utf8'), 'héllo');
  writeFileAtomic(path, new Uint8Array([1, 2, 3, 250]));
  assert.deepEqual([...readFileSync(path)], [1, 2, 3, 250]);
  assert.deepEqual(readdirSync(dir), ['out.txt'], 'no temp file is left behind');
});

test('writeFileAtomic writes a subarray view exactly, not its whole buffer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-atomic-'));
  const path = join(dir, 'view.bin');
  const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
  writeFileAtomic(path, backing.subarray(2, 5));
  assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
});

test('writeFileAtomic removes its temp file and keeps the original when the rename fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-atomic-'));
  // Renaming a file over a non-empty directory fails on every platform.
  const target = join(dir, 'target');
  mkdirSync(target);
  writeFileSync(join(target, 'inside.txt'), 'x');
  assert.throws(() => writeFileAtomic(target, 'data'));
  assert.deepEqual(readdirSync(dir), ['target']);
  assert.deepEqual(readdirSync(target), ['inside.txt']);
});

test('writeFileAtomic fails cleanly when the directory does not exist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-atomic-'));
  assert.throws(() => writeFileAtomic(join(dir, 'missing', 'f.txt'), 'data'), /ENOENT/);
  assert.deepEqual(readdirSync(dir), []);
});

test('writeFileAtomic keeps the mode of the file it replaces (a private model stays private)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-atomic-'));
  const path = join(dir, 'model.safetensors');
  writeFileSync(path, 'old');
  chmodSync(path, 0o600);
  writeFileAtomic(path, 'new contents');
  assert.equal(readFileSync(path, 'utf8'), 'new contents');
  assert.equal(statSync(path).mode & 0o7777, 0o600);
  chmodSync(path, 0o640);
  writeFileAtomic(path, 'newer');
  assert.equal(statSync(path).mode & 0o7777, 0o640);
  writeFileAtomic(join(dir, 'fresh.bin'), 'x', { mode: 0o600 });
  assert.equal(statSync(join(dir, 'fresh.bin')).mode & 0o777, 0o600, 'a new file gets the mode asked for');
});

test('writeFileAtomic through a symbolic link replaces its target and keeps the link', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-atomic-'));
  mkdirSync(join(dir, 'store'));
  const target = join(dir, 'store', 'model.safetensors');
  writeFileSync(target, 'old');
  symlinkSync(target, join(dir, 'link.safetensors'));
  writeFileAtomic(join(dir, 'link.safetensors'), 'new');
  assert.ok(lstatSync(join(dir, 'link.safetensors')).isSymbolicLink());
  assert.equal(readFileSync(target, 'utf8'), 'new');
  assert.deepEqual(readdirSync(join(dir, 'store')), ['model.safetensors']);
});

test('a full disk (ENOSPC, injected) is reported with the destination\'s name; the old file and no temp file remain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-atomic-'));
  const path = join(dir, 'samples.csv');
  writeFileSync(path, 'the old contents');
  let calls = 0;
  const diskFull: WriteFunction = (fd, data, offset, length) => {
    calls++;
    if (calls === 1) return writeSync(fd, data, offset, Math.min(length, 3));   // a short write first, as a filling disk does
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  };
  assert.throws(() => writeFileAtomic(path, 'x'.repeat(100), { write: diskFull }), (error: NodeJS.ErrnoException) => {
    assert.equal(error.code, 'ENOSPC');
    assert.equal(error.syscall, 'write');
    assert.equal(error.path, path);
    assert.equal(error.message, `ENOSPC: no space left on device, write '${path}'`);
    return true;
  });
  assert.equal(calls, 2);
  assert.equal(readFileSync(path, 'utf8'), 'the old contents');
  assert.deepEqual(readdirSync(dir), ['samples.csv']);
});

test('writeFileAtomic retries short writes until every byte is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-atomic-'));
  const path = join(dir, 'bytes.bin');
  const oneByte: WriteFunction = (fd, data, offset) => writeSync(fd, data, offset, 1);
  writeFileAtomic(path, new Uint8Array([5, 6, 7, 8]), { write: oneByte });
  assert.deepEqual([...readFileSync(path)], [5, 6, 7, 8]);
});

test('openAtomicFile streams chunks; abort leaves the destination untouched; a closed file refuses more writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-atomic-'));
  const path = join(dir, 'stream.txt');
  writeFileSync(path, 'original');
  const aborted = openAtomicFile(path);
  aborted.write('partial ');
  assert.equal(readFileSync(path, 'utf8'), 'original', 'nothing is visible before commit');
  aborted.abort();
  assert.equal(readFileSync(path, 'utf8'), 'original');
  assert.deepEqual(readdirSync(dir), ['stream.txt']);
  const file = openAtomicFile(path);
  for (let i = 0; i < 3; i++) file.write(`${i};`);
  file.write(new Uint8Array([0x21]));
  file.commit();
  assert.equal(readFileSync(path, 'utf8'), '0;1;2;!');
  assert.throws(() => file.write('more'), /stream\.txt: the atomic write was already committed/);
  file.abort();
  assert.equal(readFileSync(path, 'utf8'), '0;1;2;!', 'abort after commit does nothing');
});

test('writeAtomically removes the temp file and rethrows when the filler throws', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-atomic-'));
  const path = join(dir, 'out.txt');
  assert.throws(() => writeAtomically(path, (file) => { file.write('half'); throw new RangeError('the producer failed'); }), /the producer failed/);
  assert.deepEqual(readdirSync(dir), []);
});

test('a missing directory names the destination, not the temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-atomic-'));
  const path = join(dir, 'missing', 'f.txt');
  assert.throws(() => writeFileAtomic(path, 'data'), (error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' && error.path === path && error.message === `ENOENT: no such file or directory, open '${path}'`);
});

test('writeFileAtomic refuses to replace a FIFO (or a device): the rename would replace the special file itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-atomic-'));
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  assert.throws(() => writeFileAtomic(fifo, 'data'), /pipe: exists and is not a regular file \(a device, FIFO or socket\)/);
  assert.ok(statSync(fifo).isFIFO());
  assert.deepEqual(readdirSync(dir), ['pipe']);
});
