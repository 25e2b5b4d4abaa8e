#include "elementwise.h"

#include <cmath>
#include <vector>

// Runtime dispatch for the loops the compiler can vectorise.
#define MAFLOW_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

namespace maflow {
namespace {

template <Act A>
MAFLOW_INLINE void activateRows(int rows, int cols, int colStart, int colEnd, const float* x, float* out) {
  for (int r = 0; r < rows; ++r) {
    const float* src = x + static_cast<int64_t>(r) * cols;
    float* dst = out + static_cast<int64_t>(r) * cols;
    for (int c = colStart; c < colEnd; ++c) dst[c] = activate<A>(src[c]);
  }
}

template <Act A>
MAFLOW_INLINE void backwardLoop(int64_t n, const float* y, const float* dOut, float* dIn) {
  for (int64_t k = 0; k < n; ++k) dIn[k] = dOut[k] * derivativeFromOutput<A>(y[k]);
}

// s = c·tanh(r/c), the soft-clipped log-scale (identity when c is infinite).
inline double softClip(double r, double bound) { return std::isinf(bound) ? r : bound * std::tanh(r / bound); }

inline double softClipDerivative(double s, double bound) {
  if (std::isinf(bound)) return 1.0;
  const double t = s / bound;
  return 1.0 - t * t;
}

}  // namespace

MAFLOW_CLONES void activation(Act kind, int rows, int cols, int colStart, int colEnd, const float* x, float* out) {
  switch (kind) {
    case Act::Relu: activateRows<Act::Relu>(rows, cols, colStart, colEnd, x, out); break;
    case Act::Tanh: activateRows<Act::Tanh>(rows, cols, colStart, colEnd, x, out); break;
    case Act::Elu: activateRows<Act::Elu>(rows, cols, colStart, colEnd, x, out); break;
    case Act::Sigmoid: activateRows<Act::Sigmoid>(rows, cols, colStart, colEnd, x, out); break;
    case Act::Softplus: activateRows<Act::Softplus>(rows, cols, colStart, colEnd, x, out); break;
    case Act::Identity: activateRows<Act::Identity>(rows, cols, colStart, colEnd, x, out); break;
  }
}

MAFLOW_CLONES void activationBackward(Act kind, int64_t n, const float* y, const float* dOut, float* dIn) {
  switch (kind) {
    case Act::Relu: backwardLoop<Act::Relu>(n, y, dOut, dIn); break;
    case Act::Tanh: backwardLoop<Act::Tanh>(n, y, dOut, dIn); break;
    case Act::Elu: backwardLoop<Act::Elu>(n, y, dOut, dIn); break;
    case Act::Sigmoid: backwardLoop<Act::Sigmoid>(n, y, dOut, dIn); break;
    case Act::Softplus: backwardLoop<Act::Softplus>(n, y, dOut, dIn); break;
    case Act::Identity: backwardLoop<Act::Identity>(n, y, dOut, dIn); break;
  }
}

void affineInverse(int batch, int features, int dStart, int dEnd, const float* x, const float* params, float* z,
                   double* logDet, bool accumulateLogDet, double bound, bool shiftOnly) {
  const int64_t stride = shiftOnly ? features : 2 * static_cast<int64_t>(features);
  for (int b = 0; b < batch; ++b) {
    const float* p = params + b * stride;
    const int64_t row = static_cast<int64_t>(b) * features;
    double sum = 0;
    for (int d = dStart; d < dEnd; ++d) {
      if (shiftOnly) {
        z[row + d] = static_cast<float>(static_cast<double>(x[row + d]) - p[d]);
      } else {
        const double s = softClip(p[2 * d + 1], bound);
        z[row + d] = static_cast<float>((static_cast<double>(x[row + d]) - p[2 * d]) * std::exp(-s));
        sum -= s;
      }
    }
    if (logDet != nullptr) logDet[b] = accumulateLogDet ? logDet[b] + sum : sum;
  }
}

void affineForward(int batch, int features, int dStart, int dEnd, const float* z, const float* params, float* x,
                   double* logDet, bool accumulateLogDet, double bound, bool shiftOnly) {
  const int64_t stride = shiftOnly ? features : 2 * static_cast<int64_t>(features);
  for (int b = 0; b < batch; ++b) {
    const float* p = params + b * stride;
    const int64_t row = static_cast<int64_t>(b) * features;
    double sum = 0;
    for (int d = dStart; d < dEnd; ++d) {
      if (shiftOnly) {
        x[row + d] = static_cast<float>(static_cast<double>(z[row + d]) + p[d]);
      } else {
        const double s = softClip(p[2 * d + 1], bound);
        x[row + d] = static_cast<float>(z[row + d] * std::exp(s) + p[2 * d]);
        sum += s;
      }
    }
    if (logDet != nullptr) logDet[b] = accumulateLogDet ? logDet[b] + sum : sum;
  }
}

void affineInverseBackward(int batch, int features, const float* params, const float* z, const float* dZ,
                           const double* dLogDet, float* dX, float* dParams, double bound, bool shiftOnly) {
  const int64_t stride = shiftOnly ? features : 2 * static_cast<int64_t>(features);
  for (int b = 0; b < batch; ++b) {
    const double gl = dLogDet == nullptr ? 0.0 : dLogDet[b];
    const float* p = params + b * stride;
    float* dp = dParams + b * stride;
    const int64_t row = static_cast<int64_t>(b) * features;
    for (int d = 0; d < features; ++d) {
      const double g = dZ[row + d];
      if (shiftOnly) {
        dX[row + d] = static_cast<float>(g);
        dp[d] = static_cast<float>(-g);
      } else {
        const double s = softClip(p[2 * d + 1], bound);
        const double e = std::exp(-s);
        dX[row + d] = static_cast<float>(g * e);
        dp[2 * d] = static_cast<float>(-g * e);
        dp[2 * d + 1] = static_cast<float>((-g * z[row + d] - gl) * softClipDerivative(s, bound));
      }
    }
  }
}

void affineForwardBackward(int batch, int features, const float* params, const float* z, const float* dX,
                           const double* dLogDet, float* dZ, float* dParams, double bound, bool shiftOnly) {
  const int64_t stride = shiftOnly ? features : 2 * static_cast<int64_t>(features);
  for (int b = 0; b < batch; ++b) {
    const double gl = dLogDet == nullptr ? 0.0 : dLogDet[b];
    const float* p = params + b * stride;
    float* dp = dParams + b * stride;
    const int64_t row = static_cast<int64_t>(b) * features;
    for (int d = 0; d < features; ++d) {
      const double g = dX[row + d];
      if (shiftOnly) {
        dZ[row + d] = static_cast<float>(g);
        dp[d] = static_cast<float>(g);
      } else {
        const double s = softClip(p[2 * d + 1], bound);
        const double e = std::exp(s);
        dZ[row + d] = static_cast<float>(g * e);
        dp[2 * d] = static_cast<float>(g);
        dp[2 * d + 1] = static_cast<float>((g * z[row + d] * e + gl) * softClipDerivative(s, bound));
      }
    }
  }
}

MAFLOW_CLONES void columnMoments(int batch, int cols, const float* x, double* mean, double* variance) {
  for (int c = 0; c < cols; ++c) mean[c] = 0.0, variance[c] = 0.0;
  for (int b = 0; b < batch; ++b) {
    const float* row = x + static_cast<int64_t>(b) * cols;
    for (int c = 0; c < cols; ++c) mean[c] += row[c];
  }
  for (int c = 0; c < cols; ++c) mean[c] /= batch;
  for (int b = 0; b < batch; ++b) {
    const float* row = x + static_cast<int64_t>(b) * cols;
    for (int c = 0; c < cols; ++c) {
      const double d = row[c] - mean[c];
      variance[c] += d * d;
    }
  }
  for (int c = 0; c < cols; ++c) variance[c] /= batch;
}

MAFLOW_CLONES void batchNormApply(int batch, int cols, const float* x, const double* mean, const double* variance,
                                  double eps, const float* logGamma, const float* beta, float* out) {
  std::vector<double> scale(cols);
  for (int c = 0; c < cols; ++c) scale[c] = std::exp(static_cast<double>(logGamma[c])) / std::sqrt(variance[c] + eps);
  for (int b = 0; b < batch; ++b) {
    const float* row = x + static_cast<int64_t>(b) * cols;
    float* dst = out + static_cast<int64_t>(b) * cols;
    for (int c = 0; c < cols; ++c) dst[c] = static_cast<float>((row[c] - mean[c]) * scale[c] + beta[c]);
  }
}

MAFLOW_CLONES void batchNormBackward(int batch, int cols, const float* x, const double* mean, const double* variance,
                                     double eps, const float* logGamma, const float* dOut, double dLogDetSum,
                                     float* dX, float* dLogGamma, float* dBeta) {
  std::vector<double> inverseSigma(cols), gamma(cols), sumOut(cols, 0.0), sumOutH(cols, 0.0);
  for (int c = 0; c < cols; ++c) {
    inverseSigma[c] = 1.0 / std::sqrt(variance[c] + eps);
    gamma[c] = std::exp(static_cast<double>(logGamma[c]));
  }
  for (int b = 0; b < batch; ++b) {
    const float* xr = x + static_cast<int64_t>(b) * cols;
    const float* gr = dOut + static_cast<int64_t>(b) * cols;
    for (int c = 0; c < cols; ++c) {
      const double h = (xr[c] - mean[c]) * inverseSigma[c];
      sumOut[c] += gr[c];
      sumOutH[c] += gr[c] * h;
    }
  }
  // dX = (γ·dOut − mean(γ·dOut) − h·(mean(γ·dOut·h) + dLogDetSum/batch)) / σ: the usual batch-norm backward plus
  // the log-det's −½ log(var + eps) term.
  std::vector<double> meanG(cols), meanGH(cols);
  for (int c = 0; c < cols; ++c) {
    dBeta[c] = static_cast<float>(dBeta[c] + sumOut[c]);
    dLogGamma[c] = static_cast<float>(dLogGamma[c] + sumOutH[c] * gamma[c] + dLogDetSum);
    meanG[c] = sumOut[c] * gamma[c] / batch;
    meanGH[c] = (sumOutH[c] * gamma[c] + dLogDetSum) / batch;
  }
  for (int b = 0; b < batch; ++b) {
    const float* xr = x + static_cast<int64_t>(b) * cols;
    const float* gr = dOut + static_cast<int64_t>(b) * cols;
    float* dr = dX + static_cast<int64_t>(b) * cols;
    for (int c = 0; c < cols; ++c) {
      const double h = (xr[c] - mean[c]) * inverseSigma[c];
      dr[c] = static_cast<float>((gr[c] * gamma[c] - meanG[c] - h * meanGH[c]) * inverseSigma[c]);
    }
  }
}

MAFLOW_CLONES void adamStep(int64_t n, float* param, const float* grad, float* m, float* v, double lr, double beta1,
                            double beta2, double eps, double weightDecay, double step) {
  const double c1 = 1.0 - std::pow(beta1, step);
  const double c2 = 1.0 - std::pow(beta2, step);
  for (int64_t k = 0; k < n; ++k) {
    const double g = grad[k] + weightDecay * param[k];
    const float mk = static_cast<float>(beta1 * m[k] + (1.0 - beta1) * g);
    const float vk = static_cast<float>(beta2 * v[k] + (1.0 - beta2) * g * g);
    m[k] = mk;
    v[k] = vk;
    param[k] = static_cast<float>(param[k] - (lr * (mk / c1)) / (std::sqrt(vk / c2) + eps));
  }
}

}  // namespace maflow
