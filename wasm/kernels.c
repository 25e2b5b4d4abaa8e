// maflow's WebAssembly SIMD128 kernels (the `wasm` backend; src/kernels/wasm.ts is the JavaScript side and
// src/kernels/kernels.ts the contract). Built by scripts/build-wasm.mjs with Debian's clang (wasm32-wasi target,
// -msimd128) and wasi-libc's libm for exp/log; no WASI imports remain. Every pointer is a byte offset into the linear
// memory that the JavaScript side owns and allocates from (parameters, gradients, optimiser state and scratch
// live there, so kernels run on them in place). A null pointer (0) stands for an absent operand.
//
// The GEMM follows the same staircase contract as the native addon: output unit j reads inputs [0, prefix[j]) and
// never the masked rest of its weight row (which may hold anything, NaN included). Transforms compute in double
// like the reference backend and round once on store.
#include <math.h>
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

typedef float f32;

enum { RELU = 0, TANH = 1, ELU = 2, SIGMOID = 3, SOFTPLUS = 4, IDENTITY = 5 };

static inline float activate(int act, float v) {
  switch (act) {
    case RELU: return v > 0 ? v : 0;
    case TANH: return (float)tanh((double)v);
    case ELU: return v > 0 ? v : (float)expm1((double)v);
    case SIGMOID: return (float)(1 / (1 + exp(-(double)v)));
    case SOFTPLUS: {
      const double d = v;
      return (float)(d > 0 ? d + log1p(exp(-d)) : log1p(exp(d)));
    }
    default: return v;
  }
}

static inline float derivativeFromOutput(int act, float y) {
  switch (act) {
    case RELU: return y > 0 ? 1.0f : 0.0f;
    case TANH: return 1 - y * y;
    case ELU: return y > 0 ? 1.0f : y + 1;
    case SIGMOID: return y * (1 - y);
    case SOFTPLUS: return (float)(-expm1(-(double)y));
    default: return 1;
  }
}

static inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

// [Σ lanes of a, Σ lanes of b, Σ lanes of c, Σ lanes of d].
static inline v128_t hsum4(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

// Σ_{i < n} a[i]·b[i], 4 lanes then a scalar tail.
static inline float dot(const f32* a, const f32* b, int n) {
  v128_t acc0 = wasm_f32x4_splat(0), acc1 = wasm_f32x4_splat(0);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
  }
  for (; i + 4 <= n; i += 4) acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  float s = hsum(wasm_f32x4_add(acc0, acc1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// out[b, j] = act((accumulate ? out[b, j] : bias[j] or 0) + Σ_{i < prefix[j]} x[b, i]·w[j, i]) for j in
// [outStart, outEnd). Tiles of 4 rows × 2 columns (8 accumulators, which V8 keeps in registers: 4 × 4 spilled and ran
// a third slower) share the loads of their common prefix (the first column's, since a staircase is non-decreasing);
// each column finishes its own prefix alone.
EXPORT(prefix_gemm)
void prefix_gemm(int batch, int inDim, int outDim, const f32* x, const f32* w, const int32_t* prefix, const f32* bias,
                 f32* out, int accumulate, int act, int outStart, int outEnd) {
  int b = 0;
  for (; b + 4 <= batch; b += 4) {
    const f32* x0 = x + (int64_t)b * inDim;
    const f32* x1 = x0 + inDim;
    const f32* x2 = x1 + inDim;
    const f32* x3 = x2 + inDim;
    int j = outStart;
    for (; j + 2 <= outEnd; j += 2) {
      const int common = prefix ? prefix[j] : inDim;
      v128_t a00 = wasm_f32x4_splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
      const f32* w0 = w + (int64_t)j * inDim;
      const f32* w1 = w0 + inDim;
      int i = 0;
      for (; i + 4 <= common; i += 4) {
        const v128_t wa = wasm_v128_load(w0 + i), wb = wasm_v128_load(w1 + i);
        const v128_t x0v = wasm_v128_load(x0 + i), x1v = wasm_v128_load(x1 + i), x2v = wasm_v128_load(x2 + i), x3v = wasm_v128_load(x3 + i);
        a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(x0v, wa)); a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(x0v, wb));
        a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(x1v, wa)); a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(x1v, wb));
        a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(x2v, wa)); a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(x2v, wb));
        a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(x3v, wa)); a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(x3v, wb));
      }
      // The 4 rows' lane sums of each column at once (a 4 × 4 transpose by shuffles), instead of 8 scalar reductions.
      float sums[2][4];
      wasm_v128_store(sums[0], i == 0 ? wasm_f32x4_splat(0) : hsum4(a00, a10, a20, a30));
      wasm_v128_store(sums[1], i == 0 ? wasm_f32x4_splat(0) : hsum4(a01, a11, a21, a31));
      for (int c = 0; c < 2; ++c) {
        const int col = j + c;
        const int p = prefix ? prefix[col] : inDim;
        const f32* wc = w0 + (int64_t)c * inDim;
        for (int r = 0; r < 4; ++r) {
          const f32* xr = x0 + (int64_t)r * inDim;
          float s = sums[c][r];
          for (int k = i; k < p; ++k) s += xr[k] * wc[k];
          f32* o = out + (int64_t)(b + r) * outDim + col;
          const float start = accumulate ? *o : (bias ? bias[col] : 0.0f);
          *o = activate(act, start + s);
        }
      }
    }
    for (; j < outEnd; ++j) {
      const int p = prefix ? prefix[j] : inDim;
      for (int r = 0; r < 4; ++r) {
        f32* o = out + (int64_t)(b + r) * outDim + j;
        const float start = accumulate ? *o : (bias ? bias[j] : 0.0f);
        *o = activate(act, start + dot(x0 + (int64_t)r * inDim, w + (int64_t)j * inDim, p));
      }
    }
  }
  for (; b < batch; ++b) {
    for (int j = outStart; j < outEnd; ++j) {
      const int p = prefix ? prefix[j] : inDim;
      f32* o = out + (int64_t)b * outDim + j;
      const float start = accumulate ? *o : (bias ? bias[j] : 0.0f);
      *o = activate(act, start + dot(x + (int64_t)b * inDim, w + (int64_t)j * inDim, p));
    }
  }
}

