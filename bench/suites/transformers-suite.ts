/**
 * `npm run bench -- transformers`: the monotone transformers of issue 16 inside a MAF against the affine MAF of the same
 * size (layers and MADE widths), in one run: train ms/step, log-prob rows/s and sample rows/s of NAF, UMNN, Bernstein,
 * spline and circular-spline MAFs, each with its ratio to the affine MAF's figure (measured interleaved, round by round, so that the
 * ratios compare like with like on a noisy machine). maflow only; every figure is a median.
 */
import { zeros } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { BernsteinTransformer } from '../../src/bijectors/bernstein-transformer.ts';
import { NeuralAutoregressiveTransformer } from '../../src/bijectors/neural-autoregressive-transformer.ts';
import { RationalQuadraticSpline } from '../../src/bijectors/rational-quadratic-spline.ts';
import type { Transformer } from '../../src/bijectors/transformer.ts';
import { UmnnTransformer } from '../../src/bijectors/umnn-transformer.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import type { Chain } from '../../src/bijectors/chain.ts';
import type { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { createMaf, type CreateMafOptions } from '../../src/flows/create-maf.ts';
import type { BenchBackends } from '../lib/bench-backends.ts';
import { useBackend } from '../lib/bench-backends.ts';
import { formatTable } from '../lib/format-table.ts';
import { median } from '../lib/median.ts';
import { timeLogProb, timeSample, timeTrainSteps } from '../lib/measure-flow.ts';

/** Options of `runTransformersSuite`. */
export interface TransformersSuiteOptions {
  quick: boolean;
  rounds: number | undefined;
  backends: BenchBackends;
  log: (line: string) => void;
}

/** One transformer's medians and ratios to the affine MAF. */
export interface TransformerResult {
  transformer: string;
  paramsPerFeature: number;
  trainMs: number;
  logProbRowsPerSecond: number;
  sampleRowsPerSecond: number;
  /** Ratios `affine / this` of train time, `this / affine` of the throughputs (< 1: slower than affine). */
  trainRatio: number;
  logProbRatio: number;
  sampleRatio: number;
}

/** The size every flow of the suite shares (the MAF paper's POWER: D = 6, 5 layers). */
const FEATURES = 6;
const LAYERS = 5;
const HIDDEN = [64, 64];

/** Angle columns of the circular-spline MAF (`createMaf`'s `circular`: each layer's flags follow its feature order). */
const CIRCULAR = [true, false, true, false, false, false];

const TRANSFORMERS: [string, () => Transformer | undefined, Partial<CreateMafOptions>?][] = [
  ['affine', () => undefined],
  ['spline (8 bins)', () => new RationalQuadraticSpline({ bins: 8 })],
  ['circular spline (8 bins, 2 angles)', () => undefined, { circular: CIRCULAR }],
  ['NAF (8 units)', () => new NeuralAutoregressiveTransformer({ hiddenUnits: 8 })],
  ['UMNN (8 units, 32 intervals)', () => new UmnnTransformer({ hiddenUnits: 8 })],
  ['Bernstein (degree 8)', () => new BernsteinTransformer({ degree: 8 })],
];

/** The transformer of the flow's first MAF layer (the circular splines that `circular` builds). */
function firstTransformer(flow: TransformedDistribution): Transformer | undefined {
  const layer = (flow.bijector as Chain).bijectors.find((b) => b instanceof MaskedAutoregressiveFlow);
  return layer === undefined || (layer as MaskedAutoregressiveFlow).transformer.kernel?.kind === 'affine' ? undefined
    : (layer as MaskedAutoregressiveFlow).transformer;
}

/** Runs every transformer round by round on the first backend; returns the medians and ratios. */
export function runTransformersSuite(options: TransformersSuiteOptions): TransformerResult[] {
  useBackend(options.backends.names[0]);
  const rounds = options.rounds ?? (options.quick ? 1 : 3);
  const rows = options.quick ? 2000 : 10000;
  const sampleRows = options.quick ? 500 : 2000;
  const rng = new Rng(0);
  const data = zeros(rows, FEATURES, 'float32');
  // A skewed, bimodal data set so that the flows are not at the identity when timed.
  for (let k = 0; k < data.data.length; k++) data.data[k] = (rng.uniform() < 0.5 ? -1 : 1) + 0.5 * rng.normal() ** 3;
  const flows = TRANSFORMERS.map(([name, make, extra]) => {
    const transformer = make();
    const flow = createMaf({ features: FEATURES, layers: LAYERS, hiddenUnits: HIDDEN, rng: new Rng(1), ...extra,
      ...(transformer === undefined ? {} : { transformer }) });
    return {
      name, transformer: transformer ?? firstTransformer(flow),
      flow,
      train: [] as number[], logProb: [] as number[], sample: [] as number[],
    };
  });
  for (let round = 0; round < rounds; round++) {
    for (const f of flows) {
      options.log(`# transformers: round ${round + 1}/${rounds}, ${f.name}`);
      f.train.push(timeTrainSteps(f.flow, data, { batch: 256, warmup: 3, steps: options.quick ? 5 : 20, lr: 1e-4 }).stepMs);
      f.flow.train(false);
      f.logProb.push(timeLogProb(f.flow, data, 4096, 1).rowsPerSecond);
      f.sample.push(timeSample(f.flow, sampleRows, 1, round).rowsPerSecond);
    }
  }
  const affine = flows[0];
  const [aTrain, aLog, aSample] = [median(affine.train), median(affine.logProb), median(affine.sample)];
  return flows.map((f) => {
    const [train, logProb, sample] = [median(f.train), median(f.logProb), median(f.sample)];
    return {
      transformer: f.name, paramsPerFeature: f.transformer?.paramsPerFeature ?? 2, trainMs: train, logProbRowsPerSecond: logProb,
      sampleRowsPerSecond: sample, trainRatio: aTrain / train, logProbRatio: logProb / aLog, sampleRatio: sample / aSample,
    };
  });
}

/** The table and one JSON line per transformer. */
export function printTransformersReport(results: readonly TransformerResult[], extra: Record<string, unknown>, print: (text: string) => void): void {
  print(`## transformers: MAF D=${FEATURES}, ${LAYERS} layers, MADE [${HIDDEN.join(', ')}], float32; ratios to the affine MAF (< 1: slower)`);
  const header = ['transformer', 'params/feature', 'train ms/step (B=256)', '× affine', 'log-prob rows/s', '× affine', 'sample rows/s', '× affine'];
  print(formatTable(header, results.map((r) => [
    r.transformer, String(r.paramsPerFeature), r.trainMs.toFixed(2), r.trainRatio.toFixed(3), r.logProbRowsPerSecond.toFixed(0),
    r.logProbRatio.toFixed(3), r.sampleRowsPerSecond.toFixed(0), r.sampleRatio.toFixed(3),
  ])));
  for (const r of results) print(JSON.stringify({ suite: 'transformers', ...extra, ...r }));
}
