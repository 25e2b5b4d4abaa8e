/**
 * The wasm backend in a real browser: Debian's Chromium, headless (test/helpers/chromium.ts installs it when missing
 * and fails with the reason when it cannot), on a page served with the COOP/COEP headers. The page loads the backend
 * as a page does (`await useBackend('wasm')`: threaded, on Chromium's hardwareConcurrency, since the page is
 * cross-origin isolated), runs the kernel conformance table's quick subset with every call shared with the workers,
 * and trains the demo's two-moons MAF to a validation log-likelihood of at least −1.0. A page without COOP/COEP gets
 * one thread and says why. The demo itself (`npm run demo:browser`) is cross-origin isolated and picks wasm.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, serveBundledPage } from '../helpers/chromium.ts';

const root = path.resolve(import.meta.dirname, '../..');

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

const servePage = (isolated = true) => serveBundledPage(path.join(root, 'test/browser/wasm-page.ts'), { isolated });

test('in Chromium: the wasm backend conforms to the reference and trains two moons to validation log-likelihood ≥ −1.0', { timeout: 240_000 }, async () => {
  const { server, url } = await servePage();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForFunction(() => 'maflowChecks' in globalThis);
    const report = await page.evaluate(() => (globalThis as unknown as {
      maflowChecks(target: number, seconds: number): Promise<{
        backend: string; crossOriginIsolated: boolean; threads: number; threadsReason: string; conformanceThreads: number;
        relaxedSimd: boolean; conformanceRelaxedSimd: boolean;
        conformanceWorkerTasks: number; trainingWorkerTasks: number;
        conformance: Array<{ name: string; error: string | null }>;
        training: { epochs: number; steps: number; seconds: number; validationLogLik: number; stepsPerSecond: number };
      }>;
    }).maflowChecks(-1.0, 150));
    assert.deepEqual(errors, []);
    assert.equal(report.backend, 'wasm');
    assert.equal(report.crossOriginIsolated, true);
    assert.ok(report.threads > 1, `the wasm backend ran ${report.threads} thread (${report.threadsReason})`);
    assert.equal(report.conformanceThreads, report.threads);
    // Chromium validates relaxed SIMD, so the faster build loads (and the conformance cases check it in a real engine).
    assert.deepEqual([report.relaxedSimd, report.conformanceRelaxedSimd], [true, true]);
    assert.ok(report.conformanceWorkerTasks > 0, 'no part of a conformance call ran on a worker');
    assert.ok(report.conformance.length >= 8);
    for (const c of report.conformance) assert.equal(c.error, null, `${c.name}: ${c.error}`);
    const t = report.training;
    assert.ok(t.validationLogLik >= -1.0,
      `two moons reached validation log-likelihood ${t.validationLogLik.toFixed(3)} after ${t.epochs} epochs (${t.steps} steps, ${t.seconds.toFixed(1)} s)`);
    console.log(`# Chromium wasm (${report.relaxedSimd ? 'relaxed SIMD' : 'SIMD128'}, ${report.threads} threads): two moons ${t.validationLogLik.toFixed(3)} nats after ${t.epochs} epochs, ${t.steps} steps in ${t.seconds.toFixed(1)} s (${t.stepsPerSecond.toFixed(0)} steps/s, ${report.trainingWorkerTasks} worker tasks)`);
  } finally {
    server.close();
  }
});

test('in Chromium, a page that is not cross-origin isolated runs the wasm backend on one thread and says why', { timeout: 60_000 }, async () => {
  const { server, url } = await servePage(false);
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => 'maflowThreads' in globalThis);
    const got = await page.evaluate(() => (globalThis as unknown as {
      maflowThreads(): Promise<{ threads: number; threadsReason: string; crossOriginIsolated: boolean }>;
    }).maflowThreads());
    assert.deepEqual(got, { threads: 1, threadsReason: 'not cross-origin isolated (no SharedArrayBuffer)', crossOriginIsolated: false });
  } finally {
    server.close();
  }
});

test('npm run demo:browser serves a cross-origin isolated page that picks the wasm backend', { timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, [path.join(root, 'scripts/serve-demo.mjs'), '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const found = /http:\/\/127\.0\.0\.1:\d+\//.exec(text);
        if (found !== null) resolve(found[0]);
      });
      child.on('exit', (code) => reject(new Error(`serve-demo exited with ${code}`)));
    });
    const page = await browser.newPage();
    const response = await page.goto(url);
    assert.equal(response?.headers()['cross-origin-opener-policy'], 'same-origin');
    assert.equal(response?.headers()['cross-origin-embedder-policy'], 'require-corp');
    await page.waitForFunction(() => document.body.dataset.backend !== undefined, undefined, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.backend), 'wasm');
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
  } finally {
    child.kill();
  }
});
