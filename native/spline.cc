// The rational-quadratic spline transformer (Durkan et al. 2019; RationalQuadraticSpline and src/kernels/spline-math.ts
// give the formulas), forward and inverse, in double like the reference backend so that both agree to double rounding
// before the float32 store. Knots are built per (row, feature) from the raw parameters: softmax widths and heights
// with a minimum bin size, softplus interior derivatives (boundary derivatives 1, so the identity tails join with a
// continuous slope). The circular spline (Rezende et al. 2020) is this spline at tail bound π on the rotated,
// wrapped angle columns (src/kernels/circular-spline-math.ts), with the same float32 roundings between its steps.
#include <algorithm>
#include <cmath>
#include <vector>

#include "transformer.h"

namespace maflow {
namespace {

// Raw derivative parameters above this are clamped (δ ≤ ~1e6), so that no sum of derivatives can overflow.
constexpr double kRawDerivativeMax = 1e6;

struct Knots {
  std::vector<double> x, y, d;
  int K = 0;
  double shift = 0;  // softplus(raw + shift) + minDerivative = 1 at raw = 0

  void prepare(const Transformer& t) {
    if (K != t.bins) {
      K = t.bins;
      x.assign(K + 1, 0), y.assign(K + 1, 0), d.assign(K + 1, 0);
    }
    shift = std::log(std::expm1(1 - t.minDerivative));
  }

  static void bins(const float* raw, int K, double minBin, double B, double* knots) {
    double max = -INFINITY;
    for (int j = 0; j < K; ++j) max = std::max(max, static_cast<double>(raw[j]));
    // Each exponential once: knots[j + 1] holds e^(raw_j − max) until the second loop replaces it by the knot.
    double total = 0;
    for (int j = 0; j < K; ++j) total += (knots[j + 1] = std::exp(raw[j] - max));
    knots[0] = -B;
    double cumulative = 0;
    for (int j = 0; j < K; ++j) {
      cumulative += minBin + (1 - K * minBin) * (knots[j + 1] / total);
      knots[j + 1] = -B + 2 * B * cumulative;
    }
    knots[K] = B;
  }

  void set(const Transformer& t, const float* raw) {
    const double B = t.tailBound;
    bins(raw, K, t.minBinWidth, B, x.data());
    bins(raw + K, K, t.minBinHeight, B, y.data());
    d[0] = 1, d[K] = 1;
    for (int j = 1; j < K; ++j) {
      const double v = std::min(static_cast<double>(raw[2 * K + j - 1]) + shift, kRawDerivativeMax);
      d[j] = t.minDerivative + (v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)));
    }
  }

  int find(const std::vector<double>& knots, double v) const {
    int k = 0;
    while (k < K - 1 && v >= knots[k + 1]) ++k;
    return k;
  }
};

struct Local {
  double w, h, s, xi, d0, d1, q, R, Dn, M;
};

Local evaluate(const Knots& kn, double t, int k) {
  Local L;
  L.w = kn.x[k + 1] - kn.x[k];
  L.h = kn.y[k + 1] - kn.y[k];
  L.s = L.h / L.w;
  L.xi = std::min(1.0, std::max(0.0, (t - kn.x[k]) / L.w));
  L.d0 = kn.d[k];
  L.d1 = kn.d[k + 1];
  const double xi = L.xi;
  L.q = xi * (1 - xi);
  L.Dn = L.s + (L.d0 + L.d1 - 2 * L.s) * L.q;
  L.R = (L.s * xi * xi + L.d0 * L.q) / L.Dn;
  L.M = L.d1 * xi * xi + 2 * L.s * L.q + L.d0 * (1 - xi) * (1 - xi);
  return L;
}

double logDerivative(const Local& L) { return 2 * std::log(L.s) + std::log(L.M) - 2 * std::log(L.Dn); }

// τ⁻¹(y) for y in [−B, B): the stable root of the bin's quadratic, polished by one Newton step (as spline-math.ts).
double root(const Knots& kn, double y) {
  const int k = kn.find(kn.y, y);
  const double w = kn.x[k + 1] - kn.x[k], h = kn.y[k + 1] - kn.y[k], s = h / w;
  const double d0 = kn.d[k], d1 = kn.d[k + 1], dy = y - kn.y[k], sum = d0 + d1 - 2 * s;
  const double a = h * (s - d0) + dy * sum, b = h * d0 - dy * sum, c = -s * dy;
  const double den = -b - std::sqrt(std::max(0.0, b * b - 4 * a * c));
  const double xi = den == 0 ? 0 : std::min(1.0, std::max(0.0, (2 * c) / den));
  const double t = kn.x[k] + xi * w;
  const Local L = evaluate(kn, t, k);
  const double polished = t - (kn.y[k] + L.h * L.R - y) / std::exp(logDerivative(L));
  return polished >= kn.x[k] && polished <= kn.x[k + 1] ? polished : t;
}

