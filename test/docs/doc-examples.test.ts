/**
 * Every `@example` in a doc comment under src/ runs as written, so an example cannot drift from the API it shows.
 *
 * An example is the text from its `@example` line to the next `@tag` line or the end of the comment, with the leading
 * ` * ` stripped. It is written as a user writes code: `from 'maflow'` (rewritten to this checkout's `src/node.ts`),
 * or, for an internal module that the barrel does not export, a specifier relative to its source file (rewritten to
 * an absolute path). Top-level await works: the example is an ES module.
 *
 * Each example runs in its own process (not batched per source file: almost every file has one example, so batching
 * would save little and would cost the isolation of imports, globals and the chosen backend), with its own fresh
 * temporary directory as the working directory, so examples that write files write there. At most two run at a time.
 * The child runs on the reference backend, so the test does not depend on the native addon being built. It runs plain
 * JavaScript: the example and this checkout's sources transpiled by esbuild (test/helpers/transpiled-sources.ts), which
 * starts a child in a fraction of the time tsx takes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { transpiledPath, transpileModule } from '../helpers/transpiled-sources.ts';

const root = resolve(import.meta.dirname, '../..');
const barrel = transpiledPath('src/node.ts');
/** Below this many, the extractor is broken rather than the docs short of examples. */
const MIN_EXAMPLES = 90;
const EXAMPLE_TIMEOUT_MS = 60_000;

interface DocExample {
  /** Path of the source file relative to the repository root. */
  readonly file: string;
  /** 1-based line of the `@example` tag. */
  readonly line: number;
  readonly code: string;
}

/** The `@example` blocks of one source file's doc comments. */
function extractExamples(source: string, file: string): DocExample[] {
  const lines = source.split('\n');
  const examples: DocExample[] = [];
  let inComment = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!inComment && /^\s*\/\*\*/.test(line)) inComment = true;
    if (inComment && /^\s*\*\s*@example\b/.test(line)) {
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        if (/^\s*\*\s*@\w/.test(lines[j]) || lines[j].includes('*/')) break;
        body.push(lines[j].replace(/^\s*\* ?/, ''));
      }
      examples.push({ file, line: i + 1, code: body.join('\n').trim() });
      i = j - 1;
      continue;
    }
    if (inComment && line.includes('*/')) inComment = false;
  }
  return examples;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(path);
      return entry.name.endsWith('.ts') ? [path] : [];
    })
    .sort();
}

/** Points `'maflow'` at the checkout's (transpiled) barrel and relative specifiers at the example's source directory's. */
function resolveImports(code: string, sourceFile: string): string {
  return code.replace(/(\bfrom\s*|\bimport\s*\(\s*)(['"])(maflow|\.\.?\/[^'"]*)\2/g, (_match, lead: string, quote: string, specifier: string) => {
    const target = specifier === 'maflow' ? barrel : transpiledPath(resolve(dirname(join(root, sourceFile)), specifier));
    return `${lead}${quote}${target}${quote}`;
  });
}

interface RunResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly output: string;
}

function runExample(example: DocExample): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-doc-example-'));
  const file = join(dir, `${basename(example.file, '.ts')}-${example.line}.mjs`);
  writeFileSync(file, transpileModule(`${resolveImports(example.code, example.file)}\n`, file));
  const env = { ...process.env, MAFLOW_BACKEND: 'reference' };
  return new Promise((done) => {
    execFile(process.execPath, [file], { cwd: dir, env, timeout: EXAMPLE_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      const failure = error as (Error & { code?: number | string; signal?: string | null }) | null;
      const exitCode = failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null;
      done({ exitCode, signal: failure?.signal ?? null, output: `${stdout}${stderr}` });
    });
  });
}

const examples = sourceFiles(join(root, 'src')).flatMap((path) =>
  extractExamples(readFileSync(path, 'utf8'), relative(root, path)),
);

test(`doc comments under src/ hold at least ${MIN_EXAMPLES} @example blocks`, () => {
  assert.ok(examples.length >= MIN_EXAMPLES, `found ${examples.length} @example blocks; is the extractor broken?`);
});

describe('doc comment @example blocks run', { concurrency: 2 }, () => {
  for (const example of examples) {
    test(`${example.file}:${example.line} @example`, async () => {
      assert.notEqual(example.code, '', 'the @example block is empty');
      const { exitCode, signal, output } = await runExample(example);
      const shown = `--- example ---\n${example.code}\n--- output ---\n${output}`;
      assert.equal(exitCode, 0, `exited with ${exitCode ?? signal}\n${shown}`);
      assert.doesNotMatch(output, /NaN/, `printed NaN\n${shown}`);
    });
  }
});
