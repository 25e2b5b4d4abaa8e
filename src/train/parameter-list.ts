import { allocateBuffer, dtypeOf, type FloatArray } from '../core/matrix.ts';
import type { ParameterUpdateOp, TensorListLayout } from '../kernels/kernels.ts';
import type { Parameter } from '../nn/parameter.ts';
import type { StepOptions } from './optimizer.ts';

/** Some parameters of a `ParameterList` that share one dtype, with their layout for the multi-tensor kernels. */
export interface ParameterGroup {
  readonly layout: TensorListLayout;
  /** Indices into `ParameterList.parameters`, in order. */
  readonly members: readonly number[];
}

/**
 * A parameter list as the multi-tensor kernels take it (`sumOfSquares`, `axpby`, `adamUpdate`, `sgdMomentumUpdate`:
 * one call for all parameters of a model per pass): the layouts are built once, one group per dtype (the arrays of a
 * kernel call share one element type; a model has one). Optimisers, gradient clipping and the moving average of the
 * weights keep one and call the kernels once per group.
 */
export class ParameterList {
  readonly groups: readonly ParameterGroup[];
  /** The parameters' values, in list order. */
  readonly values: readonly FloatArray[];

  constructor(readonly parameters: readonly Parameter[]) {
    this.values = parameters.map((p) => p.value);
    const byDtype = new Map<string, number[]>();
    parameters.forEach((p, i) => {
      const members = byDtype.get(p.dtype) ?? [];
      members.push(i);
      byDtype.set(p.dtype, members);
    });
    this.groups = [...byDtype.values()].map((members) => ({
      members,
      layout: {
        rows: Int32Array.from(members, (i) => parameters[i].rows),
        cols: Int32Array.from(members, (i) => parameters[i].cols),
        staircases: members.map((i) => parameters[i].staircase),
      },
    }));
  }

  /** `arrays` (one per parameter, in list order) restricted to a group's members: the operand of a kernel call. */
  pick<T>(group: ParameterGroup, arrays: readonly T[]): readonly T[] {
    return group.members.length === arrays.length ? arrays : group.members.map((i) => arrays[i]);
  }

  /** The parameters' gradients, in list order (read through `Parameter.grad`, which clears a just-zeroed one). */
  grads(): FloatArray[] {
    return this.parameters.map((p) => p.grad);
  }

  /**
   * Runs an optimiser's update: `update(group, pass)` makes one update-kernel call per group, with `pass` its
   * layout, values and gradients and the `UpdatePassOp` fields that carry `options` (`Optimizer.step`'s). Returns the
   * gradients' sum of squares over all groups with `options.gradSquares`, else NaN.
   */
  update(options: StepOptions | undefined, update: (group: ParameterGroup, pass: Omit<ParameterUpdateOp, 'lr' | 'weightDecay'>) => void): number {
    const grads = this.grads();
    let squares = options?.gradSquares === true ? 0 : NaN;
    for (const group of this.groups) {
      const gradSquares = options?.gradSquares === true ? new Float64Array(group.members.length) : null;
      update(group, {
        layout: group.layout, param: this.pick(group, this.values), grad: this.pick(group, grads),
        gradScale: options?.gradScale ?? 1, gradSquares,
        average: options?.average === undefined ? null : this.pick(group, options.average.sums), averageDecay: options?.average?.decay ?? 0,
      });
      if (gradSquares !== null) for (const sum of gradSquares) squares += sum;
    }
    return squares;
  }

  /** A buffer of zeros per parameter, shaped and typed like it, from the active backend's memory. */
  slot(): FloatArray[] {
    return this.parameters.map((p) => allocateBuffer(dtypeOf(p.value), p.size));
  }
}
