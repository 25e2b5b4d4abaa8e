// The monotone transformers whose closed form is the data → base direction z = g(x; θ) (Bernstein polynomials, the
// deep sigmoidal flow of NAF, UMNN's Clenshaw–Curtis integral of a positive network), as src/kernels/bernstein-math.ts,
// naf-math.ts, umnn-math.ts and monotone-math.ts give them: in double like the reference backend, so that both agree
// to double rounding before the float32 store. The base → data direction (the sampler) solves g(x) = z per entry by
// the reference's bracketed, safeguarded Newton iteration, step for step, and reports every entry (InversionReport).
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "transformer.h"

namespace maflow {
namespace {

constexpr int kMaxIterations = 200;

double softplus(double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }

double sigmoid(double v) {
  if (v >= 0) return 1 / (1 + std::exp(-v));
  const double e = std::exp(v);
  return e / (1 + e);
}

double logSumExp(const double* terms, int K) {
  double max = -INFINITY;
  for (int k = 0; k < K; ++k) max = std::max(max, terms[k]);
  if (max == -INFINITY) return -INFINITY;
  double sum = 0;
  for (int k = 0; k < K; ++k) sum += std::exp(terms[k] - max);
  return max + std::log(sum);
}

// Offsets β_k spread evenly over [−2, 2] (NAF, UMNN).
void offsets(int K, std::vector<double>& out) {
  out.assign(K, 0);
  for (int k = 0; k < K; ++k) out[k] = K == 1 ? 0 : 2 * (2.0 * k / (K - 1) - 1);
}

// Each transformer's arithmetic for one entry whose P parameters start at p: evaluate (g and log g') and backward
// (accumulates gz·∂g/∂θ + gl·∂log g'/∂θ into dp, returns gz·g' + gl·∂log g'/∂x), as the reference's entry classes.
struct Bernstein {
  int M = 0;
  double B = 0, minStep = 0, stepShift = 0;
  std::vector<double> theta, gTheta, gDelta, tPower, sPower;
  std::vector<std::vector<double>> binomial;

  void prepare(const Transformer& t) {
    if (M == t.degree && B == t.polyBound) return;
    M = t.degree, B = t.polyBound;
    const double step = 2 * B / M;
    minStep = 1e-3 * step;
    stepShift = std::log(std::expm1(step - minStep));
    theta.assign(M + 1, 0), gTheta.assign(M + 1, 0), gDelta.assign(M, 0), tPower.assign(M + 1, 0), sPower.assign(M + 1, 0);
    binomial.assign(M + 1, {});
    for (int n = 0; n <= M; ++n) {
      binomial[n].assign(n + 1, 0);
      binomial[n][0] = 1;
      for (int k = 1; k <= n; ++k) binomial[n][k] = binomial[n][k - 1] * (n - k + 1) / k;
    }
  }

  template <typename T>
  void coefficients(const T* p) {
    theta[0] = -B + p[0];
    for (int k = 1; k <= M; ++k) theta[k] = theta[k - 1] + minStep + softplus(p[k] + stepShift);
  }

  void powers(double t) {
    tPower[0] = 1, sPower[0] = 1;
    for (int k = 1; k <= M; ++k) tPower[k] = tPower[k - 1] * t, sPower[k] = sPower[k - 1] * (1 - t);
  }

  double basis(int n, int k) const { return binomial[n][k] * tPower[k] * sPower[n - k]; }

  void polynomial(double* z, double* D, double* dD) const {
    double a = 0, b = 0, c = 0;
    for (int k = 0; k <= M; ++k) a += theta[k] * basis(M, k);
    for (int k = 0; k < M; ++k) b += (theta[k + 1] - theta[k]) * basis(M - 1, k);
    for (int k = 0; k + 2 <= M; ++k) c += (theta[k + 2] - 2 * theta[k + 1] + theta[k]) * basis(M - 2, k);
    *z = a, *D = M * b, *dD = static_cast<double>(M) * (M - 1) * c;
  }

