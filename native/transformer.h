// Transformer descriptions (TransformerKernel in src/kernels/kernels.ts): the elementwise bijection of a MAF layer as
// the kernels see it, and the forward / inverse transforms over a feature range that the fused passes and the
// transform kernels run. Affine: elementwise.cc; rational-quadratic spline: spline.cc.
#pragma once

#include <cstdint>

namespace maflow {

enum class TransformerKind { Affine, Spline };

struct Transformer {
  TransformerKind kind = TransformerKind::Affine;
  // affine: x = z·exp(s) + m with s = c·tanh(r / c) (c = bound, infinite = no clip); shiftOnly: x = z + m
  double bound = 5;
  bool shiftOnly = false;
  // spline: bins K on [−tailBound, tailBound], identity outside; 3K − 1 raw parameters per feature
  int bins = 8;
  double tailBound = 3, minBinWidth = 1e-3, minBinHeight = 1e-3, minDerivative = 1e-3;

  int paramsPerFeature() const { return kind == TransformerKind::Affine ? (shiftOnly ? 1 : 2) : 3 * bins - 1; }
};

// z = τ⁻¹(x) over features [dStart, dEnd); logDet[b] (+)= Σ log|∂z/∂x| (logDet may be null).
void transformInverse(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* x,
                      const float* params, float* z, double* logDet, bool accumulateLogDet);

// x = τ(z) over features [dStart, dEnd); logDet[b] (+)= Σ log|∂x/∂z|.
void transformForward(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* z,
                      const float* params, float* x, double* logDet, bool accumulateLogDet);

void splineInverse(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* x,
                   const float* params, float* z, double* logDet, bool accumulateLogDet);

void splineForward(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* z,
                   const float* params, float* x, double* logDet, bool accumulateLogDet);

}  // namespace maflow
