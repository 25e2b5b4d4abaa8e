/** The conformance table: one line per bijector configuration (float64, with and without context). */
import type { Rng } from '../../src/core/rng.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { AffineCoupling, type AffineCouplingOptions } from '../../src/bijectors/affine-coupling.ts';
import { BatchNormalization } from '../../src/bijectors/batch-normalization.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { Invert } from '../../src/bijectors/invert.ts';
import { Permute } from '../../src/bijectors/permute.ts';
import { Scale } from '../../src/bijectors/scale.ts';
import { Shift } from '../../src/bijectors/shift.ts';
import { Standardize } from '../../src/bijectors/standardize.ts';
import { RationalQuadraticSpline } from '../../src/bijectors/rational-quadratic-spline.ts';
import { NeuralAutoregressiveTransformer } from '../../src/bijectors/neural-autoregressive-transformer.ts';
import { UmnnTransformer } from '../../src/bijectors/umnn-transformer.ts';
import { BernsteinTransformer } from '../../src/bijectors/bernstein-transformer.ts';
import { CircularSpline } from '../../src/bijectors/circular-spline.ts';
import { ActNorm } from '../../src/bijectors/act-norm.ts';
import { Bounds } from '../../src/bijectors/bounds.ts';
import { LuLinear } from '../../src/bijectors/lu-linear.ts';
import { Exp } from '../../src/bijectors/exp.ts';
import { Sigmoid } from '../../src/bijectors/sigmoid.ts';
import { Softplus } from '../../src/bijectors/softplus.ts';
import { Tanh } from '../../src/bijectors/tanh.ts';
import { conformance, type BijectorCase } from './conformance.ts';
import { randomMatrix } from '../helpers/numeric.ts';

const maf = (extra: object) => (rng: Rng) =>
  new MaskedAutoregressiveFlow({ features: 4, hiddenUnits: [12, 10], dtype: 'float64', rng, ...extra });

const coupling = (extra: Partial<AffineCouplingOptions>) => (rng: Rng) =>
  new AffineCoupling({ features: 4, hiddenUnits: [9, 7], dtype: 'float64', rng, ...extra });
/** A BatchNormalization in evaluation mode with non-trivial running statistics. */
const batchNorm = (features: number) => (rng: Rng) => {
  const bn = new BatchNormalization({ features, dtype: 'float64' });
  for (let d = 0; d < features; d++) {
    bn.runningMean[d] = rng.normal();
    bn.runningVariance[d] = 0.2 + 2 * rng.uniform();
  }
  return bn;
};

/** An ActNorm whose data-dependent initialisation counts as done (its parameters are then the test's). */
const initialized = (actNorm: ActNorm) => {
  actNorm.initialized[0] = 1;
  return actNorm;
};
/** Values well inside (−π, π) (every column: the angle columns need it, the others do not mind). */
const angles = (v: number) => 2.6 * Math.tanh(v / 2);
/** A point of (0, 1) for every real v. */
const unit = (v: number) => 1 / (1 + Math.exp(-v));
/** Bounded, lower-bounded, upper-bounded and unbounded columns. */
const boundsCase: [number, number][] = [[0, 1], [2, Infinity], [-Infinity, -1], [-Infinity, Infinity]];
/** A point inside column c of `boundsCase` for every real v. */
const boundsInput = (v: number, c: number) => [unit(v), 2 + Math.exp(v), -1 - Math.exp(v), v][c];