  template <typename T>
  void evaluate(double x, const T* p, double* z, double* logDerivative) {
    coefficients(p);
    if (x < -B || x > B) {
      const int k = x < -B ? 0 : M - 1;
      const double slope = M * (theta[k + 1] - theta[k]) / (2 * B);
      *z = x < -B ? theta[0] + slope * (x + B) : theta[M] + slope * (x - B);
      *logDerivative = std::log(slope);
      return;
    }
    powers((x + B) / (2 * B));
    double D, dD;
    polynomial(z, &D, &dD);
    *logDerivative = std::log(D / (2 * B));
  }

  template <typename T, typename G>
  double backward(double x, const T* p, double gz, double gl, G* dp) {
    coefficients(p);
    std::fill(gTheta.begin(), gTheta.end(), 0.0);
    std::fill(gDelta.begin(), gDelta.end(), 0.0);
    double dx;
    if (x < -B || x > B) {
      const bool low = x < -B;
      const int k = low ? 0 : M - 1;
      const double delta = theta[k + 1] - theta[k];
      gTheta[low ? 0 : M] += gz;
      gDelta[k] += gz * M * (low ? x + B : x - B) / (2 * B) + gl / delta;
      dx = gz * (M * delta / (2 * B));
    } else {
      powers((x + B) / (2 * B));
      double z, D, dD;
      polynomial(&z, &D, &dD);
      for (int k = 0; k <= M; ++k) gTheta[k] += gz * basis(M, k);
      for (int k = 0; k < M; ++k) gDelta[k] += gl * M * basis(M - 1, k) / D;
      dx = (gz * D + gl * dD / D) / (2 * B);
    }
    double suffix = 0;
    for (int k = M; k >= 1; --k) suffix += gTheta[k], gDelta[k - 1] += suffix;
    dp[0] += suffix + gTheta[0];
    for (int k = 1; k <= M; ++k) dp[k] += gDelta[k - 1] * sigmoid(p[k] + stepShift);
    return dx;
  }
};

struct Naf {
  static constexpr double kMinSlope = 1e-3;
  int K = 0, L = 0;
  double slopeShift = std::log(std::expm1(1 - kMinSlope));
  std::vector<double> logW, a, h, gradLogW, termS, termC, termSlope, values, beta;
  double logS = 0, log1mS = 0, logSlope = 0, blockZ = 0, blockLog = 0;

  void prepare(const Transformer& t) {
    if (K == t.hiddenUnits && L == t.blocks) return;
    K = t.hiddenUnits, L = t.blocks;
    for (auto* v : {&logW, &a, &h, &gradLogW, &termS, &termC, &termSlope}) v->assign(K, 0);
    values.assign(L + 1, 0);
    offsets(K, beta);
  }

  template <typename T>
  void block(double x, const T* p) {
    double max = -INFINITY;
    for (int k = 0; k < K; ++k) max = std::max(max, static_cast<double>(p[2 * K + k]));
    double total = 0;
    for (int k = 0; k < K; ++k) total += std::exp(p[2 * K + k] - max);
    const double logTotal = max + std::log(total);
    for (int k = 0; k < K; ++k) {
      logW[k] = p[2 * K + k] - logTotal;
      a[k] = kMinSlope + softplus(p[k] + slopeShift);
      h[k] = a[k] * x + p[K + k] + beta[k];
      const double sp = softplus(h[k]);
      termS[k] = logW[k] + h[k] - sp;
      termC[k] = logW[k] - sp;
      termSlope[k] = logW[k] + std::log(a[k]) + h[k] - 2 * sp;
    }
    logS = logSumExp(termS.data(), K);
    log1mS = logSumExp(termC.data(), K);
    logSlope = logSumExp(termSlope.data(), K);
    blockZ = logS - log1mS;
    blockLog = logSlope - logS - log1mS;
  }