// y[0:n] += g·v[0:n]
static inline void axpy(f32* y, float g, const f32* v, int n) {
  const v128_t gv = wasm_f32x4_splat(g);
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(gv, wasm_v128_load(v + i))));
  for (; i < n; ++i) y[i] += g * v[i];
}

// dIn[b, i] (+)= Σ_{j : prefix[j] > i} dOut[b, j]·w[j, i]: row b of dIn gathers each weight row's prefix.
EXPORT(prefix_gemm_backward_input)
void prefix_gemm_backward_input(int batch, int inDim, int outDim, const f32* dOut, const f32* w, const int32_t* prefix,
                                f32* dIn, int accumulate) {
  if (!accumulate) __builtin_memset(dIn, 0, sizeof(f32) * (size_t)batch * inDim);
  int b = 0;
  for (; b + 4 <= batch; b += 4) {
    f32* d0 = dIn + (int64_t)b * inDim;
    const f32* g0 = dOut + (int64_t)b * outDim;
    for (int j = 0; j < outDim; ++j) {
      const int p = prefix ? prefix[j] : inDim;
      const f32* wj = w + (int64_t)j * inDim;
      const v128_t g[4] = {wasm_f32x4_splat(g0[j]), wasm_f32x4_splat(g0[outDim + j]), wasm_f32x4_splat(g0[2 * outDim + j]),
                           wasm_f32x4_splat(g0[3 * outDim + j])};
      int i = 0;
      for (; i + 4 <= p; i += 4) {
        const v128_t wv = wasm_v128_load(wj + i);
        for (int r = 0; r < 4; ++r) {
          f32* d = d0 + (int64_t)r * inDim + i;
          wasm_v128_store(d, wasm_f32x4_add(wasm_v128_load(d), wasm_f32x4_mul(g[r], wv)));
        }
      }
      for (; i < p; ++i)
        for (int r = 0; r < 4; ++r) d0[(int64_t)r * inDim + i] += g0[(int64_t)r * outDim + j] * wj[i];
    }
  }
  for (; b < batch; ++b) {
    for (int j = 0; j < outDim; ++j) {
      const float g = dOut[(int64_t)b * outDim + j];
      if (g != 0) axpy(dIn + (int64_t)b * inDim, g, w + (int64_t)j * inDim, prefix ? prefix[j] : inDim);
    }
  }
}

