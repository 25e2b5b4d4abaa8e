import type { FloatArray } from '../core/matrix.ts';
import { kernels } from '../kernels/backend.ts';
import { transformerParamsPerFeature, type TransformerKernel } from '../kernels/kernels.ts';
import type { Transformer, TransformerConfig } from './transformer.ts';

/**
 * A transformer whose arithmetic lives in the kernels: every direction and its backward pass is one kernel call with
 * the transformer's description (`kernel`), so each backend runs it, and a MAF gets the fused passes. Subclasses give
 * the description, their Jacobian diagonal and their config.
 */
export abstract class DescribedTransformer implements Transformer {
  readonly paramsPerFeature: number;

  constructor(readonly kernel: TransformerKernel) {
    this.paramsPerFeature = transformerParamsPerFeature(kernel);
  }

  abstract readonly constantJacobian: boolean;

  inverse(batch: number, features: number, dStart: number, dEnd: number, x: FloatArray, params: FloatArray,
    z: FloatArray, logDet: Float64Array, accumulate: boolean): void {
    kernels().transformInverse({ transformer: this.kernel, batch, features, dStart, dEnd, input: x, params, output: z,
      logDet, accumulateLogDet: accumulate });
  }

  forward(batch: number, features: number, dStart: number, dEnd: number, z: FloatArray, params: FloatArray,
    x: FloatArray, logDet: Float64Array, accumulate: boolean): void {
    kernels().transformForward({ transformer: this.kernel, batch, features, dStart, dEnd, input: z, params, output: x,
      logDet, accumulateLogDet: accumulate });
  }

  inverseBackward(batch: number, features: number, x: FloatArray, params: FloatArray, z: FloatArray, dZ: FloatArray,
    dLogDet: Float64Array | null, dX: FloatArray, dParams: FloatArray): void {
    kernels().transformInverseBackward({ transformer: this.kernel, batch, features, input: x, params, output: z,
      dOutput: dZ, dLogDet, dInput: dX, dParams });
  }

  forwardBackward(batch: number, features: number, z: FloatArray, params: FloatArray, x: FloatArray, dX: FloatArray,
    dLogDet: Float64Array | null, dZ: FloatArray, dParams: FloatArray): void {
    kernels().transformForwardBackward({ transformer: this.kernel, batch, features, input: z, params, output: x,
      dOutput: dX, dLogDet, dInput: dZ, dParams });
  }

  abstract forwardDerivative(batch: number, features: number, z: FloatArray, params: FloatArray, out: FloatArray): void;

  abstract config(): TransformerConfig;
}
