import type { FloatArray } from '../core/matrix.ts';
import { kernels } from '../kernels/backend.ts';
import type { NamedParameters } from '../nn/parameter.ts';
import { captureSlots, restoreSlots, type Optimizer, type OptimizerState, type StepOptions } from './optimizer.ts';
import { ParameterList } from './parameter-list.ts';

/** Options of `new Adam(parameters, options)`. */
export interface AdamOptions {
  /** Step size. @default 1e-3 */
  learningRate?: number;
  /** Decay of the first moment. @default 0.9 */
  beta1?: number;
  /** Decay of the second moment. @default 0.999 */
  beta2?: number;
  /** Added to √v̂ for stability. @default 1e-8 */
  epsilon?: number;
  /** L2 penalty coefficient λ (the gradient of `½λ‖θ‖²` is added to every gradient). @default 0 */
  weightDecay?: number;
}

/**
 * Adam (Kingma & Ba 2015) with the MAF paper's L2 regulariser folded into the gradient:
 * `g = ∇θ + λθ`, `m ← β1 m + (1 − β1) g`, `v ← β2 v + (1 − β2) g²`, `θ ← θ − lr · m̂ / (√v̂ + ε)` with the
 * bias-corrected `m̂ = m / (1 − β1ᵗ)`, `v̂ = v / (1 − β2ᵗ)`. The update of all parameters is one call of the active
 * kernel backend (`kernels().adamUpdate`), over the live entries of staircase-masked weights only; moments have each
 * parameter's shape and dtype.
 *
 * @example
 * import { Adam, Rng, createMaf, twoMoons } from 'maflow';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const { data } = twoMoons(64, { rng: new Rng(1) });
 * const adam = new Adam(flow.namedParameters(), { learningRate: 1e-3 });
 * flow.logProbTrain(data).backward(new Float64Array(data.rows).fill(-1 / data.rows));   // gradients of −mean log p
 * adam.step();
 * console.log(adam.stepCount); // → 1
 */
export class Adam implements Optimizer {
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private steps = 0;
  private readonly list: ParameterList;
  private readonly m: FloatArray[];
  private readonly v: FloatArray[];

  constructor(readonly parameters: NamedParameters, options: AdamOptions = {}) {
    this.learningRate = options.learningRate ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    checkRange('Adam', 'beta1', this.beta1, 0, 1);
    checkRange('Adam', 'beta2', this.beta2, 0, 1);
    checkNonNegative('Adam', 'weightDecay', this.weightDecay);
    this.list = new ParameterList(parameters.map(([, p]) => p));
    this.m = this.list.slot();
    this.v = this.list.slot();
  }

  get stepCount(): number {
    return this.steps;
  }

  step(options?: StepOptions): number {
    this.steps++;
    const k = kernels();
    const { list } = this;
    return list.update(options, (group, pass) => {
      k.adamUpdate({ ...pass, m: list.pick(group, this.m), v: list.pick(group, this.v), lr: this.learningRate, beta1: this.beta1,
        beta2: this.beta2, eps: this.epsilon, weightDecay: this.weightDecay, step: this.steps });
    });
  }

  state(): OptimizerState {
    return { type: 'adam', step: this.steps, tensors: captureSlots(this.parameters, { m: this.m, v: this.v }) };
  }

  setState(state: OptimizerState): void {
    restoreSlots('Adam', 'adam', this.parameters, state, { m: this.m, v: this.v });
    this.steps = state.step;
  }
}

/** Throws unless `lo <= value < hi`. */
export function checkRange(where: string, name: string, value: number, lo: number, hi: number): void {
  if (!(value >= lo && value < hi)) throw new RangeError(`${where}: ${name} must be in [${lo}, ${hi}), got ${value}`);
}

/** Throws unless `value` is a finite number ≥ 0. */
export function checkNonNegative(where: string, name: string, value: number): void {
  if (!(value >= 0 && Number.isFinite(value))) throw new RangeError(`${where}: ${name} must be a finite number ≥ 0, got ${value}`);
}
