// The fused passes of a MAF layer (MADE + a described transformer) over blocks of rows that stay in cache: the
// staircase sequential pass (base → data, sampling) and the parallel pass (data → base, density); see
// staircaseSequential and staircaseParallel in src/kernels/kernels.ts for the contracts.
#pragma once

#include <cstdint>
#include <vector>

#include "activation.h"
#include "transformer.h"

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

struct StaircasePass {
  // false: the sequential pass, x[:, d] = τ(u[:, d]; θ_d(x[:, <d])) for d = 0..D−1 (x written, u read);
  // true: the parallel pass, u = τ⁻¹(x; θ(x)) (u written, x read).
  bool parallel;
  int batch, features, contextFeatures;
  const float* context;  // [batch, contextFeatures] or null
  std::vector<StaircaseLayer> hidden;
  StaircaseLayer output;  // outDim = features·P, P = transformer.paramsPerFeature()
  bool residual;
  float* u;         // [batch, features], the base side
  float* x;         // [batch, features], the data side and the MADE's input
  double* logDet;   // [batch], accumulated
  Transformer transformer;
  InversionReport* inversion = nullptr;  // the sequential pass of a monotone transformer: accumulated, or null
};

void staircasePass(const StaircasePass& job);

}  // namespace maflow
