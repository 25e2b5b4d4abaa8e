/**
 * The demo page in headless Chromium, as a visitor sees it: it loads without errors, every panel has its canvas drawn,
 * the curve's legend lists the exact density only for datasets that have one, and training runs and stops. Frame
 * times are printed (measured, not asserted: `demo/browser/measure-frames.mjs` is the measurement).
 * Chromium comes from `CHROMIUM` or /usr/bin/chromium, installed with apt-get when missing (CI runs as root).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemoServer } from '../../demo/browser/build-demo.mjs';
import { aptInstall } from '../helpers/apt-install.ts';

const executable = process.env.CHROMIUM ?? '/usr/bin/chromium';
let browser: Browser;
let server: Awaited<ReturnType<typeof startDemoServer>>;

before(async () => {
  if (!existsSync(executable)) {
    // A loud failure, never a skip, when it cannot be installed.
    const failure = aptInstall(['chromium']);
    if (failure !== null) throw new Error(`Chromium is not installed at ${executable} and ${failure}`);
  }
  server = await startDemoServer();
  browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const ready = (page: Page) => page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('ready'));
const shown = (page: Page, id: string) => page.evaluate((which) => {
  const element = document.getElementById(which);
  return element !== null && element.offsetParent !== null;
}, id);

test('the demo page trains in Chromium, with the legend listing only what is drawn', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(server.url);
  await ready(page);
  // Two moons has no closed-form density: no legend entry and no statistic for it.
  assert.equal(await shown(page, 'key-reference'), false, 'no "exact density" entry for two moons');
  assert.equal(await shown(page, 'stat-reference-row'), false);
  await page.selectOption('#dataset', 'ring');
  await ready(page);
  assert.equal(await shown(page, 'key-reference'), true, 'the 8-Gaussians ring has an exact density');
  assert.equal(await shown(page, 'stat-reference-row'), true);

  // Every panel is drawn: its canvas holds more than one colour (axes, points, the heatmap).
  for (const id of ['data-canvas', 'density-canvas', 'samples-canvas']) {
    const colours = await page.evaluate((which) => {
      const canvas = document.getElementById(which) as HTMLCanvasElement;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      const seen = new Set<number>();
      for (let k = 0; k < data.length && seen.size < 50; k += 4 * 97) seen.add((data[k] << 16) | (data[k + 1] << 8) | data[k + 2]);
      return seen.size;
    }, id);
    assert.ok(colours > 3, `#${id} is drawn (${colours} colours sampled)`);
  }

  // A string, not a function: tsx would wrap a named inner function in a helper the page does not have.
  await page.evaluate(`(() => {
    const intervals = window.intervals = [];
    let last = performance.now();
    const tick = (now) => { intervals.push(now - last); last = now; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  await page.click('#train');
  await page.waitForFunction(() => Number(document.getElementById('stat-epoch')?.textContent) >= 2, undefined, { timeout: 60_000 });
  await page.click('#train');
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('stopped'));
  const intervals = await page.evaluate(() => (window as unknown as { intervals: number[] }).intervals.slice(2).sort((a, b) => a - b));
  console.log(`demo frames while training: ${intervals.length}, median ${intervals[Math.floor(intervals.length / 2)].toFixed(0)} ms, `
    + `max ${intervals.at(-1)!.toFixed(0)} ms`);
  assert.deepEqual(errors, []);
  await page.close();
});
