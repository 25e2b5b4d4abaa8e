import type { Dtype, Matrix } from '../core/matrix.ts';
import { joinName, type NamedParameters } from '../nn/parameter.ts';
import { Bijector, type BijectorConfig, type BijectorResult, type Direction, type TrainPass } from './bijector.ts';

/** The serialised form of an `Invert` (`config()`): the wrapped bijector's config. */
export interface InvertConfig extends BijectorConfig {
  type: 'Invert';
  bijector: BijectorConfig;
}

/**
 * The inverse of a bijector (TFP's `Invert`): `Invert(b).forward = b.inverse`, `Invert(b).inverse = b.forward`,
 * with the log-determinants, the differentiable passes and the parallel flags swapped accordingly.
 * `new Invert(maf)` is an inverse autoregressive flow (IAF, Kingma et al. 2016): sampling (base → data) is MAF's
 * parallel pass, density evaluation (data → base) its sequential one; it trains by reverse KL through `forwardTrain`.
 * Shapes are those of the wrapped bijector: `[n, D]` in and out, `context [n, contextFeatures]`.
 *
 * @example
 * import { Invert, MaskedAutoregressiveFlow, Rng, matrix, toArrays } from 'maflow';
 * const iaf = new Invert(new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [8], rng: new Rng(1) }));
 * const x = iaf.forward(matrix([[0.3, -0.7]]));   // one parallel MADE pass
 * const u = iaf.inverse(x);                       // sequential
 * console.log(toArrays(u)); // ≈ [ [ 0.3, -0.7 ] ]
 */
export class Invert extends Bijector {
  readonly features: number;
  readonly contextFeatures: number;
  readonly dtype: Dtype;
  readonly inverseIsParallel: boolean;
  readonly forwardIsParallel: boolean;

  /** The wrapped bijector's. */
  override get isConstantJacobian(): boolean {
    return this.bijector.isConstantJacobian;
  }

  /** @param bijector the bijector to invert (shared, not copied: its parameters are this one's). */
  constructor(readonly bijector: Bijector) {
    super();
    this.features = bijector.features;
    this.contextFeatures = bijector.contextFeatures;
    this.dtype = bijector.dtype;
    this.inverseIsParallel = bijector.forwardIsParallel;
    this.forwardIsParallel = bijector.inverseIsParallel;
    this.training = bijector.isTraining;
  }

  config(): InvertConfig {
    return { type: 'Invert', bijector: this.bijector.config() };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return this.bijector.namedParameters(joinName(prefix, 'bijector'));
  }

  override train(mode = true): this {
    super.train(mode);
    this.bijector.train(mode);
    return this;
  }

  protected computeForward(u: Matrix, context: Matrix | null): BijectorResult {
    return this.bijector.inverseAndLogDet(u, this.innerOptions(context));
  }

  protected computeInverse(x: Matrix, context: Matrix | null): BijectorResult {
    return this.bijector.forwardAndLogDet(x, this.innerOptions(context));
  }

  protected override computeInto(direction: Direction, input: Matrix, context: Matrix | null, out: Matrix,
    logDet: Float64Array): void {
    Bijector.passInto(this.bijector, direction === 'forward' ? 'inverse' : 'forward', input, this.innerOptions(context), out, logDet);
  }

  protected override trainForward(u: Matrix, context: Matrix | null): TrainPass {
    if (!this.forwardIsParallel) this.notDifferentiable('forwardTrain', 'inverse');
    return this.bijector.inverseTrain(u, this.innerOptions(context));
  }

  protected override trainInverse(x: Matrix, context: Matrix | null): TrainPass {
    if (!this.inverseIsParallel) this.notDifferentiable('inverseTrain', 'forward');
    return this.bijector.forwardTrain(x, this.innerOptions(context));
  }

  private notDifferentiable(method: string, innerDirection: string): never {
    const inner = this.bijector.constructor.name;
    throw new Error(`Invert.${method}: not differentiable here (it is the sequential ${innerDirection} of the wrapped ${inner})`);
  }

  /** Options for the calls into the wrapped bijector: the values were checked at this bijector's boundary. */
  private innerOptions(context: Matrix | null): { context?: Matrix; validateArgs: false } {
    return context === null ? { validateArgs: false } : { context, validateArgs: false };
  }
}
