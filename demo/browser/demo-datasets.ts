/**
 * The 2-D toy densities the demo offers, each with the view box its panels show and, where the density is known
 * in closed form, its exact log-density (so that the curve can show the best achievable log-likelihood).
 *
 * @example
 * const { data } = DEMO_DATASETS.moons.generate(2000, new Rng(0)); // [2000, 2]
 */
import {
  checkerboard, figure1Density, gaussianMixture2d, twoMoons, type Matrix, type Rng,
} from '../../src/index.ts';
import type { ViewBox } from './density-grid.ts';

export type DemoDatasetName = 'moons' | 'ring' | 'checkerboard' | 'figure1';

export interface DemoDataset {
  title: string;
  view: ViewBox;
  /** `n` samples `[n, 2]` with the exact log-density when it has a closed form. */
  generate(n: number, rng: Rng): { data: Matrix; logProb?: (x: Matrix) => Float64Array };
}

export const DEMO_DATASETS: Record<DemoDatasetName, DemoDataset> = {
  moons: {
    title: 'Two moons',
    view: { x: [-1.5, 2.5], y: [-1.25, 1.75] },
    generate: (n, rng) => twoMoons(n, { rng, noise: 0.08 }),
  },
  ring: {
    title: '8 Gaussians on a ring',
    view: { x: [-3, 3], y: [-3, 3] },
    generate: (n, rng) => gaussianMixture2d(n, { rng, components: 8, radius: 2, std: 0.2 }),
  },
  checkerboard: {
    title: 'Checkerboard',
    view: { x: [-2.5, 2.5], y: [-2.5, 2.5] },
    generate: (n, rng) => checkerboard(n, rng),
  },
  figure1: {
    title: 'MAF paper, Figure 1',
    view: { x: [-4, 12], y: [-7, 7] },
    generate: (n, rng) => figure1Density(n, rng),
  },
};
