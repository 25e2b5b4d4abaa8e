import { DataError } from './data-error.ts';
import type { SafetensorsTensor } from './safetensors.ts';

/** The config fields that size something a constructor allocates (a layer width, a feature count, …). */
const SIZE_KEYS = ['features', 'contextFeatures', 'hiddenUnits', 'components', 'bins', 'paramsPerFeature', 'degree', 'intervals',
  'blocks', 'units', 'inputFeatures', 'outputFeatures'];
/** Below this, a size is allowed whatever the tensors (a flow with no tensors, such as a fixed normal, has sizes too). */
const SMALL_SIZE = 1024;
/**
 * Implied values allowed beyond twice those present: a file short of a tensor or two is corrupt rather than hostile,
 * and the reader names the missing tensor once the flow is built (an allocation this small costs nothing).
 */
const SLACK_VALUES = 65536;

/**
 * Checks a model file's config against the tensors the file actually holds, **before** `createDistribution`
 * allocates anything, so that a small file cannot make the reader allocate gigabytes (`features: 1e9` in a 3.7 KB
 * file). Two rules, both of which every file that maflow wrote satisfies:
 * 1. every size in the config (`features`, `contextFeatures`, `hiddenUnits[i]`, `components`, `bins`,
 *    `paramsPerFeature`, `degree`, `intervals`, `blocks`, …, wherever they sit) is a non-negative integer no larger
 *    than the largest tensor's element count or the longest array in the config (or 1024) — this bounds every
 *    allocation that grows with one size;
 * 2. the parameters and buffers the config implies (`impliedTensorElements`) number no more than twice the elements
 *    of the tensors present (plus 65,536) — this bounds the weight matrices, which grow with products of sizes, to a
 *    small multiple of the file's own size.
 * Everything else (each tensor's exact name, dtype and shape) is checked once the flow is built.
 *
 * @example
 * import { checkConfigSizes } from './model-config-sizes.ts';
 * const tensors = { w: { dtype: 'F32' as const, shape: [2], data: new Float32Array(2) } };
 * try {
 *   checkConfigSizes({ type: 'StandardNormal', features: 1e9 }, tensors, 'model.safetensors');
 * } catch (error) {
 *   console.log((error as Error).message); // → model.safetensors: config.features is 1000000000, larger than …
 * }
 */
export function checkConfigSizes(config: unknown, tensors: Record<string, SafetensorsTensor>, file: string): void {
  let largestTensor = 0;
  let present = 0;
  for (const name of Object.keys(tensors)) {
    largestTensor = Math.max(largestTensor, tensors[name].data.length);
    present += tensors[name].data.length;
  }
  const bound = Math.max(largestTensor, longestArray(config), SMALL_SIZE);
  const fail = (detail: string): DataError => new DataError(detail, { file });
  visitSizes(config, 'config', (path, value) => {
    if (!Number.isSafeInteger(value) || (value as number) < 0) throw fail(`${path} must be a non-negative integer, got ${JSON.stringify(value)}`);
    if ((value as number) > bound) {
      throw fail(`${path} is ${value}, larger than the file's largest tensor (${largestTensor} values): the config does not describe ` +
        'these tensors (a corrupt or hostile file)');
    }
  });
  const implied = impliedTensorElements(config);
  if (implied > 2 * present + SLACK_VALUES) {
    throw fail(`the config implies ${implied} parameter and buffer values, far more than the ${present} the file holds: the config ` +
      'does not describe these tensors (a corrupt or hostile file)');
  }
}

/** Calls `check(path, value)` for every size field in `node`, recursively (`hiddenUnits` entry by entry). */
function visitSizes(node: unknown, path: string, check: (path: string, value: unknown) => void): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => visitSizes(item, `${path}[${i}]`, check));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    const at = `${path}.${key}`;
    if (!SIZE_KEYS.includes(key)) visitSizes(value, at, check);
    else if (key === 'hiddenUnits' && Array.isArray(value)) value.forEach((units, i) => check(`${at}[${i}]`, units));
    else check(at, value);
  }
}

function longestArray(node: unknown): number {
  if (node === null || typeof node !== 'object') return 0;
  const items = Array.isArray(node) ? node : Object.values(node);
  return items.reduce((longest: number, item) => Math.max(longest, longestArray(item)), Array.isArray(node) ? node.length : 0);
}

type Config = Record<string, unknown>;

