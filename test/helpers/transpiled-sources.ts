/**
 * This checkout's `src/` as plain JavaScript, for tests that start many child processes.
 *
 * A child started through tsx spends ~1.5 s loading maflow (tsx's loader hooks transpile every module on the way);
 * the same child on plain JavaScript loads it in ~0.2 s. With ~150 doc examples and ~100 CLI runs per suite, that is
 * minutes. So the first test process that asks transpiles every `src/**\/*.ts` with esbuild (no bundling: one `.js`
 * beside each source path, relative `.ts` specifiers rewritten to `.js`, assets copied) into
 * `.tmp/transpiled-src/<hash of the sources>/` inside the checkout (so packages resolve from its node_modules), and
 * every later one reuses it. The hash covers every file under src/, so an edited source always gets a fresh tree: the
 * children always run the sources as they are, which is what the tests are for (test/package checks the compiled
 * dist/ that users get).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { transformSync } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');
/** `from './a.ts'`, `import('./a.ts')`, `new URL('./a.ts', …)` stay relative; only the extension changes. */
/** A tree this much older than the current one belongs to sources no test process still runs. */
const STALE_MS = 60 * 60 * 1000;
const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.ts(['"])/g;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** TypeScript source → ES module JavaScript with `.js` relative specifiers. */
export function transpileModule(code: string, file: string): string {
  const { code: js } = transformSync(code, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file });
  return js.replace(RELATIVE_TS, '$1$2.js$3');
}

let cached: string | undefined;

/** The directory holding `src/` transpiled (built on first use, then reused by every test process). */
export function transpiledSources(): string {
  if (cached !== undefined) return cached;
  const files = filesUnder(src);
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(src, file)).update('\0').update(readFileSync(file)).update('\0');
  const parent = join(root, '.tmp', 'transpiled-src');
  const target = join(parent, hash.digest('hex').slice(0, 16));
  if (!existsSync(target)) {
    const staging = `${target}.${process.pid}-${Date.now()}`;
    for (const file of files) {
      const out = join(staging, relative(src, file));
      mkdirSync(dirname(out), { recursive: true });
      if (file.endsWith('.ts') && !file.endsWith('.d.ts')) {
        writeFileSync(out.replace(/\.ts$/, '.js'), transpileModule(readFileSync(file, 'utf8'), file));
      } else {
        cpSync(file, out);
      }
    }
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another test process published the same tree first: theirs is identical.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(target)) throw error;
    }
    // Trees of earlier sources go once nothing can still be running from them.
    for (const old of readdirSync(parent)) {
      const path = join(parent, old);
      if (path !== target && Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
    }
  }
  return (cached = target);
}

/** The transpiled counterpart of a `src/` path (`src/cli/main.ts` → `<tree>/cli/main.js`). */
export function transpiledPath(sourcePath: string): string {
  const rel = relative(src, resolve(root, sourcePath));
  if (rel.startsWith('..')) throw new Error(`${sourcePath} is not under src/`);
  return join(transpiledSources(), rel.replace(/\.ts$/, '.js'));
}
