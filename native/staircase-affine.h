// The fused passes of an affine MAF (MADE + affine transformer) over blocks of rows that stay in cache: the staircase
// sequential pass (base → data, sampling) and the parallel pass (data → base, density); see staircaseSequentialAffine
// and staircaseParallelAffine in src/kernels/kernels.ts for the contracts.
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
  // false: the sequential pass, x[:, d] = u[:, d]·exp(s_d) + m_d(x[:, <d]) for d = 0..D−1 (x written, u read);
  // true: the parallel pass, u = (x − m(x))·exp(−s(x)) (u written, x read).
  bool parallel;
  int batch, features, contextFeatures;
  const float* context;  // [batch, contextFeatures] or null
  std::vector<StaircaseLayer> hidden;
  StaircaseLayer output;  // outDim = features·P
  bool residual;
  float* u;         // [batch, features], the base side
  float* x;         // [batch, features], the data side and the MADE's input
  double* logDet;   // [batch], accumulated (+s for the sequential pass, −s for the parallel one)
  double bound;
  bool shiftOnly;
};

void staircaseAffine(const StaircaseAffine& job);

}  // namespace maflow
