import type { FloatArray } from '../core/matrix.ts';
import { solveMonotone } from './inversion/monotone-root.ts';
import type { Transformer, TransformerConfig } from './transformer.ts';

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

/** Iteration limit per entry of the numerical inversion. */
const MAX_ITERATIONS = 200;

/**
 * The shared base of the monotone neural transformers (`NeuralAutoregressiveTransformer`, `UmnnTransformer`,
 * `BernsteinTransformer`) whose closed form is the data → base direction `z = g(x; θ)`, strictly increasing in x:
 * a subclass gives `g`, `log g'` and their backward pass for one entry; this class does the loops over a feature
 * range, the backward passes of both directions, and the base → data direction `x = g⁻¹(z)` by the bracketed,
 * safeguarded-Newton 1-D root finder of the numerical inversion (`inversion/monotone-root.ts`), one batched solve per
 * feature. Every solve is checked: `lastInversion` reports the entries, iterations and worst residual, and a call with
 * an entry that did not converge (residual above `1e-10·max(1, |z|)` in float64, `1e-4·max(1, |z|)` in float32,
 * beyond rounding) throws instead of returning it. The backward of `x = g⁻¹(z)` is implicit differentiation of
 * `g(x; θ) = z`. Parameters are feature-major, `params [batch, features · paramsPerFeature]`.
 */
export abstract class MonotoneTransformer implements Transformer {
  abstract readonly paramsPerFeature: number;
  readonly constantJacobian = false;
  /** How the last `forward` call's numerical inversion went (null before the first). */
  lastInversion: TransformerInversionReport | null = null;
  private scratchGrad = new Float64Array(0);
  private readonly entry = { z: 0, logDerivative: 0 };

  abstract config(): TransformerConfig;

  /** `g(x)` and `log g'(x)` for one entry whose parameters start at `params[base]`, into `out`. */
  protected abstract evaluate(x: number, params: FloatArray, base: number, out: { z: number; logDerivative: number }): void;

  /**
   * Accumulates `gz·∂g/∂θ + gl·∂log g'/∂θ` into `dParams[dBase + p]` and returns `gz·g'(x) + gl·∂log g'/∂x` for one
   * entry whose parameters start at `params[base]`.
   */
  protected abstract backwardEntry(x: number, params: FloatArray, base: number, gz: number, gl: number, dParams: FloatArray,
    dBase: number): number;

  /** The name used in error messages. */
  protected get name(): string {
    return this.constructor.name;
  }

  inverse(batch: number, features: number, dStart: number, dEnd: number, x: FloatArray, params: FloatArray,
    z: FloatArray, logDet: Float64Array, accumulate: boolean): void {
    const P = this.paramsPerFeature;
    const e = this.entry;
    for (let b = 0; b < batch; b++) {
      let sum = 0;
      for (let d = dStart; d < dEnd; d++) {
        const i = b * features + d;
        this.evaluate(x[i], params, i * P, e);
        z[i] = e.z;
        sum += e.logDerivative;
      }
      logDet[b] = accumulate ? logDet[b] + sum : sum;
    }
  }

