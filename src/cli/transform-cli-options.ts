/**
 * The `train` command's options for the transforms inside a flow and for the optimisation that issue 16 added —
 * `--transformer`, `--bins`, `--tail-bound`, `--shift-only`, `--act-norm`, `--base`, `--bounds`, `--circular`, `--lr-schedule`,
 * `--clip-grad-norm` — and `--log-scale-bound` (issue 12) in one place: their definitions (with defaults in `--help`), which
 * flows they apply to, their translation into the flow spec and the training job, and the checks of the data against
 * them. Loads no bijectors (the spec becomes factory options in `transform-options.ts`, where the flow is built), so
 * that defining and checking the command stays cheap.
 */
import { Option, type Command } from 'commander';
import type { Matrix } from '../core/matrix.ts';
import { quote } from '../core/printable.ts';
import { DataError } from '../io/data-error.ts';
import { parsePositiveInteger, parsePositiveNumber } from './parse-list.ts';
import { UsageError } from './usage-error.ts';

/** The transformers `--transformer` accepts (`--flow maf`). */
export const TRANSFORMER_KINDS = ['affine', 'spline', 'naf', 'umnn', 'bernstein'] as const;
/** One of `TRANSFORMER_KINDS`. */
export type TransformerKind = (typeof TRANSFORMER_KINDS)[number];

/** One entry of `--bounds`: a column name with its lower and upper end (null = open). */
export interface ColumnBound {
  column: string;
  low: number | null;
  high: number | null;
}

/** The flow-spec fields these options set (all JSON). */
export interface TransformSpec {
  /** The transformer of a `maf`'s layers. @default 'affine' */
  transformer?: TransformerKind;
  /** Spline bins, or the Bernstein polynomial's degree. @default 8 */
  bins?: number;
  /** The interval `[−B, B]` of the spline or the Bernstein polynomial. @default 3 */
  tailBound?: number;
  /** Volume-preserving affine layers. @default false */
  shiftOnly?: boolean;
  /** Soft clip bound of the affine layers' log-scales (absent: the library's default). */
  logScaleBound?: number;
  /** An ActNorm after each layer. @default false */
  actNorm?: boolean;
  /** The base distribution. @default 'normal' */
  base?: 'normal' | 'mog';
  /** One `[low, high]` per data column, `null` for an open end (JSON has no Infinity). @default none */
  bounds?: [number | null, number | null][];
  /** One flag per data column: the angle columns of `--circular` (circular-spline layers). @default none */
  circular?: boolean[];
}

/** The parsed values of these options, as commander gives them. */
export interface TransformOptionValues {
  transformer: TransformerKind;
  bins: number;
  tailBound: number;
  shiftOnly?: boolean;
  logScaleBound: number;
  actNorm?: boolean;
  base: 'normal' | 'mog';
  bounds?: ColumnBound[];
  lrSchedule: 'constant' | 'cosine';
  clipGradNorm?: number;
  /** `--circular`: the angle columns' names. */
  circular?: string[];
  /** The flow options `--circular` cannot go with (given by `train`). */
  order?: string;
  batchNorm?: boolean;
}

type Kind = 'maf' | 'maf-mog' | 'iaf' | 'realnvp' | 'made' | 'made-mog' | 'nsf' | string;

/** The flows each option applies to (an option given for another flow is a `UsageError`). */
const APPLIES: Record<'transformer' | 'bins' | 'tailBound' | 'shiftOnly' | 'logScaleBound' | 'actNorm' | 'base' | 'bounds' | 'circular', readonly Kind[]> = {
  transformer: ['maf'],
  circular: ['maf'],
  bins: ['maf', 'nsf'],
  tailBound: ['maf', 'nsf'],
  shiftOnly: ['maf', 'maf-mog', 'iaf', 'realnvp'],
  logScaleBound: ['maf', 'maf-mog', 'iaf', 'realnvp', 'made'],
  actNorm: ['maf', 'maf-mog', 'iaf', 'realnvp', 'nsf'],
  base: ['maf', 'iaf', 'realnvp', 'nsf'],
  bounds: ['maf', 'maf-mog', 'iaf', 'realnvp', 'nsf'],
};
const FLAGS = {
  transformer: '--transformer', bins: '--bins', tailBound: '--tail-bound', shiftOnly: '--shift-only', logScaleBound: '--log-scale-bound', actNorm: '--act-norm',
  base: '--base', bounds: '--bounds', circular: '--circular',
} as const;