// dW[j, i] (+)= Σ_b dOut[b, j]·x[b, i] for i < prefix[j]; dBias[j] (+)= Σ_b dOut[b, j]. Masked entries untouched.
EXPORT(prefix_gemm_backward_weight)
void prefix_gemm_backward_weight(int batch, int inDim, int outDim, const f32* dOut, const f32* x, const int32_t* prefix,
                                 f32* dW, f32* dBias, int accumulate) {
  if (!accumulate) {
    for (int j = 0; j < outDim; ++j) __builtin_memset(dW + (int64_t)j * inDim, 0, sizeof(f32) * (size_t)(prefix ? prefix[j] : inDim));
    if (dBias) __builtin_memset(dBias, 0, sizeof(f32) * (size_t)outDim);
  }
  int j = 0;
  for (; j + 4 <= outDim; j += 4) {
    const int p[4] = {prefix ? prefix[j] : inDim, prefix ? prefix[j + 1] : inDim, prefix ? prefix[j + 2] : inDim,
                      prefix ? prefix[j + 3] : inDim};
    f32* w0 = dW + (int64_t)j * inDim;
    for (int b = 0; b < batch; ++b) {
      const f32* xb = x + (int64_t)b * inDim;
      const f32* gb = dOut + (int64_t)b * outDim + j;
      const v128_t g[4] = {wasm_f32x4_splat(gb[0]), wasm_f32x4_splat(gb[1]), wasm_f32x4_splat(gb[2]), wasm_f32x4_splat(gb[3])};
      int i = 0;
      for (; i + 4 <= p[0]; i += 4) {
        const v128_t xv = wasm_v128_load(xb + i);
        for (int c = 0; c < 4; ++c) {
          f32* d = w0 + (int64_t)c * inDim + i;
          wasm_v128_store(d, wasm_f32x4_add(wasm_v128_load(d), wasm_f32x4_mul(g[c], xv)));
        }
      }
      for (int c = 0; c < 4; ++c) {
        f32* d = w0 + (int64_t)c * inDim;
        for (int k = i; k < p[c]; ++k) d[k] += gb[c] * xb[k];
      }
    }
  }
  for (; j < outDim; ++j) {
    const int pj = prefix ? prefix[j] : inDim;
    for (int b = 0; b < batch; ++b) axpy(dW + (int64_t)j * inDim, dOut[(int64_t)b * outDim + j], x + (int64_t)b * inDim, pj);
  }
  if (dBias) {
    for (int b = 0; b < batch; ++b) {
      const f32* gb = dOut + (int64_t)b * outDim;
      int k = 0;
      for (; k + 4 <= outDim; k += 4) wasm_v128_store(dBias + k, wasm_f32x4_add(wasm_v128_load(dBias + k), wasm_v128_load(gb + k)));
      for (; k < outDim; ++k) dBias[k] += gb[k];
    }
  }
}

EXPORT(activation_rows)
void activation_rows(int act, int rows, int cols, int colStart, int colEnd, const f32* x, f32* out) {
  for (int r = 0; r < rows; ++r) {
    const int64_t o = (int64_t)r * cols;
    for (int c = colStart; c < colEnd; ++c) out[o + c] = activate(act, x[o + c]);
  }
}

EXPORT(activation_backward)
void activation_backward(int act, int n, const f32* y, const f32* dOut, f32* dIn) {
  if (act == RELU) {
    const v128_t zero = wasm_f32x4_splat(0);
    int k = 0;
    for (; k + 4 <= n; k += 4) {
      const v128_t mask = wasm_f32x4_gt(wasm_v128_load(y + k), zero);
      wasm_v128_store(dIn + k, wasm_v128_and(wasm_v128_load(dOut + k), mask));
    }
    for (; k < n; ++k) dIn[k] = y[k] > 0 ? dOut[k] : 0.0f * dOut[k];
    return;
  }
  for (int k = 0; k < n; ++k) dIn[k] = dOut[k] * derivativeFromOutput(act, y[k]);
}

static inline double softClip(double r, double bound) { return isinf(bound) ? r : bound * tanh(r / bound); }

static inline double softClipDerivative(double s, double bound) {
  if (isinf(bound)) return 1;
  const double t = s / bound;
  return 1 - t * t;
}

// z = (x − m)·exp(−s) (inverse = 1) or x = z·exp(s) + m (inverse = 0) over features [dStart, dEnd).
EXPORT(affine_transform)
void affine_transform(int inverse, int batch, int features, int dStart, int dEnd, const f32* in, const f32* params,
                      f32* out, double* logDet, int accumulateLogDet, double bound, int shiftOnly) {
  const int stride = shiftOnly ? features : 2 * features;
  for (int b = 0; b < batch; ++b) {
    double sum = 0;
    for (int d = dStart; d < dEnd; ++d) {
      const int64_t k = (int64_t)b * features + d;
      const f32* p = params + (int64_t)b * stride;
      if (shiftOnly) {
        out[k] = inverse ? (float)((double)in[k] - p[d]) : (float)((double)in[k] + p[d]);
      } else {
        const double m = p[2 * d];
        const double s = softClip(p[2 * d + 1], bound);
        if (inverse) {
          out[k] = (float)((in[k] - m) * exp(-s));
          sum -= s;
        } else {
          out[k] = (float)(in[k] * exp(s) + m);
          sum += s;
        }
      }
    }
    if (logDet) logDet[b] = accumulateLogDet ? logDet[b] + sum : sum;
  }
}

