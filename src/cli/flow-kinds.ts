/**
 * The flow families `maflow train --flow` accepts and the architecture options that apply to each, apart from the
 * factories (`flow-from-options.ts`) so that the command's definition (its `--help`, its choices) and its checks load
 * no flows.
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
 * are checked and translated in `transform-cli-options.ts`.
 */
import { UsageError } from './usage-error.ts';

/** The flow families `--flow` accepts. */
export const FLOW_KINDS = ['maf', 'iaf', 'realnvp', 'made', 'made-mog', 'maf-mog', 'nsf'] as const;
/** One of `FLOW_KINDS`. */
export type FlowKind = (typeof FLOW_KINDS)[number];

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
 * import { appliesTo } from './flow-kinds.ts';
 * console.log(appliesTo('batchNorm', 'maf'), appliesTo('batchNorm', 'nsf')); // → true false
 */
export function appliesTo(option: OptionName, kind: FlowKind): boolean {
  return APPLIES[option].includes(kind);
}

/**
 * Throws a `UsageError` when an option the user set explicitly (`given`) does not apply to `kind`.
 *
 * @example
 * import { checkFlowOptions } from './flow-kinds.ts';
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