/** `--circular`'s checks (the options it cannot go with) and its flags, one per data column. */
function circularSpec(values: TransformOptionValues, given: readonly string[], columns: readonly string[]): boolean[] | undefined {
  const names = values.circular;
  if (names === undefined) return undefined;
  if (given.includes('transformer') && values.transformer !== 'spline') {
    throw new UsageError(`--circular makes every layer a circular spline; it does not go with --transformer ${values.transformer}`);
  }
  const clash = values.order === 'lu' ? '--order lu (it mixes the angles with the other columns)'
    : values.batchNorm === true && given.includes('batchNorm') ? '--batch-norm (it would rescale the angles)'
      : values.actNorm === true ? '--act-norm (it would rescale the angles)' : undefined;
  if (clash !== undefined) throw new UsageError(`--circular does not go with ${clash}`);
  const flags = columns.map(() => false);
  for (const name of names) {
    const d = columns.indexOf(name);
    if (d < 0) throw new UsageError(`--circular: unknown column ${quote(name)} (the data columns are ${columns.map((c) => quote(c)).join(', ')})`);
    if (flags[d]) throw new UsageError(`--circular: column ${quote(name)} is given twice`);
    if (values.bounds?.some((b) => b.column === name) === true) throw new UsageError(`--circular: column ${quote(name)} also has --bounds`);
    flags[d] = true;
  }
  return flags;
}

/**
 * The spec fields for `--flow kind` from the option values; `given` names the options set on the command line
 * (an option that does not apply to the flow, or to the transformer, is a `UsageError`), `columns` the data columns
 * (`--bounds` names them).
 */
export function transformSpec(kind: Kind, values: TransformOptionValues, given: readonly string[], columns: readonly string[]): TransformSpec {
  for (const name of Object.keys(APPLIES) as (keyof typeof APPLIES)[]) {
    if (given.includes(name) && !APPLIES[name].includes(kind)) {
      throw new UsageError(`${FLAGS[name]} does not apply to --flow ${kind} (it applies to: ${APPLIES[name].join(', ')})`);
    }
  }
  const circular = circularSpec(values, given, columns);
  if (circular !== undefined && given.includes('tailBound')) throw new UsageError('--tail-bound does not apply to --circular (its splines act on [-pi, pi])');
  const transformer = kind === 'nsf' || circular !== undefined ? 'spline' : values.transformer;
  if ((given.includes('bins') || given.includes('tailBound')) && transformer !== 'spline' && transformer !== 'bernstein') {
    throw new UsageError(`${given.includes('bins') ? '--bins' : '--tail-bound'} applies to --transformer spline or bernstein, not ${transformer}`);
  }
  if (given.includes('components') && APPLIES.base.includes(kind) && values.base !== 'mog') {
    throw new UsageError(`--components applies to --flow ${kind} with --base mog (the mixture base)`);
  }
  if (given.includes('logScaleBound') && transformer !== 'affine') {
    throw new UsageError(`--log-scale-bound applies to the affine transformer, not --transformer ${transformer}`);
  }
  if (values.shiftOnly === true && transformer !== 'affine') {
    throw new UsageError(`--shift-only applies to the affine transformer, not --transformer ${transformer}`);
  }
  return {
    ...(kind === 'maf' && circular === undefined ? { transformer } : {}),
    ...(circular !== undefined ? { circular, bins: values.bins }
      : transformer === 'spline' || transformer === 'bernstein' ? { bins: values.bins, tailBound: values.tailBound } : {}),
    ...(values.shiftOnly === true ? { shiftOnly: true } : {}),
    ...(APPLIES.logScaleBound.includes(kind) && transformer === 'affine' && values.shiftOnly !== true
      ? { logScaleBound: values.logScaleBound } : {}),
    ...(values.actNorm === true ? { actNorm: true } : {}),
    ...(APPLIES.base.includes(kind) ? { base: values.base } : {}),
    ...(values.bounds === undefined ? {} : { bounds: resolveBounds(values.bounds, columns) }),
  };
}

/** `--bounds` entries as one `[low, high]` per data column (null = open), naming an unknown or repeated column. */
export function resolveBounds(entries: readonly ColumnBound[], columns: readonly string[]): [number | null, number | null][] {
  const bounds: [number | null, number | null][] = columns.map(() => [null, null]);
  const seen = new Set<string>();
  for (const { column, low, high } of entries) {
    const d = columns.indexOf(column);
    if (d < 0) throw new UsageError(`--bounds: unknown column ${quote(column)} (the data columns are ${columns.map((c) => quote(c)).join(', ')})`);
    if (seen.has(column)) throw new UsageError(`--bounds: column ${quote(column)} is given twice`);
    seen.add(column);
    bounds[d] = [low, high];
  }
  return bounds;
}