export const bijectorCases: BijectorCase[] = [
  { name: 'MAF', make: maf({}) },
  { name: 'MAF tanh, random degrees', make: maf({ activation: 'tanh', degrees: 'random' }) },
  { name: 'MAF residual', make: maf({ hiddenUnits: [11, 11, 11], residual: true, activation: 'elu' }) },
  { name: 'MAF shift-only', make: maf({ shiftOnly: true }) },
  { name: 'MAF conditional', make: maf({ contextFeatures: 3, activation: 'tanh' }) },
  { name: 'MAF D=1 conditional', make: (rng) => new MaskedAutoregressiveFlow({ features: 1, hiddenUnits: [5], contextFeatures: 2, dtype: 'float64', rng }) },
  { name: 'MAF unbounded log-scale', make: maf({ logScaleBound: Infinity, activation: 'sigmoid' }) },
  { name: 'MAF spline', make: (rng) => maf({ transformer: new RationalQuadraticSpline({ bins: 5, tailBound: 2 }) })(rng), perturb: 0.5 },
  { name: 'MAF spline conditional', make: (rng) => maf({ contextFeatures: 2, transformer: new RationalQuadraticSpline({ bins: 4, tailBound: 2.5 }) })(rng), perturb: 0.3 },
  { name: 'Invert(MAF)', make: (rng) => new Invert(maf({})(rng)) },
  { name: 'Invert(MAF) conditional', make: (rng) => new Invert(maf({ contextFeatures: 2, activation: 'tanh' })(rng)) },
  { name: 'Chain MAF/Permute/MAF', make: (rng) => new Chain([maf({})(rng), new Permute({ features: 4, dtype: 'float64' }), maf({})(rng)]) },
  {
    name: 'Chain MAF/Permute/MAF conditional',
    make: (rng) => new Chain([maf({ contextFeatures: 2, hiddenUnits: [10, 9] })(rng), new Permute({ features: 4, permutation: 'random', rng, dtype: 'float64' }), maf({ contextFeatures: 2, activation: 'tanh' })(rng)]),
  },
  { name: 'Permute reverse', make: () => new Permute({ features: 4, permutation: 'reverse', dtype: 'float64' }) },
  { name: 'Permute random', make: (rng) => new Permute({ features: 5, permutation: 'random', rng, dtype: 'float64' }) },
  { name: 'Permute explicit', make: () => new Permute({ features: 3, permutation: [2, 0, 1], dtype: 'float64' }) },
  { name: 'BatchNormalization (eval mode)', make: batchNorm(3) },
  { name: 'AffineCoupling alternate', make: coupling({}) },
  { name: 'AffineCoupling half, D=5, tanh', make: coupling({ features: 5, mask: 'half', activation: 'tanh' }) },
  { name: 'AffineCoupling conditional, reversed mask', make: coupling({ contextFeatures: 3, reverseMask: true, activation: 'elu' }) },
  { name: 'AffineCoupling explicit mask, shift-only, D=2', make: coupling({ features: 2, mask: [false, true], shiftOnly: true, hiddenUnits: [6] }) },
  { name: 'AffineCoupling spline transformer, conditional', make: coupling({ contextFeatures: 2, transformer: new RationalQuadraticSpline({ bins: 5, tailBound: 2 }) }), perturb: 0.3 },
  { name: 'Shift', make: () => new Shift({ features: 3, shift: [0.5, -1, 2], dtype: 'float64' }) },
  { name: 'Scale', make: () => new Scale({ features: 3, logScale: [0.3, -0.5, 0.1], dtype: 'float64' }) },
  { name: 'Standardize', make: () => new Standardize({ mean: [1.5, -20, 0.25], std: [0.5, 12, 3] }) },
  {
    name: 'Chain Standardize/MAF conditional (a standardized flow)',
    make: (rng) => new Chain([Standardize.fit(randomMatrix(30, 4, rng, 5)), maf({ contextFeatures: 2 })(rng)]),
  },
  {
    name: 'Chain coupling/BatchNormalization/coupling conditional',
    make: (rng) => new Chain([coupling({ contextFeatures: 2 })(rng), batchNorm(4)(rng), coupling({ contextFeatures: 2, reverseMask: true })(rng)]),
  },
  { name: 'Sigmoid', make: () => new Sigmoid({ features: 3, dtype: 'float64' }), domain: unit },
  { name: 'Sigmoid on (−2, 3)', make: () => new Sigmoid({ features: 2, low: -2, high: 3, dtype: 'float64' }), domain: (v) => -2 + 5 * unit(v) },
  { name: 'Invert(Sigmoid) (logit)', make: () => new Invert(new Sigmoid({ features: 3, dtype: 'float64' })), domain: unit },
  { name: 'Tanh', make: () => new Tanh({ features: 3, dtype: 'float64' }), domain: (v) => Math.tanh(v / 2) },
  { name: 'Invert(Tanh) (atanh)', make: () => new Invert(new Tanh({ features: 2, dtype: 'float64' })), domain: (v) => Math.tanh(v / 2) },
  { name: 'Exp', make: () => new Exp({ features: 3, dtype: 'float64' }), domain: Math.exp },
  { name: 'Invert(Exp) (log)', make: () => new Invert(new Exp({ features: 2, dtype: 'float64' })), domain: Math.exp },
  { name: 'Softplus', make: () => new Softplus({ features: 3, dtype: 'float64' }), domain: Math.exp },
  { name: 'Invert(Softplus)', make: () => new Invert(new Softplus({ features: 2, dtype: 'float64' })), domain: Math.exp },
  { name: 'Bounds (two-sided, lower, upper, none)', make: () => new Bounds({ bounds: boundsCase }), domain: boundsInput },
  {
    name: 'Chain Bounds/Standardize/MAF conditional (a bounded standardized flow)',
    make: (rng) => new Chain([new Bounds({ bounds: boundsCase }), new Standardize({ mean: [0, 1, -1, 0], std: [1, 2, 0.5, 1] }), maf({ contextFeatures: 2 })(rng)]),
    domain: boundsInput,
  },
  { name: 'LuLinear', make: () => new LuLinear({ features: 4, dtype: 'float64' }), perturb: 0.4 },
  { name: 'LuLinear random permutation, D=5', make: (rng) => new LuLinear({ features: 5, permutation: 'random', rng, dtype: 'float64' }), perturb: 0.4 },
  { name: 'LuLinear D=1', make: () => new LuLinear({ features: 1, dtype: 'float64' }), perturb: 0.4 },
  { name: 'ActNorm (initialised)', make: () => initialized(new ActNorm({ features: 3, dtype: 'float64' })), perturb: 0.5 },
  {
    name: 'Chain MAF/LuLinear/ActNorm/MAF conditional',
    make: (rng) => new Chain([maf({ contextFeatures: 2 })(rng), new LuLinear({ features: 4, permutation: 'reverse', dtype: 'float64' }),
      initialized(new ActNorm({ features: 4, dtype: 'float64' })), maf({ contextFeatures: 2 })(rng)]),
  },
  { name: 'MAF NAF (deep sigmoidal)', make: maf({ transformer: new NeuralAutoregressiveTransformer({ hiddenUnits: 4 }) }), perturb: 0.5 },
  { name: 'MAF NAF 2 blocks conditional', make: maf({ contextFeatures: 2, transformer: new NeuralAutoregressiveTransformer({ hiddenUnits: 2, blocks: 2 }) }), perturb: 0.1 },
  { name: 'AffineCoupling NAF transformer', make: coupling({ transformer: new NeuralAutoregressiveTransformer({ hiddenUnits: 3 }) }), perturb: 0.5 },
  { name: 'MAF UMNN', make: maf({ transformer: new UmnnTransformer({ hiddenUnits: 4, intervals: 24 }) }), perturb: 0.3 },
  { name: 'MAF UMNN conditional', make: maf({ contextFeatures: 2, transformer: new UmnnTransformer({ hiddenUnits: 3, intervals: 64 }) }), perturb: 0.3 },
  { name: 'MAF Bernstein (tails included)', make: maf({ transformer: new BernsteinTransformer({ degree: 6, bound: 1.5 }) }), perturb: 0.5 },
  { name: 'MAF Bernstein conditional, degree 1', make: maf({ contextFeatures: 2, transformer: new BernsteinTransformer({ degree: 1 }) }), perturb: 0.5 },
  { name: 'AffineCoupling UMNN transformer, conditional', make: coupling({ contextFeatures: 2, transformer: new UmnnTransformer({ hiddenUnits: 3, intervals: 48 }) }), perturb: 0.3 },
  { name: 'AffineCoupling Bernstein transformer', make: coupling({ transformer: new BernsteinTransformer({ degree: 5, bound: 2 }) }), perturb: 0.5 },
  { name: 'MAF per-layer activations (custom MADE)', make: maf({ hiddenUnits: [12, 10, 8], activation: ['tanh', 'relu', 'elu'] }) },
  {
    name: 'MAF residual, per-layer activations, dropout (evaluation), conditional',
    make: maf({ hiddenUnits: [10, 10, 10], residual: true, activation: ['elu', 'tanh', 'tanh'], dropout: 0.3, contextFeatures: 2 }),
  },
  { name: 'MAF circular spline (angle columns 0 and 2)', make: maf({ transformer: new CircularSpline({ circular: [true, false, true, false], bins: 5 }) }), perturb: 0.3, domain: angles },
  {
    name: 'MAF circular spline conditional',
    make: maf({ contextFeatures: 2, transformer: new CircularSpline({ circular: [false, true, true, false], bins: 4 }) }), perturb: 0.3, domain: angles,
  },
  { name: 'AffineCoupling circular spline (one flag per transformed feature)', make: coupling({ transformer: new CircularSpline({ circular: [true, false] }) }), perturb: 0.3, domain: angles },
];

for (const c of bijectorCases) conformance(c);