  template <typename T>
  void evaluate(double x, const T* p, double* z, double* logDerivative) {
    double v = x, sum = 0;
    for (int l = 0; l < L; ++l) {
      block(v, p + 3 * K * l);
      v = blockZ, sum += blockLog;
    }
    *z = v, *logDerivative = sum;
  }

  template <typename T, typename G>
  double backwardBlock(double x, const T* p, double gz, double gl, G* dp) {
    block(x, p);
    double dx = 0, gradSum = 0;
    for (int k = 0; k < K; ++k) {
      const double s = sigmoid(h[k]);
      const double pk = std::exp(termS[k] - logS), qk = std::exp(termC[k] - log1mS), rk = std::exp(termSlope[k] - logSlope);
      const double gh = gz * (pk * (1 - s) + qk * s) + gl * (rk * (1 - 2 * s) - pk * (1 - s) + qk * s);
      gradLogW[k] = gz * (pk - qk) + gl * (rk - pk - qk);
      gradSum += gradLogW[k];
      dx += gh * a[k];
      dp[K + k] += gh;
      dp[k] += (gh * x + gl * rk / a[k]) * sigmoid(p[k] + slopeShift);
    }
    for (int k = 0; k < K; ++k) dp[2 * K + k] += gradLogW[k] - std::exp(logW[k]) * gradSum;
    return dx;
  }

  template <typename T, typename G>
  double backward(double x, const T* p, double gz, double gl, G* dp) {
    values[0] = x;
    for (int l = 0; l < L; ++l) {
      block(values[l], p + 3 * K * l);
      values[l + 1] = blockZ;
    }
    double g = gz;
    for (int l = L - 1; l >= 0; --l) g = backwardBlock(values[l], p + 3 * K * l, g, gl, dp + 3 * K * l);
    return g;
  }
};

struct Umnn {
  static constexpr double kMinSlope = 1e-3;
  int K = 0, N = 0;
  double slopeShift = std::log(std::expm1(1 - kMinSlope));
  std::vector<double> nodes, weights, tanhs, beta;
  double f = 0, u = 0, du = 0;

  void prepare(const Transformer& t) {
    if (K == t.hiddenUnits && N == t.intervals) return;
    K = t.hiddenUnits, N = t.intervals;
    tanhs.assign(K, 0);
    offsets(K, beta);
    nodes.assign(N + 1, 0), weights.assign(N + 1, 0);
    const double pi = 3.14159265358979323846;
    for (int j = 0; j <= N; ++j) {
      nodes[j] = (1 - std::cos(j * pi / N)) / 2;
      double sum = 0;
      for (int k = 1; k <= N / 2; ++k) sum += (k == N / 2 ? 1 : 2) * std::cos(2.0 * k * j * pi / N) / (4.0 * k * k - 1);
      weights[j] = ((j == 0 || j == N ? 1.0 : 2.0) / N) * (1 - sum) / 2;
    }
  }

  template <typename T>
  void integrand(double t, const T* p) {
    double pre = p[1] + slopeShift, slope = 0;
    for (int k = 0; k < K; ++k) {
      const T* o = p + 2 + 3 * k;
      const double th = std::tanh((1 + static_cast<double>(o[0])) * t + o[1] + beta[k]);
      tanhs[k] = th;
      pre += o[2] * th;
      slope += o[2] * (1 + static_cast<double>(o[0])) * (1 - th * th);
    }
    u = pre;
    f = kMinSlope + softplus(pre);
    du = sigmoid(pre) * slope;
  }

  template <typename T, typename G>
  void accumulate(double t, const T* p, double scale, G* dp) {
    const double g = scale * sigmoid(u);
    dp[1] += g;
    for (int k = 0; k < K; ++k) {
      const int o = 2 + 3 * k;
      const double th = tanhs[k];
      const double gPre = g * p[o + 2] * (1 - th * th);
      dp[o] += gPre * t;
      dp[o + 1] += gPre;
      dp[o + 2] += g * th;
    }
  }

