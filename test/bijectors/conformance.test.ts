/** The conformance table: one line per bijector configuration (float64, with and without context). */
import type { Rng } from '../../src/core/rng.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { conformance, type BijectorCase } from './conformance.ts';

const maf = (extra: object) => (rng: Rng) =>
  new MaskedAutoregressiveFlow({ features: 4, hiddenUnits: [12, 10], dtype: 'float64', rng, ...extra });

export const bijectorCases: BijectorCase[] = [
  { name: 'MAF', make: maf({}) },
  { name: 'MAF tanh, random degrees', make: maf({ activation: 'tanh', degrees: 'random' }) },
  { name: 'MAF residual', make: maf({ hiddenUnits: [11, 11, 11], residual: true, activation: 'elu' }) },
  { name: 'MAF shift-only', make: maf({ shiftOnly: true }) },
  { name: 'MAF conditional', make: maf({ contextFeatures: 3, activation: 'tanh' }) },
  { name: 'MAF D=1 conditional', make: (rng) => new MaskedAutoregressiveFlow({ features: 1, hiddenUnits: [5], contextFeatures: 2, dtype: 'float64', rng }) },
  { name: 'MAF unbounded log-scale', make: maf({ logScaleBound: Infinity, activation: 'sigmoid' }) },
];

for (const c of bijectorCases) conformance(c);
