import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/io/atomic-write.ts';

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