  forward(batch: number, features: number, dStart: number, dEnd: number, z: FloatArray, params: FloatArray,
    x: FloatArray, logDet: Float64Array, accumulate: boolean): void {
    const P = this.paramsPerFeature;
    const single = x instanceof Float32Array;
    const e = this.entry;
    const sums = new Float64Array(batch);
    const report: TransformerInversionReport = { entries: 0, iterations: 0, maxResidual: 0, unconverged: 0 };
    for (let d = dStart; d < dEnd; d++) {
      const targets = Float64Array.from({ length: batch }, (_, b) => z[b * features + d]);
      const tolerances = targets.map((t) => (single ? 1e-4 : 1e-10) * Math.max(1, Math.abs(t)));
      const iterations = new Int32Array(batch);
      const { v } = solveMonotone(batch, targets, (values, which) => {
        const g = new Float64Array(which.length);
        const dg = new Float64Array(which.length);
        which.forEach((b, k) => {
          this.evaluate(values[k], params, (b * features + d) * P, e);
          g[k] = e.z - targets[b];
          dg[k] = Math.exp(e.logDerivative);
        });
        return { g, dg };
      }, Math.min(...tolerances) / 4, MAX_ITERATIONS, iterations);
      for (let b = 0; b < batch; b++) {
        const i = b * features + d;
        x[i] = v[b];
        const solved = x[i];
        this.evaluate(solved, params, i * P, e);
        sums[b] -= e.logDerivative;
        const residual = Math.abs(e.z - targets[b]);
        // A residual at the rounding level of x (the slope times half an ulp of x) is the best the precision allows.
        const rounding = Math.exp(e.logDerivative) * Math.abs(solved) * (single ? 6e-8 : 1.2e-16) * 4;
        report.maxResidual = Math.max(report.maxResidual, Number.isNaN(residual) ? Infinity : residual);
        report.iterations += iterations[b];
        report.entries++;
        if (!(residual <= tolerances[b] + rounding)) report.unconverged++;
      }
    }
    this.lastInversion = report;
    if (report.unconverged > 0) {
      throw new Error(`${this.name}.forward: ${report.unconverged} of ${report.entries} values did not converge in the ` +
        `numerical inversion (worst residual ${report.maxResidual}); no unconverged value is returned`);
    }
    for (let b = 0; b < batch; b++) logDet[b] = accumulate ? logDet[b] + sums[b] : sums[b];
  }

  inverseBackward(batch: number, features: number, x: FloatArray, params: FloatArray, _z: FloatArray, dZ: FloatArray,
    dLogDet: Float64Array | null, dX: FloatArray, dParams: FloatArray): void {
    dParams.fill(0);
    const P = this.paramsPerFeature;
    for (let b = 0; b < batch; b++) {
      const gl = dLogDet === null ? 0 : dLogDet[b];
      for (let d = 0; d < features; d++) {
        const i = b * features + d;
        dX[i] = this.backwardEntry(x[i], params, i * P, dZ[i], gl, dParams, i * P);
      }
    }
  }

  /**
   * `x = g⁻¹(z)`, log-det `−log g'(x)`: with `G = (∂L/∂x − gl·∂log g'/∂x) / g'(x)`, `∂L/∂z = G` and
   * `∂L/∂θ = −G·∂g/∂θ − gl·∂log g'/∂θ` (implicit differentiation of `g(x; θ) = z`).
   */
  forwardBackward(batch: number, features: number, _z: FloatArray, params: FloatArray, x: FloatArray, dX: FloatArray,
    dLogDet: Float64Array | null, dZ: FloatArray, dParams: FloatArray): void {
    dParams.fill(0);
    const P = this.paramsPerFeature;
    if (this.scratchGrad.length < P) this.scratchGrad = new Float64Array(P);
    const e = this.entry;
    for (let b = 0; b < batch; b++) {
      const gl = dLogDet === null ? 0 : dLogDet[b];
      for (let d = 0; d < features; d++) {
        const i = b * features + d;
        const slopeOfLog = gl === 0 ? 0 : this.backwardEntry(x[i], params, i * P, 0, 1, this.scratchGrad, 0);
        this.evaluate(x[i], params, i * P, e);
        const G = (dX[i] - gl * slopeOfLog) * Math.exp(-e.logDerivative);
        dZ[i] = G;
        this.backwardEntry(x[i], params, i * P, -G, -gl, dParams, i * P);
      }
    }
  }

  /** `∂x/∂z = 1 / g'(x)` at `x = g⁻¹(z)` (solved). */
  forwardDerivative(batch: number, features: number, z: FloatArray, params: FloatArray, out: FloatArray): void {
    const x = new Float64Array(batch * features);
    this.forward(batch, features, 0, features, z, params, x, new Float64Array(batch), false);
    const e = this.entry;
    for (let i = 0; i < x.length; i++) {
      this.evaluate(x[i], params, i * this.paramsPerFeature, e);
      out[i] = Math.exp(-e.logDerivative);
    }
  }
}
