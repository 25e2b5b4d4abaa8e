// The training pass of a MAF layer (MADE + a described transformer) in two calls instead of one per layer and per
// gradient: the forward half keeps every activation and the transformer's parameters in the caller's `saved` buffer,
// the backward half runs the transformer's backward and then every layer's, writing the weight gradients. See
// staircaseTrainForward / staircaseTrainBackward in src/kernels/kernels.ts for the contracts.
#pragma once

#include <vector>

#include "staircase.h"

namespace maflow {

// Where one layer's parameter gradients go (dContextWeight null: none).
struct LayerGradients {
  float* dWeight;
  float* dBias;
  float* dContextWeight;
  bool accumulate, accumulateContext;
};

// The parallel pass of `job` (x → u = z, logDet accumulated) writing a_l (and residual h_l) per hidden layer, then θ,
// into `saved` (staircaseTrainSavedLength floats).
void staircaseTrainForward(const StaircasePass& job, float* saved);

// The backward half: dZ (and dLogDet, may be null) → dX (overwritten), dContext (accumulated, may be null) and one
// LayerGradients per hidden layer then the output layer. The affine transformer only (the spline's backward is not
// native; the JavaScript side composes that pass from the layer kernels).
void staircaseTrainBackward(const StaircasePass& job, const float* saved, const float* dZ, const double* dLogDet,
                            float* dX, float* dContext, const std::vector<LayerGradients>& gradients);

}  // namespace maflow
