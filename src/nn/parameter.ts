import { allocateBuffer, type Dtype, type FloatArray } from '../core/matrix.ts';

/** Options of `new Parameter(shape, dtype, value, options)`. */
export interface ParameterOptions {
  /**
   * A staircase mask over the `[rows, cols]` layout (the last dimension is `cols`): row r's live entries are
   * `[0, staircase[r])`; the others are masked, never read by the kernels, and their gradient stays 0. Optimizers and
   * `zeroGrad` then touch the live entries only (about half of a MADE weight).
   */
  staircase?: Int32Array;
}

/**
 * Trainable tensors. A `Parameter` owns its value and an accumulated gradient of the same shape; modules expose
 * theirs through `namedParameters(prefix)` with dotted, stable names (`layers.0.made.hidden.1.weight`), which are
 * also the tensor names in model files.
 */
export class Parameter {
  readonly value: FloatArray;
  /** See `ParameterOptions.staircase`; null = every entry is live. */
  readonly staircase: Int32Array | null;
  private readonly gradBuffer: FloatArray;
  /** Set by zeroGrad: the buffer holds an old gradient that reads must see as 0 (cleared on first use). */
  private gradStale = false;

  constructor(readonly shape: readonly number[], readonly dtype: Dtype, value?: FloatArray, options: ParameterOptions = {}) {
    const size = shape.reduce((a, b) => a * b, 1);
    this.value = value ?? allocateBuffer(dtype, size);
    if (this.value.length !== size) throw new RangeError(`Parameter: value has ${this.value.length} entries, shape [${shape.join(', ')}] needs ${size}`);
    this.gradBuffer = allocateBuffer(dtype, size);
    this.staircase = options.staircase ?? null;
    if (this.staircase !== null) {
      const { rows, cols } = this;
      if (this.staircase.length !== rows) throw new RangeError(`Parameter: staircase has ${this.staircase.length} entries, expected ${rows} rows`);
      for (const p of this.staircase) {
        if (!(p >= 0 && p <= cols)) throw new RangeError(`Parameter: staircase entries must lie in [0, ${cols}], got ${p}`);
      }
    }
  }

  get size(): number {
    return this.value.length;
  }

  /** Width of the `[rows, cols]` layout: the last dimension (1 for a scalar). */
  get cols(): number {
    return this.shape.length === 0 ? 1 : this.shape[this.shape.length - 1];
  }

  /** Rows of the `[rows, cols]` layout: the product of the leading dimensions. */
  get rows(): number {
    return this.cols === 0 ? 0 : this.size / this.cols;
  }

  /** The accumulated gradient, same shape as `value` (masked entries of a staircase stay 0). */
  get grad(): FloatArray {
    if (this.gradStale) {
      this.gradStale = false;
      if (this.staircase === null) {
        this.gradBuffer.fill(0);
      } else {
        const cols = this.cols;
        this.staircase.forEach((live, r) => this.gradBuffer.fill(0, r * cols, r * cols + live));
      }
    }
    return this.gradBuffer;
  }

  /**
   * Zeroes the gradient, lazily: the buffer is cleared when next read, unless a kernel overwrites it first
   * (`takeGradForOverwrite`), which spares a large model a write and a read of every gradient per training step.
   */
  zeroGrad(): void {
    this.gradStale = true;
  }

  /** True between zeroGrad and the next use of the gradient. */
  get gradIsZero(): boolean {
    return this.gradStale;
  }

  /**
   * The gradient buffer for a kernel that will overwrite every live entry (call only while `gradIsZero`): its stale
   * contents are not cleared first.
   */
  takeGradForOverwrite(): FloatArray {
    if (!this.gradStale) throw new Error('Parameter.takeGradForOverwrite: the gradient holds values to accumulate into');
    this.gradStale = false;
    return this.gradBuffer;
  }
}

/** A named list of parameters. */
export type NamedParameters = Array<[string, Parameter]>;

/** Anything that owns parameters. */
export interface Module {
  namedParameters(prefix?: string): NamedParameters;
}

/** `prefix.name`, or `name` for an empty prefix. */
export function joinName(prefix: string | undefined, name: string): string {
  return prefix === undefined || prefix === '' ? name : `${prefix}.${name}`;
}

/** The parameters of `module` without names. */
export function parametersOf(module: Module): Parameter[] {
  return module.namedParameters().map(([, p]) => p);
}

/** Total number of scalar parameters. */
export function parameterCount(module: Module): number {
  return parametersOf(module).reduce((n, p) => n + p.size, 0);
}

/** Zeroes every gradient of `module`. */
export function zeroGrad(module: Module): void {
  for (const p of parametersOf(module)) p.zeroGrad();
}
