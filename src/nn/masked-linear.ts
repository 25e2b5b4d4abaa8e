import { allocate, type Dtype, type FloatArray } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { kernels } from '../kernels/backend.ts';
import type { Activation, StaircaseLayerGradients } from '../kernels/kernels.ts';
import { joinName, Parameter, type Module, type NamedParameters } from './parameter.ts';

/** Options of `new MaskedLinear(options)`. */
export interface MaskedLinearOptions {
  inDim: number;
  outDim: number;
  /** Per-output prefix lengths (non-decreasing); `null` for a dense layer. @default null */
  prefix?: Int32Array | null;
  /** Width of the unmasked context input. @default 0 */
  contextFeatures?: number;
  /** Scales the uniform ±1/sqrt(fan-in) initialisation (small values make a near-identity output layer). @default 1 */
  initScale?: number;
  dtype?: Dtype;
  rng: Rng;
}

/**
 * A linear layer with a staircase mask and an optional unmasked context input:
 * `y = act(W_masked · x + W_c · c + b)`, where output unit j reads inputs `[0, prefix[j])` only
 * (`prefix = null`: dense). Shapes: `x [batch, inDim]`, `c [batch, contextFeatures]`, `y [batch, outDim]`.
 * The masked part of `W` is never read or trained; it stays 0 so that the stored weights equal `W ⊙ M`.
 */
export class MaskedLinear implements Module {
  readonly inDim: number;
  readonly outDim: number;
  readonly contextFeatures: number;
  readonly prefix: Int32Array | null;
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly contextWeight: Parameter | null;

  constructor(options: MaskedLinearOptions) {
    const { inDim, outDim, rng } = options;
    const dtype = options.dtype ?? 'float32';
    this.inDim = inDim;
    this.outDim = outDim;
    this.contextFeatures = options.contextFeatures ?? 0;
    this.prefix = options.prefix ?? null;
    const scale = options.initScale ?? 1;
    this.weight = new Parameter([outDim, inDim], dtype, undefined, this.prefix === null ? {} : { staircase: this.prefix });
    this.bias = new Parameter([outDim], dtype);
    this.contextWeight = this.contextFeatures > 0 ? new Parameter([outDim, this.contextFeatures], dtype) : null;
    for (let j = 0; j < outDim; j++) {
      const p = this.prefix === null ? inDim : this.prefix[j];
      // Fan-in counts only the inputs this unit really reads (plus the context), as masked init should.
      const bound = scale / Math.sqrt(Math.max(1, p + this.contextFeatures));
      for (let i = 0; i < p; i++) this.weight.value[j * inDim + i] = (2 * rng.uniform() - 1) * bound;
      if (this.contextWeight !== null) {
        for (let i = 0; i < this.contextFeatures; i++) {
          this.contextWeight.value[j * this.contextFeatures + i] = (2 * rng.uniform() - 1) * bound;
        }
      }
      this.bias.value[j] = p + this.contextFeatures === 0 ? 0 : (2 * rng.uniform() - 1) * bound;
    }
    if (scale !== 1) this.bias.value.fill(0);
  }

  namedParameters(prefix?: string): NamedParameters {
    const out: NamedParameters = [[joinName(prefix, 'weight'), this.weight], [joinName(prefix, 'bias'), this.bias]];
    if (this.contextWeight !== null) out.push([joinName(prefix, 'contextWeight'), this.contextWeight]);
    return out;
  }

  /**
   * Writes `bias + W_c · c` for every row into `out [batch, outDim]`: the part of the output that does not depend on
   * `x`, computed once so that column ranges can later be accumulated onto it (the staircase sampler).
   */
  initOutput(batch: number, context: FloatArray | null, out: FloatArray): void {
    const k = kernels();
    if (this.contextWeight !== null && context !== null) {
      k.prefixGemm({ batch, inDim: this.contextFeatures, outDim: this.outDim, x: context, weight: this.contextWeight.value,
        prefix: null, bias: this.bias.value, out });
    } else {
      for (let b = 0; b < batch; b++) out.set(this.bias.value, b * this.outDim);
    }
  }