// The backward passes of affine_transform over all features; z is the inverse's output or the forward's input.
EXPORT(affine_backward)
void affine_backward(int inverse, int batch, int features, const f32* params, const f32* z, const f32* dOutput,
                     const double* dLogDet, f32* dInput, f32* dParams, double bound, int shiftOnly) {
  const int stride = shiftOnly ? features : 2 * features;
  for (int b = 0; b < batch; ++b) {
    const double gl = dLogDet ? dLogDet[b] : 0;
    for (int d = 0; d < features; ++d) {
      const int64_t k = (int64_t)b * features + d;
      const f32* p = params + (int64_t)b * stride;
      f32* dp = dParams + (int64_t)b * stride;
      const double g = dOutput[k];
      if (shiftOnly) {
        dInput[k] = (float)g;
        dp[d] = (float)(inverse ? -g : g);
        continue;
      }
      const double s = softClip(p[2 * d + 1], bound);
      if (inverse) {
        const double e = exp(-s);
        dInput[k] = (float)(g * e);
        dp[2 * d] = (float)(-g * e);
        dp[2 * d + 1] = (float)((-g * z[k] - gl) * softClipDerivative(s, bound));
      } else {
        const double e = exp(s);
        dInput[k] = (float)(g * e);
        dp[2 * d] = (float)g;
        dp[2 * d + 1] = (float)((g * z[k] * e + gl) * softClipDerivative(s, bound));
      }
    }
  }
}

// ---- rational-quadratic spline (see native/spline.cc; the same arithmetic) ----

#define MAX_BINS 256
static double kx[MAX_BINS + 1], ky[MAX_BINS + 1], kd[MAX_BINS + 1];

static void bins(const f32* raw, int K, double minBin, double B, double* knots) {
  double max = -INFINITY;
  for (int j = 0; j < K; ++j) max = raw[j] > max ? raw[j] : max;
  double total = 0;
  for (int j = 0; j < K; ++j) total += exp(raw[j] - max);
  knots[0] = -B;
  double cumulative = 0;
  for (int j = 0; j < K; ++j) {
    cumulative += minBin + (1 - K * minBin) * (exp(raw[j] - max) / total);
    knots[j + 1] = -B + 2 * B * cumulative;
  }
  knots[K] = B;
}

static void setKnots(const f32* raw, int K, double B, double minW, double minH, double minD, double shift) {
  bins(raw, K, minW, B, kx);
  bins(raw + K, K, minH, B, ky);
  kd[0] = 1, kd[K] = 1;
  for (int j = 1; j < K; ++j) {
    double v = (double)raw[2 * K + j - 1] + shift;
    if (v > 1e6) v = 1e6;
    kd[j] = minD + (v > 0 ? v + log1p(exp(-v)) : log1p(exp(v)));
  }
}

static int findBin(const double* knots, int K, double v) {
  int k = 0;
  while (k < K - 1 && v >= knots[k + 1]) ++k;
  return k;
}

typedef struct { double h, s, R, Dn, M; } Local;

static Local evaluate(double t, int k) {
  Local L;
  const double w = kx[k + 1] - kx[k];
  L.h = ky[k + 1] - ky[k];
  L.s = L.h / w;
  double xi = (t - kx[k]) / w;
  xi = xi < 0 ? 0 : xi > 1 ? 1 : xi;
  const double d0 = kd[k], d1 = kd[k + 1], q = xi * (1 - xi);
  L.Dn = L.s + (d0 + d1 - 2 * L.s) * q;
  L.R = (L.s * xi * xi + d0 * q) / L.Dn;
  L.M = d1 * xi * xi + 2 * L.s * q + d0 * (1 - xi) * (1 - xi);
  return L;
}

static inline double logDerivative(Local L) { return 2 * log(L.s) + log(L.M) - 2 * log(L.Dn); }