/** Adds the options to `command` (defaults shown in `--help`). */
export function addTransformOptions(command: Command): Command {
  return command
    .addOption(new Option('--transformer <kind>', 'elementwise transformer of each maf layer: affine (MAF), spline (as nsf), ' +
      'naf (deep sigmoidal), umnn (integral of a positive network), bernstein (polynomial)').choices(TRANSFORMER_KINDS).default('affine'))
    .option('--bins <n>', 'spline bins, or the Bernstein degree (--transformer spline or bernstein, --flow nsf)', parsePositiveInteger, 8)
    .option('--tail-bound <B>', 'the spline or Bernstein polynomial acts on [-B, B] (identity / linear outside)', parsePositiveNumber, 3)
    .option('--shift-only', 'volume-preserving affine layers, shift only (maf, maf-mog, iaf, realnvp; default: shift and scale)')
    .option('--log-scale-bound <c>', 'soft clip c of the affine layers\' log-scales, s = c·tanh(r/c) (maf, maf-mog, iaf, ' +
      'realnvp, made): a smaller c keeps a row off the training data\'s surface from being amplified e^c-fold per layer',
      parsePositiveNumber, 3)
    .option('--act-norm', 'an ActNorm (data-initialised per-feature affine) after each layer (maf, maf-mog, iaf, realnvp, nsf; default: off)')
    .addOption(new Option('--base <kind>', 'base distribution: normal, or mog (a trainable mixture of --components Gaussians) ' +
      '(maf, iaf, realnvp, nsf)').choices(['normal', 'mog']).default('normal'))
    .addOption(new Option('--bounds <list>', "bounded columns, name:low:high with an empty end open, e.g. 'x1:0:1,x3:0:' " +
      '(values must lie strictly inside; samples respect them; default: none)').argParser(parseBounds))
    .addOption(new Option('--circular <columns>', 'angle columns (radians in [-pi, pi], comma-separated names): every maf ' +
      'layer becomes a circular rational-quadratic spline, periodic in those columns (--bins bins), which are not ' +
      'standardized; no batch norm, ActNorm or --order lu with it (default: none)').argParser(parseColumnList))
    .addOption(new Option('--lr-schedule <kind>', 'learning-rate schedule over all epochs: constant, or cosine (decay to 0)')
      .choices(['constant', 'cosine']).default('constant'))
    .option('--clip-grad-norm <c>', 'clip the gradient to this global L2 norm per step (default: no clipping)', parsePositiveNumber);
}

/**
 * `--bounds` text into entries: comma-separated `name:low:high`, either end empty for an open one, `low < high`.
 *
 * @example
 * import { parseBounds } from './transform-cli-options.ts';
 * console.log(parseBounds('x1:0:1,x3:0:')); // → [ { column: 'x1', low: 0, high: 1 }, { column: 'x3', low: 0, high: null } ]
 */
export function parseBounds(text: string): ColumnBound[] {
  return text.split(',').map((item) => {
    const parts = item.split(':');
    if (parts.length < 3 || parts.slice(0, -2).join(':').trim() === '') {
      throw new UsageError(`--bounds: expected name:low:high (an end may be empty), got ${quote(item)}`);
    }
    const column = parts.slice(0, -2).join(':').trim();
    const end = (s: string): number | null => {
      if (s.trim() === '') return null;
      const v = Number(s);
      if (!Number.isFinite(v)) throw new UsageError(`--bounds: ${quote(s)} in ${quote(item)} is not a finite number`);
      return v;
    };
    const low = end(parts[parts.length - 2]);
    const high = end(parts[parts.length - 1]);
    if (low !== null && high !== null && !(low < high)) throw new UsageError(`--bounds: ${quote(item)} needs low < high`);
    if (low === null && high === null) throw new UsageError(`--bounds: ${quote(item)} bounds nothing (give low, high or both)`);
    return { column, low, high };
  });
}

/** `--circular` text into column names (comma-separated, none empty). */
function parseColumnList(text: string): string[] {
  const names = text.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new UsageError(`--circular: expected comma-separated column names, got ${quote(text)}`);
  return names;
}

/**
 * Throws a `DataError` naming `file`, the row and the column of the first value of `x [n, columns]` that is not
 * strictly inside its column's bounds (a value on a bound has density zero under the bounded flow).
 */
export function checkInsideBounds(x: Matrix, bounds: TransformSpec['bounds'], columns: readonly string[], file: string): void {
  if (bounds === undefined) return;
  const D = x.cols;
  for (let k = 0; k < x.data.length; k++) {
    const d = k % D;
    const [low, high] = bounds[d];
    const v = x.data[k];
    if ((low !== null && !(v > low)) || (high !== null && !(v < high))) {
      throw new DataError(`row index ${Math.floor(k / D)} (0-based, header not counted), column ${quote(columns[d])} is ${v}, not ` +
        `strictly inside its --bounds (${low ?? '-∞'}, ${high ?? '∞'}): widen the bounds to enclose every value`, { file });
    }
  }
}

/**
 * Throws a `DataError` naming `file`, the row and the column of the first value of an angle column (`--circular`) of
 * `x [n, columns]` outside [−π, π] (radians; a circular spline reads its angles there).
 */
export function checkAngles(x: Matrix, circular: TransformSpec['circular'], columns: readonly string[], file: string): void {
  if (circular === undefined) return;
  const D = x.cols;
  for (let k = 0; k < x.data.length; k++) {
    const d = k % D;
    const v = x.data[k];
    // Float32 data rounds π up by ~1e-7.
    if (circular[d] && !(Math.abs(v) <= Math.PI + 1e-6)) {
      throw new DataError(`row index ${Math.floor(k / D)} (0-based, header not counted), column ${quote(columns[d])} is ${v}: ` +
        '--circular columns are angles in radians in [-pi, pi] (wrap them first)', { file });
    }
  }
}
