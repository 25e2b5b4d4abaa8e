import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError } from '../../src/io/data-error.ts';
import { readFileBytes } from '../../src/io/read-file-bytes.ts';

test('readFileBytes: a wrong path named (missing, a directory, through a file) is a DataError naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-read-'));
  try {
    writeFileSync(join(dir, 'file.csv'), 'x\n1\n');
    assert.equal(readFileBytes(join(dir, 'file.csv')).length, 4);
    for (const [path, pattern] of [[join(dir, 'missing.csv'), /missing\.csv: no such file$/], [dir, /: is a directory, expected a file$/],
      [join(dir, 'file.csv', 'inner.csv'), /inner\.csv: no such file \(a part of the path is not a directory\)$/]] as const) {
      assert.throws(() => readFileBytes(path), (error: unknown) => error instanceof DataError && pattern.test(error.message), path);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readFileBytes: a failure of the system (here an I/O error) keeps Node\'s code, syscall and message, for exit status 4', () => {
  assert.throws(() => readFileBytes('/proc/self/mem'), (error: unknown) => {
    assert.ok(!(error instanceof DataError), 'not a data error');
    assert.equal((error as NodeJS.ErrnoException).code, 'EIO');
    assert.equal((error as NodeJS.ErrnoException).syscall, 'read');
    assert.equal((error as NodeJS.ErrnoException).path, '/proc/self/mem', 'the file is named');
    return true;
  });
});
