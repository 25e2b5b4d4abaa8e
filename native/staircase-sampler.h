// The fused staircase sequential pass of an affine MAF (MADE + affine transformer, base → data); see
// staircaseSequentialAffine in src/kernels/kernels.ts for the contract.
#pragma once

#include <cstdint>
#include <vector>

#include "activation.h"

namespace maflow {

struct StaircaseLayer {
  int inDim, outDim;
  const float* w;          // [outDim, inDim], read only within each unit's prefix
  const int32_t* prefix;   // [outDim], non-decreasing staircase
  const int32_t* starts;   // [features + 1]: units of degree d are [starts[d], starts[d + 1])
  Act act;
  float* activations;      // [batch, outDim]: bias + context term on entry, act(...) on return
  float* residualSum;      // [batch, outDim] or null: h_l = h_{l-1} + a_l
};

struct StaircaseAffine {
  int batch, features;
  std::vector<StaircaseLayer> hidden;
  const float* outW;         // [features·P, lastHidden]
  const int32_t* outPrefix;  // [features·P]
  float* params;             // [batch, features·P]: bias + context term on entry
  const float* u;            // [batch, features]
  float* x;                  // [batch, features]
  double* logDet;            // [batch], accumulated
  double bound;
  bool shiftOnly;
};

void staircaseSequentialAffine(const StaircaseAffine& job);

}  // namespace maflow
