/**
 * `npm run bench -- browser`: the reference and wasm backends (1 thread and all threads, the build the engine's features
 * pick: relaxed SIMD in Chromium; and the plain SIMD128 build on 1 thread) inside headless Chromium (Debian's, through
 * playwright-core; test/helpers/chromium.ts installs it when missing) on power and miniboone (train ms/step, log-prob
 * rows/s, sample rows/s, effective GFLOP/s) and on the demo's training loop (steps/s of `LiveTrainer` on two moons
 * with the demo's 5 × [48, 48] MAF and with a 5 × [32, 32] one), with the ratios wasm ÷ reference. The page is the
 * esbuild bundle of bench/browser/bench-page.ts, served cross-origin isolated (COOP/COEP, as `npm run demo:browser`
 * serves the demo: the timer's resolution is then 5 µs). Backends alternate within each round and each figure is the
 * median over rounds, so that a change of the machine's load hits both alike.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, serveBundledPage } from '../../test/helpers/chromium.ts';
import type { BrowserBenchRequest, BrowserBenchRow } from '../browser/bench-page.ts';
import { formatNumber, formatTable } from '../lib/format-table.ts';
import { median } from '../lib/median.ts';

/** Options of `runBrowserSuite`. */
export interface BrowserSuiteOptions {
  /** Paper configs and demo configs (`demo`, `demo-32`); empty = power, miniboone, demo, demo-32. */
  readonly configNames: readonly string[];
  readonly quick: boolean;
  /** @default 3 (quick: 1) */
  readonly rounds: number | undefined;
  readonly log: (line: string) => void;
}

/** The browser's version and one median row per config and backend. */
export interface BrowserSuiteResult {
  readonly browser: string;
  readonly rows: BrowserBenchRow[];
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const BACKENDS = ['reference', 'wasm 1t', 'wasm', 'wasm 1t SIMD128'] as const;

type PageRow = BrowserBenchRow & { threads: number; relaxedSimd: boolean };

async function measure(page: Page, request: BrowserBenchRequest): Promise<PageRow> {
  return page.evaluate((r) => (globalThis as unknown as { maflowBench(r: BrowserBenchRequest): Promise<PageRow> }).maflowBench(r), request);
}

/** The median of each figure over rounds. */
function medianRow(rows: readonly BrowserBenchRow[]): BrowserBenchRow {
  const m = (pick: (r: BrowserBenchRow) => number) => median(rows.map(pick));
  const steps = rows[0].stepsPerS === null ? null : m((r) => r.stepsPerS ?? 0);
  return { ...rows[0], trainMs: m((r) => r.trainMs), logProbRowsPerS: m((r) => r.logProbRowsPerS), sampleRowsPerS: m((r) => r.sampleRowsPerS),
    trainGflops: m((r) => r.trainGflops), logProbGflops: m((r) => r.logProbGflops), stepsPerS: steps };
}

/** Starts Chromium on the bundled page and measures every config on reference and wasm, `rounds` times alternating. */
export async function runBrowserSuite(options: BrowserSuiteOptions): Promise<BrowserSuiteResult> {
  const configs = options.configNames.length > 0 ? options.configNames : ['power', 'miniboone', 'demo', 'demo-32'];
  const rounds = options.rounds ?? (options.quick ? 1 : 3);
  const browser: Browser = await launchChromium();
  const { server, url } = await serveBundledPage(path.join(ROOT, 'bench/browser/bench-page.ts'));
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForFunction(() => 'maflowBench' in globalThis);
    // Untimed first: V8 starts every function on its baseline compilers and optimises the hot ones in the background.
    options.log('# browser: warm-up');
    // What each wasm row runs: its threads and build (`wasm 1t relaxed` is the relaxed-SIMD build on one thread).
    const labels = new Map<string, string>();
    for (const backend of BACKENDS) {
      const { threads, relaxedSimd } = await measure(page, { config: 'demo-32', backend, slow: true, quick: true });
      labels.set(backend, backend === 'reference' ? backend : `wasm ${threads}t ${relaxedSimd ? 'relaxed' : 'SIMD128'}`);
    }
    const rows: BrowserBenchRow[] = [];
    for (const config of configs) {
      const byBackend = new Map<string, BrowserBenchRow[]>(BACKENDS.map((b) => [b, []]));
      for (let round = 0; round < rounds; round++) {
        for (const backend of BACKENDS) {
          options.log(`# browser ${config}: ${backend} (round ${round + 1}/${rounds})`);
          byBackend.get(backend)?.push(await measure(page, { config, backend, slow: backend === 'reference', quick: options.quick }));
          if (errors.length > 0) throw new Error(`bench browser: the page failed: ${errors.join('; ')}`);
        }
      }
      for (const backend of BACKENDS) {
        const row = medianRow(byBackend.get(backend) ?? []);
        rows.push({ ...row, backend: labels.get(backend) ?? backend });
      }
    }
    return { browser: `Chromium ${browser.version()}`, rows };
  } finally {
    server.close();
    await browser.close();
  }
}

/** The table of figures, the ratios wasm ÷ reference, and one JSON line per row. */
export function printBrowserReport(result: BrowserSuiteResult, print: (line: string) => void): void {
  const { rows } = result;
  print(`# in ${result.browser}, headless, cross-origin isolated; medians over rounds (backends alternate within a round)`);
  print(formatTable(['config', 'backend', 'train ms/step', 'steps/s', 'log-prob rows/s', 'sample rows/s', 'train GFLOP/s', 'log-prob GFLOP/s'],
    rows.map((r) => [r.config, r.backend, formatNumber(r.trainMs), r.stepsPerS === null ? '—' : formatNumber(r.stepsPerS),
      formatNumber(r.logProbRowsPerS), formatNumber(r.sampleRowsPerS), formatNumber(r.trainGflops), formatNumber(r.logProbGflops)])));
  print('');
  print('# ratios wasm ÷ reference (aims: ≥ 25 on train and log-prob; the demo\'s steps/s ≥ 10× the reference demo\'s)');
  const configs = [...new Set(rows.map((r) => r.config))];
  const wasmRows = [...new Set(rows.map((r) => r.backend).filter((b) => b !== 'reference'))];
  print(formatTable(['config', 'wasm', 'train', 'log-prob', 'sample'], configs.flatMap((c) => wasmRows.map((b) => {
    const ref = rows.find((r) => r.config === c && r.backend === 'reference');
    const wasm = rows.find((r) => r.config === c && r.backend === b);
    if (ref === undefined || wasm === undefined) return [c, b, '—', '—', '—'];
    return [c, b, formatNumber(ref.trainMs / wasm.trainMs), formatNumber(wasm.logProbRowsPerS / ref.logProbRowsPerS),
      formatNumber(wasm.sampleRowsPerS / ref.sampleRowsPerS)];
  }))));
  for (const r of rows) print(JSON.stringify({ suite: 'browser', browser: result.browser, ...r }));
}
