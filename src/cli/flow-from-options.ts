/**
 * Maps the `train` command's `--flow` and architecture options to a flow factory. The spec is plain JSON so that it
 * can cross to the training worker and be recorded in the model file.
 * Which options apply to which flow: `flow-kinds.ts`.
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
import { appliesTo, checkFlowOptions, FLOW_KINDS, type FlowKind } from './flow-kinds.ts';
import type { TransformSpec } from './transform-cli-options.ts';
import { transformFactoryOptions } from './transform-options.ts';
import { UsageError } from './usage-error.ts';

// Defined in flow-kinds.ts, which loads no flows (the train command's definition and checks use them from there).
export { appliesTo, checkFlowOptions, FLOW_KINDS, type FlowKind };

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
