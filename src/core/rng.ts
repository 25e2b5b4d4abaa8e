/**
 * A seeded pseudo-random generator: xoshiro128** for 32-bit integers, doubles from 53 random bits, standard normals
 * by the polar Box–Muller method. All randomness in maflow flows from an explicit `Rng`, so the same seed gives the
 * same model, samples and numbers on every backend.
 *
 * @example
 * import { Rng } from 'maflow';
 * const rng = new Rng(42);
 * const z = rng.normal();    // one standard normal
 * const u = rng.uniform();   // in [0, 1)
 * console.log(new Rng(42).normal() === z, u >= 0 && u < 1); // → true true (the same seed gives the same draws)
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed = 0) {
    // SplitMix32 spreads any seed over the four state words (all-zero state is impossible).
    let x = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1). */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal draw. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }

  /** Fills `out` with standard normals and returns it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /** A uniformly random permutation of `0..n-1` (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** An independent generator derived from this one (for giving each component its own stream). */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }

  /** The generator's state, for checkpoints. */
  state(): number[] {
    return [this.s0, this.s1, this.s2, this.s3, this.hasSpare ? 1 : 0, this.spare];
  }

  /** Restores a state captured by `state()`. */
  setState(state: readonly number[]): void {
    [this.s0, this.s1, this.s2, this.s3] = state;
    this.hasSpare = state[4] === 1;
    this.spare = state[5];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
