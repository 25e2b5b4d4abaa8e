#!/usr/bin/env node
/**
 * `npm run demo:browser [-- --port N]`: bundles the live-training demo (`demo/browser/main.ts`) with esbuild and
 * serves `demo/browser/` on http://127.0.0.1:N (default 5173; `--port 0` picks a free port), loopback only.
 * The bundle (its entry and the chunks it imports on demand) is built in memory, and rebuilt whenever the page asks
 * for the entry, so reloading shows source edits.
 * Every response carries the COOP/COEP headers that make the page cross-origin isolated (SharedArrayBuffer, which the
 * wasm backend's worker threads need).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { buildDemo, DEMO_BUNDLE_NAME, DEMO_DIR } from '../demo/browser/build-demo.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

function parsePort(argv) {
  const at = argv.findIndex((a) => a === '--port' || a.startsWith('--port='));
  if (at === -1) return 5173;
  const text = argv[at].includes('=') ? argv[at].slice('--port='.length) : argv[at + 1];
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve-demo: --port expects an integer in 0…65535, got '${text ?? ''}'`);
    process.exit(2);
  }
  return port;
}

/** Cross-origin isolation: `crossOriginIsolated` is true in the page, so SharedArrayBuffer is available. */
const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

async function respond(request, response) {
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) response.setHeader(name, value);
  const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
  if (path === `/${DEMO_BUNDLE_NAME}` || bundle?.files.has(path.slice(1))) {
    try {
      // The entry rebuilds; a chunk comes from the build that named it (its name carries its content's hash).
      if (path === `/${DEMO_BUNDLE_NAME}`) bundle = await buildDemo();
      response.writeHead(200, { 'content-type': TYPES['.js'], 'cache-control': 'no-store' });
      response.end(bundle.files.get(path.slice(1)));
    } catch (error) {
      console.error(`serve-demo: the bundle failed to build:\n${error.message}`);
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`bundle failed to build:\n${error.message}`);
    }
    return;
  }
  const file = normalize(join(DEMO_DIR, path.endsWith('/') ? `${path}index.html` : path));
  if (!file.startsWith(DEMO_DIR + sep) || file.endsWith('.ts') || file.endsWith('.mjs') || file.endsWith('.mts')) {
    response.writeHead(404).end('not found');
    return;
  }
  try {
    const body = await readFile(file);
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    response.end(body);
  } catch {
    response.writeHead(404).end('not found');
  }
}

const port = parsePort(process.argv.slice(2));
/** The latest build: `files` holds the entry and its chunks by name. */
let bundle;
try {
  bundle = await buildDemo();
} catch (error) {
  console.error(`serve-demo: the bundle failed to build:\n${error.message}`);
  process.exit(1);
}
const server = createServer((request, response) => { void respond(request, response); });
server.on('error', (error) => {
  console.error(`serve-demo: cannot listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`maflow demo: http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : port}/`);
});
