/**
 * Maps the `train` command's `--flow` and architecture options to a flow factory. The spec is plain JSON so that it
 * can cross to the training worker and be recorded in the model file.
 *
 * Which options apply to which flow (an option that does not apply is a `UsageError`, not silently ignored):
 * | option        | maf | maf-mog | iaf | realnvp | made | made-mog | nsf |
 * |---------------|-----|---------|-----|---------|------|----------|-----|
 * | layers        |  ✓  |    ✓    |  ✓  |    ✓    |      |          |  ✓  |
 * | batchNorm     |  ✓  |    ✓    |     |    ✓    |      |          |     |
 * | residual      |  ✓  |    ✓    |  ✓  |         |  ✓   |    ✓     |  ✓  |
 * | order         |  ✓  |    ✓    |  ✓  |         |      |          |  ✓  |
 * | components    | (✓) |    ✓    | (✓) |   (✓)   |      |    ✓     | (✓) |
 * (✓): with `--base mog`. The transform options (`--transformer`, `--bins`, `--shift-only`, `--act-norm`, `--bounds`, …)
 * are checked and translated in `transform-options.ts`.
 */
import { Rng } from '../core/rng.ts';
import type { Distribution } from '../distributions/distribution.ts';
import { createIaf } from '../flows/create-iaf.ts';
import { createMadeMog } from '../flows/create-made-mog.ts';
import { createMade } from '../flows/create-made.ts';
import { createMafMog } from '../flows/create-maf-mog.ts';
import { createMaf } from '../flows/create-maf.ts';
import { createNsf } from '../flows/create-nsf.ts';
import { createRealNvp } from '../flows/create-real-nvp.ts';
import type { Activation } from '../kernels/kernels.ts';
import { transformFactoryOptions, type TransformSpec } from './transform-options.ts';
import { UsageError } from './usage-error.ts';

/** The flow families `--flow` accepts. */
export const FLOW_KINDS = ['maf', 'iaf', 'realnvp', 'made', 'made-mog', 'maf-mog', 'nsf'] as const;
/** One of `FLOW_KINDS`. */
export type FlowKind = (typeof FLOW_KINDS)[number];

/** A flow's architecture as the CLI describes it (all JSON). */
export interface FlowSpec extends TransformSpec {
  kind: FlowKind;
  /** D, the number of data columns. */
  features: number;
  /** Number of context columns (0 = unconditional). */
  contextFeatures: number;
  /** @default 5 */
  layers?: number;
  /** @default [64, 64] */
  hiddenUnits?: number[];
  /** @default 'relu' */
  activation?: Activation;
  /** @default false */
  batchNorm?: boolean;
  /** @default false */
  residual?: boolean;
  /** `'lu'`: a learnable `LuLinear` between the layers. @default 'reverse' */
  order?: 'reverse' | 'random' | 'lu';
  /** Mixture components of MoG flows. @default 10 */
  components?: number;
  /** Seeds the initial weights, degrees and permutations. @default 0 */
  seed?: number;
}

type OptionName = 'layers' | 'batchNorm' | 'residual' | 'order' | 'components';

const APPLIES: Record<OptionName, readonly FlowKind[]> = {
  layers: ['maf', 'maf-mog', 'iaf', 'realnvp', 'nsf'],
  batchNorm: ['maf', 'maf-mog', 'realnvp'],
  residual: ['maf', 'maf-mog', 'iaf', 'made', 'made-mog', 'nsf'],
  order: ['maf', 'maf-mog', 'iaf', 'nsf'],
  components: ['maf-mog', 'made-mog', 'maf', 'iaf', 'realnvp', 'nsf'],
};

const FLAGS: Record<OptionName, string> = {
  layers: '--layers', batchNorm: '--batch-norm', residual: '--residual', order: '--order', components: '--components',
};

/**
 * Whether `--<option>` applies to `--flow kind` (the table above).
 *
 * @example
 * import { appliesTo } from './flow-from-options.ts';
 * console.log(appliesTo('batchNorm', 'maf'), appliesTo('batchNorm', 'nsf')); // → true false
 */
export function appliesTo(option: OptionName, kind: FlowKind): boolean {
  return APPLIES[option].includes(kind);
}

/**
 * Throws a `UsageError` when an option the user set explicitly (`given`) does not apply to `kind`.
 *
 * @example
 * import { checkFlowOptions } from './flow-from-options.ts';
 * checkFlowOptions('maf', ['layers']);   // --layers applies to maf: no error
 * try {
 *   checkFlowOptions('made', ['layers']);
 * } catch (error) {
 *   console.log((error as Error).message); // → --layers does not apply to --flow made (it applies to: maf, maf-mog, iaf, realnvp, nsf)
 * }
 */
export function checkFlowOptions(kind: FlowKind, given: readonly OptionName[]): void {
  for (const name of given) {
    if (!appliesTo(name, kind)) {
      throw new UsageError(`${FLAGS[name]} does not apply to --flow ${kind} (it applies to: ${APPLIES[name].join(', ')})`);
    }
  }
}

/**
 * Builds the untrained flow described by `spec`.
 *
 * @example
 * import { matrix } from 'maflow';
 * import { flowFromOptions } from './flow-from-options.ts';
 * const flow = flowFromOptions({ kind: 'maf', features: 2, contextFeatures: 0, layers: 2, hiddenUnits: [8, 8], seed: 1 });
 * console.log(flow.config().type, flow.logProb(matrix([[0.5, -1]]))); // → TransformedDistribution Float64Array(1) [ … ]
 */
export function flowFromOptions(spec: FlowSpec): Distribution {
  try {
    return createFlow(spec);
  } catch (error) {
    // The factories reject impossible architectures (e.g. residual MADEs with unequal widths) with a RangeError.
    if (error instanceof RangeError) throw new UsageError(`--flow ${spec.kind}: ${error.message}`);
    throw error;
  }
}

function createFlow(spec: FlowSpec): Distribution {
  const common = {
    features: spec.features,
    contextFeatures: spec.contextFeatures,
    hiddenUnits: spec.hiddenUnits,
    activation: spec.activation,
    rng: new Rng(spec.seed ?? 0),
    ...transformFactoryOptions(spec),
  };
  switch (spec.kind) {
    case 'maf':
      return createMaf({ ...common, layers: spec.layers, batchNorm: spec.batchNorm, residual: spec.residual, order: spec.order });
    case 'maf-mog':
      return createMafMog({
        ...common, layers: spec.layers, batchNorm: spec.batchNorm, residual: spec.residual, order: spec.order,
        components: spec.components,
      });
    case 'iaf':
      return createIaf({ ...common, layers: spec.layers, residual: spec.residual, order: spec.order });
    case 'realnvp':
      if (spec.features < 2) throw new UsageError(`--flow realnvp needs at least 2 data columns, got ${spec.features}`);
      return createRealNvp({ ...common, layers: spec.layers, batchNorm: spec.batchNorm });
    case 'nsf':
      return createNsf({ ...common, layers: spec.layers, residual: spec.residual, order: spec.order });
    case 'made':
      return createMade({ ...common, residual: spec.residual });
    case 'made-mog':
      return createMadeMog({ ...common, residual: spec.residual, components: spec.components });
    default:
      throw new UsageError(`unknown flow '${spec.kind as string}' (expected one of ${FLOW_KINDS.join(', ')})`);
  }
}