static double root(int K, double y) {
  const int k = findBin(ky, K, y);
  const double w = kx[k + 1] - kx[k], h = ky[k + 1] - ky[k], s = h / w;
  const double d0 = kd[k], d1 = kd[k + 1], dy = y - ky[k], sum = d0 + d1 - 2 * s;
  const double a = h * (s - d0) + dy * sum, b = h * d0 - dy * sum, c = -s * dy;
  const double disc = b * b - 4 * a * c;
  const double den = -b - sqrt(disc > 0 ? disc : 0);
  double xi = den == 0 ? 0 : (2 * c) / den;
  xi = xi < 0 ? 0 : xi > 1 ? 1 : xi;
  const double t = kx[k] + xi * w;
  const Local L = evaluate(t, k);
  const double polished = t - (ky[k] + L.h * L.R - y) / exp(logDerivative(L));
  return polished >= kx[k] && polished <= kx[k + 1] ? polished : t;
}

// x = τ(z) (inverse = 0) or z = τ⁻¹(x) (inverse = 1) over features [dStart, dEnd); identity outside [−B, B).
EXPORT(spline_transform)
int spline_transform(int inverse, int batch, int features, int dStart, int dEnd, const f32* in, const f32* params, f32* out,
                     double* logDet, int accumulateLogDet, int K, double B, double minW, double minH, double minD) {
  if (K < 1 || K > MAX_BINS) return 1;
  const double shift = log(expm1(1 - minD));
  const int P = 3 * K - 1;
  for (int b = 0; b < batch; ++b) {
    double sum = 0;
    for (int d = dStart; d < dEnd; ++d) {
      const int64_t i = (int64_t)b * features + d;
      const double v = in[i];
      if (!(v >= -B && v < B)) {
        out[i] = (float)v;
        continue;
      }
      setKnots(params + i * P, K, B, minW, minH, minD, shift);
      if (inverse) {
        const double t = root(K, v);
        out[i] = (float)t;
        sum -= logDerivative(evaluate(t, findBin(kx, K, t)));
      } else {
        const int k = findBin(kx, K, v);
        const Local L = evaluate(v, k);
        out[i] = (float)(ky[k] + L.h * L.R);
        sum += logDerivative(L);
      }
    }
    if (logDet) logDet[b] = accumulateLogDet ? logDet[b] + sum : sum;
  }
  return 0;
}

// One Adam step over the live entries (row r: [0, staircase[r]) when a staircase is given), in float like native.
EXPORT(adam_step)
void adam_step(int rows, int cols, const int32_t* staircase, f32* param, const f32* grad, f32* m, f32* v, double lr,
               double beta1, double beta2, double eps, double weightDecay, double step) {
  const float c1 = (float)(1 - pow(beta1, step)), c2 = (float)(1 - pow(beta2, step));
  const float b1 = (float)beta1, b2 = (float)beta2, wd = (float)weightDecay, rate = (float)lr, e = (float)eps;
  // 1 − β in double, then rounded: 1 − 0.999f in float is 4.7e-5 away from 0.001.
  const float keep1 = (float)(1.0 - beta1), keep2 = (float)(1.0 - beta2);
  const v128_t vb1 = wasm_f32x4_splat(b1), vb1c = wasm_f32x4_splat(keep1), vb2 = wasm_f32x4_splat(b2),
               vb2c = wasm_f32x4_splat(keep2), vwd = wasm_f32x4_splat(wd), vc1 = wasm_f32x4_splat(c1),
               vc2 = wasm_f32x4_splat(c2), vlr = wasm_f32x4_splat(rate), ve = wasm_f32x4_splat(e);
  for (int r = 0; r < rows; ++r) {
    const int64_t o = (int64_t)r * cols;
    const int n = staircase ? staircase[r] : cols;
    int k = 0;
    for (; k + 4 <= n; k += 4) {
      const v128_t p = wasm_v128_load(param + o + k);
      const v128_t g = wasm_f32x4_add(wasm_v128_load(grad + o + k), wasm_f32x4_mul(vwd, p));
      const v128_t mk = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m + o + k)), wasm_f32x4_mul(vb1c, g));
      const v128_t vk = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(v + o + k)), wasm_f32x4_mul(vb2c, wasm_f32x4_mul(g, g)));
      wasm_v128_store(m + o + k, mk);
      wasm_v128_store(v + o + k, vk);
      const v128_t update = wasm_f32x4_div(wasm_f32x4_mul(vlr, wasm_f32x4_div(mk, vc1)),
                                           wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vk, vc2)), ve));
      wasm_v128_store(param + o + k, wasm_f32x4_sub(p, update));
    }
    for (; k < n; ++k) {
      const float g = grad[o + k] + wd * param[o + k];
      m[o + k] = b1 * m[o + k] + keep1 * g;
      v[o + k] = b2 * v[o + k] + keep2 * g * g;
      param[o + k] -= (rate * (m[o + k] / c1)) / (sqrtf(v[o + k] / c2) + e);
    }
  }
}
