#!/usr/bin/env node
/**
 * Measures the live-training demo in headless Chromium: serves the page, presses Train with the chosen dataset, flow
 * and size, records the interval between animation frames for a few seconds, and writes a screenshot.
 * `node demo/browser/measure-frames.mjs [--dataset moons] [--flow maf] [--size medium] [--seconds 6] [--out shot.png]`
 * Needs Chromium (`apt-get install -y chromium`, or CHROMIUM=/path/to/chrome) and playwright-core (a dev dependency).
 */
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startDemoServer } from './build-demo.mjs';

const { values } = parseArgs({ options: {
  dataset: { type: 'string', default: 'moons' }, flow: { type: 'string', default: 'maf' },
  size: { type: 'string', default: 'medium' }, seconds: { type: 'string', default: '6' }, out: { type: 'string' },
} });
const server = await startDemoServer();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  // Tasks of 50 ms or more (the long-task API): a frame that holds the main thread that long is a visible hitch.
  await page.addInitScript(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.longTasks.push(entry.duration);
    }).observe({ type: 'longtask' });
  });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(server.url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('ready'));
  for (const id of ['dataset', 'flow', 'size']) await page.selectOption(`#${id}`, values[id]);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('ready'));
  await page.evaluate(() => {
    window.frameIntervals = [];
    let last = performance.now();
    const tick = (now) => { window.frameIntervals.push(now - last); last = now; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  await page.evaluate(() => window.longTasks.splice(0)); // the page's start-up (the first full grid) is not training
  await page.click('#train');
  await page.waitForTimeout(1000 * Number(values.seconds));
  const intervals = await page.evaluate(() => window.frameIntervals.slice(3));
  const longTasks = await page.evaluate(() => window.longTasks.splice(0));
  const epoch = await page.textContent('#stat-epoch');
  if (values.out !== undefined) await page.screenshot({ path: values.out, fullPage: true });
  await page.click('#train');
  intervals.sort((a, b) => a - b);
  const q = (p) => intervals[Math.min(intervals.length - 1, Math.floor(p * intervals.length))];
  console.log(`${values.dataset} ${values.flow} ${values.size}: ${intervals.length} frames in ${values.seconds} s, `
    + `epoch ${epoch}; frame interval median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${q(1).toFixed(1)} ms; `
    + `${longTasks.length} tasks ≥ 50 ms${longTasks.length > 0 ? ` (longest ${Math.max(...longTasks).toFixed(0)} ms)` : ''}`);
  if (errors.length > 0) console.log(`page errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  await server.close();
}
