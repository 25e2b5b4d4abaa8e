/**
 * Trainable tensors. A `Parameter` owns its value and an accumulated gradient of the same shape; modules expose
 * theirs through `namedParameters(prefix)` with dotted, stable names (`layers.0.made.hidden.1.weight`), which are
 * also the tensor names in model files.
 */
import { allocate, type Dtype, type FloatArray } from '../core/matrix.ts';

export class Parameter {
  readonly value: FloatArray;
  readonly grad: FloatArray;

  constructor(readonly shape: readonly number[], readonly dtype: Dtype, value?: FloatArray) {
    const size = shape.reduce((a, b) => a * b, 1);
    this.value = value ?? allocate(dtype, size);
    if (this.value.length !== size) throw new RangeError(`Parameter: value has ${this.value.length} entries, shape [${shape.join(', ')}] needs ${size}`);
    this.grad = allocate(dtype, size);
  }

  get size(): number {
    return this.value.length;
  }

  zeroGrad(): void {
    this.grad.fill(0);
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
