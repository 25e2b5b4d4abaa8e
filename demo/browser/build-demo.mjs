/**
 * Bundles the demo page's script, `demo/browser/main.ts`, for browsers (ES module, no Node built-ins) into memory.
 * `index.html` loads the result as `./main.js` (`DEMO_BUNDLE_NAME`). Used by `scripts/serve-demo.mjs` and the tests.
 *
 * @example
 * const { code, warnings } = await buildDemo();          // code: the bundle's text
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const DEMO_DIR = dirname(fileURLToPath(import.meta.url));
export const DEMO_BUNDLE_NAME = 'main.js';

/** @param {{ minify?: boolean }} [options] minify @default false */
export async function buildDemo(options = {}) {
  const result = await build({
    entryPoints: [resolve(DEMO_DIR, 'main.ts')],
    outfile: resolve(DEMO_DIR, DEMO_BUNDLE_NAME),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: 'inline',
    minify: options.minify ?? false,
    write: false,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0].text, path: result.outputFiles[0].path, warnings: result.warnings };
}
