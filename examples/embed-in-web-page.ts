/**
 * Embedding a trained model in a web page: train a MAF on two moons in Node, save it, and bundle a page script
 * (`web-page/page.ts`) that loads the model file with maflow's browser build (`maflow/browser`: no file system, no
 * addon, pure TypeScript kernels), draws the density and reads out log p(x) under the pointer. The bundle is checked
 * here in a bare JavaScript context, as a browser would run it: its log-densities must equal the Node library's.
 *
 * Run: npx tsx examples/embed-in-web-page.ts, then serve the printed directory (python3 -m http.server) and open it.
 */
import { copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { createMaf, fit, matrix, Rng, saveModel, Standardize, twoMoons, withStandardization } from 'maflow';
import { QUICK, workDir } from './support.ts';

const { data } = twoMoons(QUICK ? 1000 : 4000, { rng: new Rng(1), noise: 0.08, dtype: 'float64' });
const flow = withStandardization(createMaf({ features: 2, layers: 5, hiddenUnits: [32, 32], rng: new Rng(2) }),
  { data: Standardize.fit(data) });
fit(flow, data, { epochs: QUICK ? 15 : 150, patience: 20, learningRate: 3e-3, rng: new Rng(3) });

const site = process.env.MAFLOW_EXAMPLES_WEB ?? workDir('web-page');
saveModel(join(site, 'model.safetensors'), flow, { columns: ['x1', 'x2'] });
copyFileSync(join(import.meta.dirname, 'web-page', 'index.html'), join(site, 'index.html'));
const bundle = await build({
  entryPoints: [join(import.meta.dirname, 'web-page', 'page.ts')], bundle: true, platform: 'browser', format: 'iife',
  globalName: 'maflowPage', minify: true, write: false, logLevel: 'silent',
});
const code = bundle.outputFiles[0].text;
writeFileSync(join(site, 'page.js'), code);
console.log(`page script: ${(code.length / 1024).toFixed(0)} kB minified; site written to ${site}`);

// The bundle in a bare context (only globals every browser has; no process, require or Buffer), scoring the same
// points as Node.
const sandbox: Record<string, unknown> = { console, performance, TextDecoder, TextEncoder };
createContext(sandbox);
const points = [[0, 0.5], [1, 0], [0.5, -0.3], [2, 0.2], [-1, 1]];
sandbox.input = { bytes: new Uint8Array(readFileSync(join(site, 'model.safetensors'))), points };
let inPage: Float64Array;
try {
  runInContext(code, sandbox);
  inPage = runInContext('maflowPage.logDensities(new Uint8Array(input.bytes), input.points)', sandbox) as Float64Array;
} catch (error) {
  console.error(`the page script fails in a bare browser context: ${(error as Error).message}`);
  process.exit(1);
}
const inNode = flow.logProb(matrix(points, undefined, undefined, 'float64'));
// The page computes on the pure-TypeScript kernels, Node on the native ones when they load: the same float32 model,
// summed in another order, so they agree to float32 rounding.
let largest = 0;
for (let k = 0; k < points.length; k++) largest = Math.max(largest, Math.abs(inPage[k] - inNode[k]) / Math.max(1, Math.abs(inNode[k])));
console.log(`log p at ${points.length} points, page: ${Array.from(inPage, (v) => v.toFixed(3)).join(', ')}`);
console.log(`largest relative difference between the page and Node: ${largest.toExponential(1)}`);
console.log(`serve it: python3 -m http.server --directory ${site} 8000, then open http://localhost:8000`);
