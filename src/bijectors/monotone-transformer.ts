import type { FloatArray } from '../core/matrix.ts';
import { kernels } from '../kernels/backend.ts';
import { INVERSION_REPORT_LENGTH, type MonotoneTransformerKernel } from '../kernels/kernels.ts';
import { monotoneMath } from '../kernels/monotone-math.ts';
import { DescribedTransformer } from './described-transformer.ts';

/** How the last numerical inversion (`forward`, base → data) of a `MonotoneTransformer` went. */
export interface TransformerInversionReport {
  /** Entries solved. */
  entries: number;
  /** Root-finding steps, summed over the entries. */
  iterations: number;
  /** The largest `|g(x) − z|` left (after rounding to the output's precision). */
  maxResidual: number;
  /** Entries whose residual exceeds the tolerance (the call threw when this was > 0). */
  unconverged: number;
}

/**
 * The shared base of the monotone neural transformers (`NeuralAutoregressiveTransformer`, `UmnnTransformer`,
 * `BernsteinTransformer`) whose closed form is the data → base direction `z = g(x; θ)`, strictly increasing in x.
 * Their arithmetic lives in the kernels (`MonotoneTransformerKernel`), so every direction and its backward pass is one
 * kernel call on any backend and a MAF with one of them takes the fused passes (`kernelPath` `'fused'`). The base →
 * data direction `x = g⁻¹(z)` is a bracketed, safeguarded-Newton root solve per entry inside the kernel, and every
 * solve is checked: `lastInversion` reports the entries, iterations and worst residual, and a call with an entry that
 * did not converge (residual above `1e-10·max(1, |z|)` in float64, `1e-4·max(1, |z|)` in float32, beyond rounding)
 * throws instead of returning it — in the fused sampler of a MAF too (`recordInversion`). The backward of
 * `x = g⁻¹(z)` is implicit differentiation of `g(x; θ) = z`. Parameters are feature-major,
 * `params [batch, features · paramsPerFeature]`.
 */
export abstract class MonotoneTransformer extends DescribedTransformer {
  declare readonly kernel: MonotoneTransformerKernel;
  readonly constantJacobian = false;
  /** How the last `forward` call's (or fused sampling pass's) numerical inversion went (null before the first). */
  lastInversion: TransformerInversionReport | null = null;

  constructor(kernel: MonotoneTransformerKernel) {
    super(kernel);
  }

  /** The name used in error messages. */
  protected get name(): string {
    return this.constructor.name;
  }

  override forward(batch: number, features: number, dStart: number, dEnd: number, z: FloatArray, params: FloatArray,
    x: FloatArray, logDet: Float64Array, accumulate: boolean): void {
    const inversion = new Float64Array(INVERSION_REPORT_LENGTH);
    kernels().transformForward({ transformer: this.kernel, batch, features, dStart, dEnd, input: z, params, output: x,
      logDet, accumulateLogDet: accumulate, inversion });
    this.recordInversion(inversion, `${this.name}.forward`);
  }

  /**
   * Keeps a kernel's inversion report (`TransformOp.inversion`) as `lastInversion`, and throws, naming `method`, when
   * an entry did not converge.
   */
  recordInversion(inversion: Float64Array, method: string): void {
    const report: TransformerInversionReport = { entries: inversion[0], iterations: inversion[1], maxResidual: inversion[2],
      unconverged: inversion[3] };
    this.lastInversion = report;
    if (report.unconverged > 0) {
      throw new Error(`${method}: ${report.unconverged} of ${report.entries} values did not converge in the ` +
        `numerical inversion (worst residual ${report.maxResidual}); no unconverged value is returned`);
    }
  }

  /** `∂x/∂z = 1 / g'(x)` at `x = g⁻¹(z)` (solved). */
  forwardDerivative(batch: number, features: number, z: FloatArray, params: FloatArray, out: FloatArray): void {
    const x = new Float64Array(batch * features);
    this.forward(batch, features, 0, features, Float64Array.from(z.subarray(0, batch * features)), Float64Array.from(params), x,
      new Float64Array(batch), false);
    const { entry } = monotoneMath(this.kernel);
    const e = { z: 0, logDerivative: 0 };
    for (let i = 0; i < x.length; i++) {
      entry.evaluate(x[i], params, i * this.paramsPerFeature, e);
      out[i] = Math.exp(-e.logDerivative);
    }
  }
}
