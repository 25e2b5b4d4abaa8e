/**
 * Bundles the demo page's script, `demo/browser/main.ts`, for browsers (ES modules, no Node built-ins) into memory.
 * `index.html` loads the entry as `./main.js` (`DEMO_BUNDLE_NAME`); code splitting puts what it imports on demand in
 * chunks beside it (each build of the wasm kernels in its own, so that the page fetches only the one it instantiates).
 * Used by `scripts/serve-demo.mjs` and the tests.
 *
 * @example
 * const { code, files, warnings } = await buildDemo();   // code: the entry's text; files: every output by name
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const DEMO_DIR = dirname(fileURLToPath(import.meta.url));
export const DEMO_BUNDLE_NAME = 'main.js';

/** @param {{ minify?: boolean }} [options] minify @default false */
export async function buildDemo(options = {}) {
  const result = await build({
    entryPoints: [resolve(DEMO_DIR, 'main.ts')],
    outdir: DEMO_DIR,
    bundle: true,
    splitting: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: 'inline',
    minify: options.minify ?? false,
    write: false,
    logLevel: 'silent',
  });
  const files = new Map(result.outputFiles.map((file) => [basename(file.path), file.text]));
  const entry = result.outputFiles.find((file) => basename(file.path) === DEMO_BUNDLE_NAME);
  return { code: entry.text, path: entry.path, files, warnings: result.warnings };
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/**
 * Serves the demo page (bundled once, in memory: the entry and its chunks) on a free loopback port, for headless-browser checks and
 * measurements. Resolves with the page's URL and a function that stops the server.
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startDemoServer() {
  const { files } = await buildDemo();
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const script = files.get(path.slice(1));
    if (script !== undefined) return void response.writeHead(200, { 'content-type': TYPES['.js'] }).end(script);
    const name = path === '/' ? 'index.html' : path.slice(1);
    if (!/^[\w.-]+\.(html|css)$/.test(name)) return void response.writeHead(404).end();
    try {
      const body = await readFile(join(DEMO_DIR, name));
      response.writeHead(200, { 'content-type': TYPES[extname(name)] }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/`,
    close: () => new Promise((resolvePromise) => server.close(() => resolvePromise())),
  };
}
