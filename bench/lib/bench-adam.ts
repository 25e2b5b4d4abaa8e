/**
 * Adam over every parameter of a module in one call of the active backend's `adamUpdate` kernel, with PyTorch's defaults
 * (β = (0.9, 0.999), ε = 1e-8, no weight decay) so that a benchmark step does the same work as `torch.optim.Adam`.
 * The benchmark keeps its own small optimizer so that it measures the kernels, whatever `src/train` offers.
 *
 * @example
 * const adam = new BenchAdam(flow, { lr: 1e-4 });
 * adam.step();   // after gradients were accumulated
 */
import { allocateBuffer, dtypeOf, type FloatArray } from '../../src/core/matrix.ts';
import { kernels } from '../../src/kernels/backend.ts';
import type { TensorListLayout } from '../../src/kernels/kernels.ts';
import { parametersOf, type Module, type Parameter } from '../../src/nn/parameter.ts';

export interface BenchAdamOptions {
  /** Learning rate. @default 1e-4 (the MAF paper's and the peer's) */
  lr?: number;
}

export class BenchAdam {
  private readonly parameters: Parameter[];
  private readonly layout: TensorListLayout;
  private readonly m: FloatArray[];
  private readonly v: FloatArray[];
  private readonly lr: number;
  private steps = 0;

  constructor(module: Module, options: BenchAdamOptions = {}) {
    this.parameters = parametersOf(module);
    const ps = this.parameters;
    this.layout = { rows: Int32Array.from(ps, (p) => p.rows), cols: Int32Array.from(ps, (p) => p.cols), staircases: ps.map((p) => p.staircase) };
    this.m = ps.map((p) => allocateBuffer(dtypeOf(p.value), p.size));
    this.v = ps.map((p) => allocateBuffer(dtypeOf(p.value), p.size));
    this.lr = options.lr ?? 1e-4;
  }

  /** One update of every parameter from its accumulated gradient. */
  step(): void {
    this.steps += 1;
    const ps = this.parameters;
    kernels().adamUpdate({ layout: this.layout, param: ps.map((p) => p.value), grad: ps.map((p) => p.grad), m: this.m, v: this.v,
      lr: this.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: this.steps });
  }

  /** Zeroes every gradient (PyTorch's `zero_grad`). */
  zeroGrad(): void {
    for (const p of this.parameters) p.zeroGrad();
  }
}
