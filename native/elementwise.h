// The elementwise kernels (activations, affine autoregressive transforms, batch normalisation) in float32
// storage; see src/kernels/kernels.ts for the contract. Like the reference backend they compute the affine and
// batch-norm formulas in double and round once on store (log-determinants and moments are double). Adam is one of
// the multi-tensor kernels (tensor-list.h).
#pragma once

#include <cstdint>

#include "activation.h"

namespace maflow {

void activation(Act kind, int rows, int cols, int colStart, int colEnd, const float* x, float* out);

void activationBackward(Act kind, int64_t n, const float* y, const float* dOut, float* dIn);

void affineInverse(int batch, int features, int dStart, int dEnd, const float* x, const float* params, float* z,
                   double* logDet, bool accumulateLogDet, double bound, bool shiftOnly);

void affineForward(int batch, int features, int dStart, int dEnd, const float* z, const float* params, float* x,
                   double* logDet, bool accumulateLogDet, double bound, bool shiftOnly);

void affineInverseBackward(int batch, int features, const float* params, const float* z, const float* dZ,
                           const double* dLogDet, float* dX, float* dParams, double bound, bool shiftOnly);

void affineForwardBackward(int batch, int features, const float* params, const float* z, const float* dX,
                           const double* dLogDet, float* dZ, float* dParams, double bound, bool shiftOnly);

void gatherColumns(int rows, int cols, const float* x, const int32_t* index, float* out);

void columnMoments(int batch, int cols, const float* x, double* mean, double* variance);

void batchNormApply(int batch, int cols, const float* x, const double* mean, const double* variance, double eps,
                    const float* logGamma, const float* beta, float* out);

void batchNormBackward(int batch, int cols, const float* x, const double* mean, const double* variance, double eps,
                       const float* logGamma, const float* dOut, double dLogDetSum, float* dX, float* dLogGamma,
                       float* dBeta);

}  // namespace maflow
