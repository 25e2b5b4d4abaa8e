/** The README's TypeScript blocks run as written (with `'maflow'` resolved to this checkout). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

test('README has TypeScript examples', () => {
  assert.ok(blocks.length >= 1, 'no ```ts block found');
});

blocks.forEach((code, i) => {
  test(`README TypeScript block ${i + 1} runs`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'maflow-readme-'));
    try {
      const file = join(dir, `block${i + 1}.ts`);
      writeFileSync(file, code.replaceAll("from 'maflow'", `from '${join(root, 'src/node.ts')}'`));
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8'});
      assert.ok(out.length > 0, 'printed nothing');
      assert.doesNotMatch(out, /NaN/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