  /** `out[:, start:end] = act(out[:, start:end] + W_masked · x)` where `out` was prepared by `initOutput`. */
  accumulateRange(batch: number, x: FloatArray, out: FloatArray, activation: Activation, start: number, end: number): void {
    kernels().prefixGemm({ batch, inDim: this.inDim, outDim: this.outDim, x, weight: this.weight.value, prefix: this.prefix,
      bias: null, out, accumulate: true, activation, outStart: start, outEnd: end });
  }

  /** `out = act(W_masked · x + W_c · c + b)` for all output columns. */
  forward(batch: number, x: FloatArray, context: FloatArray | null, out: FloatArray, activation: Activation): void {
    if (this.contextWeight !== null && context !== null) {
      this.initOutput(batch, context, out);
      this.accumulateRange(batch, x, out, activation, 0, this.outDim);
    } else {
      kernels().prefixGemm({ batch, inDim: this.inDim, outDim: this.outDim, x, weight: this.weight.value, prefix: this.prefix,
        bias: this.bias.value, out, activation });
    }
  }

  /**
   * Backward from the activated output `y` and its gradient `dY` (overwritten with the pre-activation gradient):
   * accumulates weight, bias and context-weight gradients, writes `dX` (unless null) and adds into `dContext`.
   */
  backward(batch: number, x: FloatArray, y: FloatArray, dY: FloatArray, activation: Activation, dX: FloatArray | null,
    context: FloatArray | null, dContext: FloatArray | null): void {
    const k = kernels();
    if (activation !== 'identity') k.activationBackward({ activation, n: batch * this.outDim, y, dOut: dY, dIn: dY });
    // Right after zeroGrad the kernel overwrites the gradients instead of clearing and then accumulating into them.
    const overwrite = this.weight.gradIsZero && this.bias.gradIsZero;
    k.prefixGemmBackwardWeight({ batch, inDim: this.inDim, outDim: this.outDim, dOut: dY, x, prefix: this.prefix,
      dWeight: gradFor(this.weight, overwrite), dBias: gradFor(this.bias, overwrite), accumulate: !overwrite });
    if (this.contextWeight !== null && context !== null) {
      const fresh = this.contextWeight.gradIsZero;
      k.prefixGemmBackwardWeight({ batch, inDim: this.contextFeatures, outDim: this.outDim, dOut: dY, x: context,
        prefix: null, dWeight: gradFor(this.contextWeight, fresh), dBias: null, accumulate: !fresh });
      if (dContext !== null) {
        k.prefixGemmBackwardInput({ batch, inDim: this.contextFeatures, outDim: this.outDim, dOut: dY,
          weight: this.contextWeight.value, prefix: null, dIn: dContext, accumulate: true });
      }
    }
    if (dX !== null) {
      k.prefixGemmBackwardInput({ batch, inDim: this.inDim, outDim: this.outDim, dOut: dY, weight: this.weight.value,
        prefix: this.prefix, dIn: dX });
    }
  }

  /**
   * Where a fused backward pass (`Kernels.staircaseTrainBackward`) writes this layer's gradients: a gradient just
   * zeroed is overwritten (its stale contents never read), any other accumulated into, as `backward` does.
   * `withContext`: whether the pass has a context (else the context weight gets no gradient).
   */
  trainGradients(withContext: boolean): StaircaseLayerGradients {
    const overwrite = this.weight.gradIsZero && this.bias.gradIsZero;
    const contextWeight = withContext ? this.contextWeight : null;
    const freshContext = contextWeight?.gradIsZero ?? false;
    return {
      dWeight: gradFor(this.weight, overwrite), dBias: gradFor(this.bias, overwrite),
      dContextWeight: contextWeight === null ? null : gradFor(contextWeight, freshContext),
      accumulate: !overwrite, accumulateContext: !freshContext,
    };
  }

  /** A scratch output buffer of the right size. */
  allocateOutput(batch: number): FloatArray {
    return allocate(this.weight.dtype, batch * this.outDim);
  }
}

/** The gradient buffer to overwrite, or the (materialised) gradient to accumulate into. */
function gradFor(p: Parameter, overwrite: boolean): FloatArray {
  return overwrite ? p.takeGradForOverwrite() : p.grad;
}
