// `npm run build`: compiles src/ to dist/ (ES modules, declarations, declaration maps and source maps) with
// tsconfig.build.json, then finishes what tsc leaves undone:
// - tsc rewrites `./x.ts` to `./x.js` in the JavaScript it emits (rewriteRelativeImportExtensions) but keeps `.ts` in
//   the declarations, which a consumer's tsc rejects (TS5097) unless it allows .ts imports itself: the relative
//   specifiers of every .d.ts are rewritten the same way;
// - the plots' font is an asset, copied beside the compiled module that reads it.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

/** `from './a.ts'`, `import('./a.ts')`: relative specifiers only (a package name ending in .ts stays). */
const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.ts(['"])/g;

for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = path.join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(RELATIVE_TS, '$1$2.js$3');
  if (rewritten !== text) writeFileSync(file, rewritten);
}

cpSync(path.join(root, 'src', 'cli', 'plots', 'fonts'), path.join(dist, 'cli', 'plots', 'fonts'), { recursive: true });
console.log(`maflow: built ${path.relative(root, dist)}/`);
