/**
 * The flows the demo can train, at three sizes, built with the library's factories. Every kind runs on the
 * browser's backend (wasm, or the reference TypeScript loops), so the sizes stay small enough to train at interactive speed.
 *
 * @example
 * const flow = createDemoFlow({ kind: 'maf', size: 'medium', rng: new Rng(0) }); // 5 MADEs of [48, 48]
 */
import { createMaf, createNsf, createRealNvp, type Rng, type TransformedDistribution } from '../../src/index.ts';

export type DemoFlowKind = 'maf' | 'realnvp' | 'nsf';
export type DemoFlowSize = 'small' | 'medium' | 'large';

export const FLOW_TITLES: Record<DemoFlowKind, string> = {
  maf: 'MAF (affine MADEs)',
  realnvp: 'Real NVP (affine couplings)',
  nsf: 'Neural spline flow (autoregressive)',
};

/** Layers and hidden widths per size; spline layers are more expressive (and dearer), so NSF gets fewer. */
const SIZES: Record<DemoFlowKind, Record<DemoFlowSize, { layers: number; hidden: number }>> = {
  maf: { small: { layers: 3, hidden: 32 }, medium: { layers: 5, hidden: 48 }, large: { layers: 8, hidden: 64 } },
  realnvp: { small: { layers: 4, hidden: 32 }, medium: { layers: 6, hidden: 48 }, large: { layers: 10, hidden: 64 } },
  nsf: { small: { layers: 2, hidden: 32 }, medium: { layers: 3, hidden: 48 }, large: { layers: 5, hidden: 64 } },
};

export interface DemoFlowOptions {
  kind: DemoFlowKind;
  size: DemoFlowSize;
  /** Seeds the weights. */
  rng: Rng;
}

/** A two-feature flow over a standard-normal base (the demo trains it on standardised data). */
export function createDemoFlow(options: DemoFlowOptions): TransformedDistribution {
  const sizes = SIZES[options.kind];
  if (sizes === undefined) throw new RangeError(`createDemoFlow: unknown kind '${options.kind}', expected maf, realnvp or nsf`);
  const size = sizes[options.size];
  if (size === undefined) throw new RangeError(`createDemoFlow: unknown size '${options.size}', expected small, medium or large`);
  const common = { features: 2, layers: size.layers, hiddenUnits: [size.hidden, size.hidden], rng: options.rng };
  switch (options.kind) {
    case 'maf': return createMaf(common);
    case 'realnvp': return createRealNvp(common);
    case 'nsf': return createNsf({ ...common, bins: 8, tailBound: 4 });
  }
}

/** A short description such as `5 layers × [48, 48]`. */
export function describeDemoFlow(kind: DemoFlowKind, size: DemoFlowSize): string {
  const { layers, hidden } = SIZES[kind][size];
  return `${layers} layers × [${hidden}, ${hidden}]`;
}
