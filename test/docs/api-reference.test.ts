/** `npm run docs` builds the API reference from the doc comments, with no warning (a broken link fails it). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');

test('typedoc writes the API reference for the public surface', () => {
  const out = mkdtempSync(join(tmpdir(), 'maflow-api-'));
  try {
    const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const result = spawnSync(process.execPath, [typedoc, '--out', out], { cwd: root, encoding: 'utf8' });
    assert.equal(result.status, 0, `typedoc failed:\n${result.stdout}${result.stderr}`);
    for (const page of ['functions/createMaf.html', 'functions/decodeModel.html', 'functions/loadModel.html',
      'classes/MaskedAutoregressiveFlow.html']) {
      assert.ok(existsSync(join(out, page)), `${page} missing`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
