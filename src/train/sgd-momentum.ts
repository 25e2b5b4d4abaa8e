import type { FloatArray } from '../core/matrix.ts';
import { kernels } from '../kernels/backend.ts';
import type { NamedParameters } from '../nn/parameter.ts';
import { checkNonNegative, checkRange } from './adam.ts';
import { captureSlots, restoreSlots, type Optimizer, type OptimizerState, type StepOptions } from './optimizer.ts';
import { ParameterList } from './parameter-list.ts';

/** Options of `new SgdMomentum(parameters, options)`. */
export interface SgdMomentumOptions {
  /** Step size. @default 1e-2 */
  learningRate?: number;
  /** Momentum coefficient μ in [0, 1). @default 0.9 */
  momentum?: number;
  /** L2 penalty coefficient λ. @default 0 */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent with (heavy-ball) momentum and L2 weight decay, PyTorch's `SGD` convention:
 * `g = ∇θ + λθ`, `b ← μ b + g`, `θ ← θ − lr · b` (μ = 0 is plain SGD), in one call of the active kernel backend
 * (`kernels().sgdMomentumUpdate`) over the live entries of every parameter.
 *
 * @example
 * import { Rng, SgdMomentum, createMaf, meanLogProb, twoMoons } from 'maflow';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const { data } = twoMoons(64, { rng: new Rng(1) });
 * const sgd = new SgdMomentum(flow.namedParameters(), { learningRate: 1e-2, momentum: 0.9 });
 * const before = meanLogProb(flow, data);
 * flow.logProbTrain(data).backward(new Float64Array(data.rows).fill(-1 / data.rows));   // gradients of −mean log p
 * sgd.step();
 * console.log(meanLogProb(flow, data) > before); // → true
 */
export class SgdMomentum implements Optimizer {
  learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  private steps = 0;
  private readonly list: ParameterList;
  private readonly velocity: FloatArray[];

  constructor(readonly parameters: NamedParameters, options: SgdMomentumOptions = {}) {
    this.learningRate = options.learningRate ?? 1e-2;
    this.momentum = options.momentum ?? 0.9;
    this.weightDecay = options.weightDecay ?? 0;
    checkRange('SgdMomentum', 'momentum', this.momentum, 0, 1);
    checkNonNegative('SgdMomentum', 'weightDecay', this.weightDecay);
    this.list = new ParameterList(parameters.map(([, p]) => p));
    this.velocity = this.list.slot();
  }

  get stepCount(): number {
    return this.steps;
  }

  step(options?: StepOptions): number {
    this.steps++;
    const k = kernels();
    const { list } = this;
    return list.update(options, (group, pass) => {
      k.sgdMomentumUpdate({ ...pass, velocity: list.pick(group, this.velocity), lr: this.learningRate, momentum: this.momentum,
        weightDecay: this.weightDecay });
    });
  }

  state(): OptimizerState {
    return { type: 'sgd', step: this.steps, tensors: captureSlots(this.parameters, { velocity: this.velocity }) };
  }

  setState(state: OptimizerState): void {
    restoreSlots('SgdMomentum', 'sgd', this.parameters, state, { velocity: this.velocity });
    this.steps = state.step;
  }
}