constexpr double kPi = 3.14159265358979323846;

// v wrapped into [−π, π).
double wrapAngle(double v) { return v - 2 * kPi * std::floor((v + kPi) / (2 * kPi)); }

// The spline description of a circular one (tail bound π).
Transformer innerSpline(const Transformer& t) {
  Transformer s = t;
  s.kind = TransformerKind::Spline;
  s.tailBound = kPi;
  return s;
}

}  // namespace

void circularSplineForward(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* z,
                           const float* params, float* x, double* logDet, bool accumulateLogDet) {
  thread_local Knots kn;
  const Transformer s = innerSpline(t);
  kn.prepare(s);
  const int P = t.paramsPerFeature();
  for (int b = 0; b < batch; ++b) {
    double sum = 0;
    for (int d = dStart; d < dEnd; ++d) {
      const size_t i = static_cast<size_t>(b) * features + d;
      const bool angle = t.circular[d] != 0;
      const double v = angle ? static_cast<double>(static_cast<float>(wrapAngle(z[i]))) : static_cast<double>(z[i]);
      if (!(v >= -kPi && v < kPi)) {
        x[i] = static_cast<float>(v);
        continue;
      }
      kn.set(s, params + i * P + 1);
      const int k = kn.find(kn.x, v);
      const Local L = evaluate(kn, v, k);
      const float y = static_cast<float>(kn.y[k] + L.h * L.R);
      x[i] = angle ? static_cast<float>(wrapAngle(static_cast<double>(y) + params[i * P])) : y;
      sum += logDerivative(L);
    }
    if (logDet != nullptr) logDet[b] = accumulateLogDet ? logDet[b] + sum : sum;
  }
}

void circularSplineInverse(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* x,
                           const float* params, float* z, double* logDet, bool accumulateLogDet) {
  thread_local Knots kn;
  const Transformer s = innerSpline(t);
  kn.prepare(s);
  const int P = t.paramsPerFeature();
  for (int b = 0; b < batch; ++b) {
    double sum = 0;
    for (int d = dStart; d < dEnd; ++d) {
      const size_t i = static_cast<size_t>(b) * features + d;
      const double y = t.circular[d] != 0
                           ? static_cast<double>(static_cast<float>(wrapAngle(static_cast<double>(x[i]) - params[i * P])))
                           : static_cast<double>(x[i]);
      if (!(y >= -kPi && y < kPi)) {
        z[i] = static_cast<float>(y);
        continue;
      }
      kn.set(s, params + i * P + 1);
      const double v = root(kn, y);
      z[i] = static_cast<float>(v);
      sum -= logDerivative(evaluate(kn, v, kn.find(kn.x, v)));
    }
    if (logDet != nullptr) logDet[b] = accumulateLogDet ? logDet[b] + sum : sum;
  }
}

void splineForward(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* z,
                   const float* params, float* x, double* logDet, bool accumulateLogDet) {
  thread_local Knots kn;
  kn.prepare(t);
  const double B = t.tailBound;
  const int P = t.paramsPerFeature();
  for (int b = 0; b < batch; ++b) {
    double sum = 0;
    for (int d = dStart; d < dEnd; ++d) {
      const size_t i = static_cast<size_t>(b) * features + d;
      const double v = z[i];
      if (!(v >= -B && v < B)) {
        x[i] = static_cast<float>(v);
        continue;
      }
      kn.set(t, params + i * P);
      const int k = kn.find(kn.x, v);
      const Local L = evaluate(kn, v, k);
      x[i] = static_cast<float>(kn.y[k] + L.h * L.R);
      sum += logDerivative(L);
    }
    if (logDet != nullptr) logDet[b] = accumulateLogDet ? logDet[b] + sum : sum;
  }
}

void splineInverse(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* x,
                   const float* params, float* z, double* logDet, bool accumulateLogDet) {
  thread_local Knots kn;
  kn.prepare(t);
  const double B = t.tailBound;
  const int P = t.paramsPerFeature();
  for (int b = 0; b < batch; ++b) {
    double sum = 0;
    for (int d = dStart; d < dEnd; ++d) {
      const size_t i = static_cast<size_t>(b) * features + d;
      const double y = x[i];
      if (!(y >= -B && y < B)) {
        z[i] = static_cast<float>(y);
        continue;
      }
      kn.set(t, params + i * P);
      const double v = root(kn, y);
      z[i] = static_cast<float>(v);
      sum -= logDerivative(evaluate(kn, v, kn.find(kn.x, v)));
    }
    if (logDet != nullptr) logDet[b] = accumulateLogDet ? logDet[b] + sum : sum;
  }
}

}  // namespace maflow