const num = (value: unknown, fallback = 0): number => (typeof value === 'number' ? value : fallback);
const list = (value: unknown): number[] => (Array.isArray(value) ? value.map((v) => num(v)) : []);

/**
 * A lower bound of the number of tensor elements (parameters and buffers) that `createDistribution(config)` creates:
 * exact for the MADE-based layers, batch normalisation and the mixtures; unknown types count 0 (they are refused later).
 * Called after the sizes were checked, so every size is a bounded integer.
 *
 * @example
 * import { Rng, createMaf } from 'maflow';
 * import { impliedTensorElements } from './model-config-sizes.ts';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const elements = flow.namedParameters().reduce((sum, [, p]) => sum + p.value.length, 0);
 * console.log(impliedTensorElements(flow.config()) === elements); // → true
 */
export function impliedTensorElements(node: unknown): number {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return 0;
  const c = node as Config;
  const D = num(c.features);
  switch (c.type) {
    case 'TransformedDistribution':
      return impliedTensorElements(c.base) + impliedTensorElements(c.bijector) + impliedTensorElements(c.contextEncoder);
    case 'MlpEncoder':
      return networkElements(num(c.inputFeatures), list(c.hiddenUnits), num(c.outputFeatures), 0);
    case 'ConditionalNormal':
      return impliedTensorElements(c.network);
    case 'Lstm':
    case 'Gru': {
      const H = num(c.units);
      return (c.type === 'Lstm' ? 4 : 3) * H * (num(c.inputFeatures) + H + 2);
    }
    case 'TemporalMaf':
      return impliedTensorElements(c.encoder) + impliedTensorElements(c.flow);
    case 'Chain':
      return Array.isArray(c.bijectors) ? c.bijectors.reduce((sum: number, b) => sum + impliedTensorElements(b), 0) : 0;
    case 'Invert':
      return impliedTensorElements(c.bijector);
    case 'MaskedAutoregressiveFlow':
      return madeElements(c.made, transformerParams(c.transformer));
    case 'MadeMog':
      return madeElements(c.made, 3 * num(c.components, 1));
    case 'AffineCoupling': {
      const mask = Array.isArray(c.mask) ? c.mask : [];
      const kept = mask.filter((k) => k === true).length;
      return networkElements(kept, list(c.hiddenUnits), (D - kept) * transformerParams(c.transformer), num(c.contextFeatures));
    }
    case 'BatchNormalization':
      return 4 * D; // logGamma, beta; runningMean, runningVariance
    case 'LuLinear':
      return D * D + D; // lower and upper D(D−1)/2 each, logDiagonal, bias
    case 'ActNorm':
      return 2 * D + 1; // logScale, shift; initialized
    case 'Shift':
    case 'Scale':
      return c.trainable === false ? 0 : D;
    case 'DiagNormal':
      return c.trainable === false ? 0 : 2 * D;
    case 'MixtureOfGaussians':
      return num(c.components, 1) * (1 + 2 * D);
    default:
      return 0;
  }
}

/**
 * Parameters per feature of a transformer config (affine 2, or 1 shift-only; spline 3·bins − 1; naf 3·K·blocks;
 * umnn 3K + 2; bernstein degree + 1; circular-spline 3·bins).
 */
function transformerParams(transformer: unknown): number {
  const t = (transformer ?? {}) as Config;
  if (t.type === 'spline') return 3 * num(t.bins, 8) - 1;
  if (t.type === 'naf') return 3 * num(t.hiddenUnits, 8) * num(t.blocks, 1);
  if (t.type === 'umnn') return 3 * num(t.hiddenUnits, 8) + 2;
  if (t.type === 'bernstein') return num(t.degree, 8) + 1;
  if (t.type === 'circular-spline') return 3 * num(t.bins, 8);
  return t.shiftOnly === true ? 1 : 2;
}

function madeElements(made: unknown, paramsPerFeature: number): number {
  const m = (made ?? {}) as Config;
  const D = num(m.features);
  return networkElements(D, list(m.hiddenUnits), D * paramsPerFeature, num(m.contextFeatures));
}

/** Weights, biases and context weights of a dense (or masked, stored dense) network `inputs → hidden… → outputs`. */
function networkElements(inputs: number, hidden: readonly number[], outputs: number, contextFeatures: number): number {
  let total = 0;
  let width = inputs;
  for (const units of [...hidden, outputs]) {
    total += units * (width + 1 + contextFeatures);
    width = units;
  }
  return total;
}
