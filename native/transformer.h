// Transformer descriptions (TransformerKernel in src/kernels/kernels.ts): the elementwise bijection of a MAF layer as
// the kernels see it, and the forward / inverse transforms over a feature range that the fused passes and the
// transform kernels run. Affine: elementwise.cc; rational-quadratic and circular splines: spline.cc; the monotone
// transformers whose base → data direction is a numerical inversion (Bernstein, NAF, UMNN): monotone.cc.
#pragma once

#include <algorithm>
#include <cstdint>

namespace maflow {

enum class TransformerKind { Affine, Spline, CircularSpline, Bernstein, Naf, Umnn };

struct Transformer {
  TransformerKind kind = TransformerKind::Affine;
  // affine: x = z·exp(s) + m with s = c·tanh(r / c) (c = bound, infinite = no clip); shiftOnly: x = z + m
  double bound = 5;
  bool shiftOnly = false;
  // spline: bins K on [−tailBound, tailBound], identity outside; 3K − 1 raw parameters per feature.
  // circular spline: the same at tailBound π with a rotation φ first (3K parameters); circular[d] != 0 for angles.
  int bins = 8;
  double tailBound = 3, minBinWidth = 1e-3, minBinHeight = 1e-3, minDerivative = 1e-3;
  const int32_t* circular = nullptr;  // [circularCount] = [features] of the layer
  int circularCount = 0;
  // bernstein: degree M on [−polyBound, polyBound], linear outside (M + 1 parameters)
  int degree = 8;
  double polyBound = 3;
  // naf: hiddenUnits K sigmoids per block, blocks L (3KL parameters); umnn: K tanh units, intervals N (3K + 2)
  int hiddenUnits = 8, blocks = 1, intervals = 32;

  int paramsPerFeature() const {
    switch (kind) {
      case TransformerKind::Affine: return shiftOnly ? 1 : 2;
      case TransformerKind::Spline: return 3 * bins - 1;
      case TransformerKind::CircularSpline: return 3 * bins;
      case TransformerKind::Bernstein: return degree + 1;
      case TransformerKind::Naf: return 3 * hiddenUnits * blocks;
      case TransformerKind::Umnn: return 3 * hiddenUnits + 2;
    }
    return 0;
  }

  bool monotone() const {
    return kind == TransformerKind::Bernstein || kind == TransformerKind::Naf || kind == TransformerKind::Umnn;
  }
};

// How numerical inversions went (TransformOp.inversion): entries, summed steps, worst residual, unconverged entries.
struct InversionReport {
  double entries = 0, iterations = 0, maxResidual = 0, unconverged = 0;
  void merge(const InversionReport& o) {
    entries += o.entries, iterations += o.iterations, unconverged += o.unconverged;
    maxResidual = std::max(maxResidual, o.maxResidual);
  }
};

// z = τ⁻¹(x) over features [dStart, dEnd); logDet[b] (+)= Σ log|∂z/∂x| (logDet may be null).
void transformInverse(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* x,
                      const float* params, float* z, double* logDet, bool accumulateLogDet);

// x = τ(z) over features [dStart, dEnd); logDet[b] (+)= Σ log|∂x/∂z|. A monotone transformer's numerical
// inversion accumulates into report (may be null).
void transformForward(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* z,
                      const float* params, float* x, double* logDet, bool accumulateLogDet,
                      InversionReport* report = nullptr);

void splineInverse(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* x,
                   const float* params, float* z, double* logDet, bool accumulateLogDet);

void splineForward(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* z,
                   const float* params, float* x, double* logDet, bool accumulateLogDet);

void circularSplineInverse(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* x,
                           const float* params, float* z, double* logDet, bool accumulateLogDet);

void circularSplineForward(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* z,
                           const float* params, float* x, double* logDet, bool accumulateLogDet);

void monotoneInverse(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* x,
                     const float* params, float* z, double* logDet, bool accumulateLogDet);

void monotoneForward(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* z,
                     const float* params, float* x, double* logDet, bool accumulateLogDet, InversionReport* report);

// Backward of monotoneInverse (x = the input) or monotoneForward (x = its output) over all features: dInput and
// dParams overwritten (the contracts of transformInverseBackward / transformForwardBackward).
void monotoneBackward(const Transformer& t, bool inverse, int batch, int features, const float* x,
                      const float* params, const float* dOutput, const double* dLogDet, float* dInput,
                      float* dParams);

}  // namespace maflow
