// The fused staircase sequential pass of an affine MAF (MADE + affine transformer, base → data); see
// staircaseSequentialAffine in src/kernels/kernels.ts for the contract.
#pragma once

#include <cstdint>
#include <vector>

#include "activation.h"

namespace maflow {

struct StaircaseLayer {
  int inDim, outDim;
  const float* w;             // [outDim, inDim], read only within each unit's prefix
  const int32_t* prefix;      // [outDim], non-decreasing staircase
  const float* bias;          // [outDim]
  const float* contextWeight; // [outDim, contextFeatures] or null
  const int32_t* starts;      // hidden layers: [features + 1], units of degree d are [starts[d], starts[d + 1])
  Act act;
};

struct StaircaseAffine {
  int batch, features, contextFeatures;
  const float* context;  // [batch, contextFeatures] or null
  std::vector<StaircaseLayer> hidden;
  StaircaseLayer output;  // outDim = features·P
  bool residual;
  const float* u;   // [batch, features]
  float* x;         // [batch, features]
  double* logDet;   // [batch], accumulated
  double bound;
  bool shiftOnly;
};

void staircaseSequentialAffine(const StaircaseAffine& job);

}  // namespace maflow
