/**
 * `npm run docs` builds the API reference from the doc comments, with no warning (a broken link fails it), and the
 * pages carry the prose: each file's doc comment sits on its export, not above the imports where TypeDoc would take it
 * for a module comment and leave the export's page without a description.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');

/** A page's text without tags, whitespace collapsed, so that a summary with inline code matches as plain words. */
function pageText(html: string): string {
  return html.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
}

test('typedoc writes the API reference for the public surface, with each export\'s doc comment', () => {
  const out = mkdtempSync(join(tmpdir(), 'maflow-api-'));
  try {
    const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const result = spawnSync(process.execPath, [typedoc, '--out', out], { cwd: root, encoding: 'utf8' });
    assert.equal(result.status, 0, `typedoc failed:\n${result.stdout}${result.stderr}`);
    const summaries: Record<string, RegExp> = {
      'functions/createMaf.html': /masked autoregressive flow of Papamakarios et al\. \(2017\)/,
      'functions/decodeModel.html': /Rebuilds the flow of a model file from its bytes/,
      'functions/loadModel.html': /Reads a model written by saveModel/,
      'classes/MaskedAutoregressiveFlow.html': /The masked autoregressive flow bijector \(Papamakarios et al\. 2017/,
    };
    for (const [page, summary] of Object.entries(summaries)) {
      const path = join(out, page);
      assert.ok(existsSync(path), `${page} missing`);
      assert.match(pageText(readFileSync(path, 'utf8')), summary, `${page} lacks its summary`);
    }
    const createMaf = readFileSync(join(out, 'functions/createMaf.html'), 'utf8');
    const codeBlocks = [...createMaf.matchAll(/<pre><code[^>]*>([\s\S]*?)<\/code>/g)].map((m) => pageText(m[1]));
    assert.ok(codeBlocks.some((code) => code.includes('createMaf({')), 'createMaf page lacks its @example code block');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