  template <typename T>
  void evaluate(double x, const T* p, double* z, double* logDerivative) {
    double integral = 0;
    for (int j = 0; j <= N; ++j) {
      integrand(x * nodes[j], p);
      integral += weights[j] * f;
    }
    *z = p[0] + x * integral;
    integrand(x, p);
    *logDerivative = std::log(f);
  }

  template <typename T, typename G>
  double backward(double x, const T* p, double gz, double gl, G* dp) {
    dp[0] += gz;
    double dx = 0;
    for (int j = 0; gz != 0 && j <= N; ++j) {
      const double t = x * nodes[j];
      integrand(t, p);
      const double fj = f, duj = du;
      accumulate(t, p, gz * x * weights[j], dp);
      dx += gz * weights[j] * (fj + t * duj);
    }
    if (gl != 0) {
      integrand(x, p);
      const double fx = f, dux = du;
      accumulate(x, p, gl / fx, dp);
      dx += gl * dux / fx;
    }
    return dx;
  }
};

// The bracketed, safeguarded Newton solve of g(x) = target from x = target (monotone-math.ts's solve).
template <typename Math>
double solve(Math& m, double target, const float* p, double tolerance, int* iterations) {
  double v = target, lo = -INFINITY, hi = INFINITY, width = 1, lastAbs = INFINITY;
  int it = 0;
  for (; it < kMaxIterations; ++it) {
    double z, logDerivative;
    m.evaluate(v, p, &z, &logDerivative);
    const double g = z - target;
    if (std::isnan(g)) {
      if (!(std::isfinite(lo) || std::isfinite(hi)) || std::isnan(target)) break;
      v = std::isfinite(lo) && std::isfinite(hi) ? 0.5 * (lo + hi) : 0.5 * (v + (std::isfinite(lo) ? lo : hi));
      continue;
    }
    if (std::fabs(g) <= tolerance) break;
    if (g < 0) lo = v;
    else hi = v;
    const double slope = std::exp(logDerivative);
    double c = slope > 0 && std::isfinite(slope) ? v - g / slope : NAN;
    if (std::isfinite(lo) && std::isfinite(hi)) {
      if (hi - lo <= 4 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::fabs(v))) break;
      if (!(c > lo && c < hi) || std::fabs(g) > 0.5 * lastAbs) c = 0.5 * (lo + hi);
    } else if (!std::isfinite(c) || (g < 0 ? c <= v : c >= v)) {
      c = v + (g < 0 ? width : -width);
      width *= 2;
    }
    lastAbs = std::fabs(g);
    v = c;
  }
  *iterations = it;
  return v;
}

template <typename Math>
void inverseOf(Math& m, const Transformer& t, int batch, int features, int dStart, int dEnd, const float* x,
               const float* params, float* z, double* logDet, bool accumulate) {
  const int P = t.paramsPerFeature();
  for (int b = 0; b < batch; ++b) {
    double sum = 0;
    for (int d = dStart; d < dEnd; ++d) {
      const size_t i = static_cast<size_t>(b) * features + d;
      double v, logDerivative;
      m.evaluate(x[i], params + i * P, &v, &logDerivative);
      z[i] = static_cast<float>(v);
      sum += logDerivative;
    }
    if (logDet != nullptr) logDet[b] = accumulate ? logDet[b] + sum : sum;
  }
}

template <typename Math>
void forwardOf(Math& m, const Transformer& t, int batch, int features, int dStart, int dEnd, const float* z,
               const float* params, float* x, double* logDet, bool accumulate, InversionReport* report) {
  const int P = t.paramsPerFeature();
  InversionReport local;
  for (int b = 0; b < batch; ++b) {
    double sum = 0;
    for (int d = dStart; d < dEnd; ++d) {
      const size_t i = static_cast<size_t>(b) * features + d;
      const double target = z[i];
      const double tolerance = 1e-4 * std::max(1.0, std::fabs(target));
      int iterations = 0;
      const float stored = static_cast<float>(solve(m, target, params + i * P, tolerance / 4, &iterations));
      x[i] = stored;
      double value, logDerivative;
      m.evaluate(stored, params + i * P, &value, &logDerivative);
      sum -= logDerivative;
      const double residual = std::fabs(value - target);
      const double rounding = std::exp(logDerivative) * std::fabs(static_cast<double>(stored)) * 6e-8 * 4;
      local.iterations += iterations;
      local.maxResidual = std::max(local.maxResidual, std::isnan(residual) ? INFINITY : residual);
      local.entries += 1;
      if (!(residual <= tolerance + rounding)) local.unconverged += 1;
    }
    if (logDet != nullptr) logDet[b] = accumulate ? logDet[b] + sum : sum;
  }
  if (report != nullptr) report->merge(local);
}

template <typename Math>
void backwardOf(Math& m, const Transformer& t, bool inverse, int batch, int features, const float* x,
                const float* params, const float* dOutput, const double* dLogDet, float* dInput, float* dParams) {
  const int P = t.paramsPerFeature();
  thread_local std::vector<double> grad, scratch;
  grad.assign(P, 0), scratch.assign(P, 0);
  for (int b = 0; b < batch; ++b) {
    const double gl = dLogDet == nullptr ? 0 : dLogDet[b];
    for (int d = 0; d < features; ++d) {
      const size_t i = static_cast<size_t>(b) * features + d;
      const float* p = params + i * P;
      std::fill(grad.begin(), grad.end(), 0.0);
      if (inverse) {
        dInput[i] = static_cast<float>(m.backward(x[i], p, dOutput[i], gl, grad.data()));
      } else {
        // x = g⁻¹(z): implicit differentiation at the solved x with the slope of the g computed (monotone-math.ts).
        const double slopeOfLog = gl == 0 ? 0 : m.backward(x[i], p, 0.0, 1.0, scratch.data());
        const double slope = m.backward(x[i], p, 1.0, 0.0, scratch.data());
        const double G = (dOutput[i] - gl * slopeOfLog) / slope;
        dInput[i] = static_cast<float>(G);
        m.backward(x[i], p, -G, -gl, grad.data());
      }
      for (int k = 0; k < P; ++k) dParams[i * P + k] = static_cast<float>(grad[k]);
    }
  }
}

// Runs body with the thread's prepared arithmetic of t's kind.
template <typename Body>
void withMath(const Transformer& t, Body body) {
  thread_local Bernstein bernstein;
  thread_local Naf naf;
  thread_local Umnn umnn;
  switch (t.kind) {
    case TransformerKind::Bernstein: bernstein.prepare(t), body(bernstein); break;
    case TransformerKind::Naf: naf.prepare(t), body(naf); break;
    default: umnn.prepare(t), body(umnn); break;
  }
}

}  // namespace

void monotoneInverse(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* x,
                     const float* params, float* z, double* logDet, bool accumulateLogDet) {
  withMath(t, [&](auto& m) { inverseOf(m, t, batch, features, dStart, dEnd, x, params, z, logDet, accumulateLogDet); });
}

void monotoneForward(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* z,
                     const float* params, float* x, double* logDet, bool accumulateLogDet, InversionReport* report) {
  withMath(t, [&](auto& m) {
    forwardOf(m, t, batch, features, dStart, dEnd, z, params, x, logDet, accumulateLogDet, report);
  });
}

void monotoneBackward(const Transformer& t, bool inverse, int batch, int features, const float* x,
                      const float* params, const float* dOutput, const double* dLogDet, float* dInput,
                      float* dParams) {
  withMath(t, [&](auto& m) { backwardOf(m, t, inverse, batch, features, x, params, dOutput, dLogDet, dInput, dParams); });
}

}  // namespace maflow
