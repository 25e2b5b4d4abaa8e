/**
 * Debian's Chromium, headless, through playwright-core: `launchChromium()` installs the browser when
 * /usr/bin/chromium is missing (`apt-get install -y chromium`, as a fresh CI machine needs) and launches it, or throws
 * one clear message saying why it cannot. `serveBundledPage(entry)` serves an esbuild bundle of a page script on a
 * local port. Tests (and the browser bench) that run code in a real browser share both.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { aptInstall } from './apt-install.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** Installs Chromium when it is missing; returns why it cannot be installed, or null. */
export function ensureChromium(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const failure = aptInstall(['chromium']);
  if (failure === null && existsSync(CHROMIUM)) return null;
  return `Chromium is not installed at ${CHROMIUM} and ${failure ?? 'apt-get install -y chromium did not install it'}`;
}

/** A headless Chromium. @throws with the reason when it cannot be installed or started. */
export async function launchChromium(): Promise<Browser> {
  const missing = ensureChromium();
  if (missing !== null) throw new Error(missing);
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  } catch (error) {
    throw new Error(`Chromium at ${CHROMIUM} did not start: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The headers that make a page cross-origin isolated (SharedArrayBuffer, and so wasm threads, become available). */
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/**
 * Bundles the page script `entry` (esbuild, ES modules for the browser) and serves it with a page that loads it, on
 * 127.0.0.1 at a free port: cross-origin isolated unless `isolated` is false. Close the server when done.
 */
export async function serveBundledPage(entry: string, { isolated = true } = {}): Promise<{ server: Server; url: string }> {
  const bundle = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', target: 'es2022',
    write: false, logLevel: 'silent' });
  const code = bundle.outputFiles[0].text;
  const server = createServer((request, response) => {
    response.writeHead(200, { ...(isolated ? ISOLATION_HEADERS : {}), 'content-type': request.url === '/page.js' ? 'text/javascript' : 'text/html' });
    response.end(request.url === '/page.js' ? code : '<!doctype html><script type="module" src="/page.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}
