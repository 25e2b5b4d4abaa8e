// Prefix (staircase) GEMM and its two backward passes in float32; see src/kernels/kernels.ts for the contract.
// All pointers are dense row-major arrays; `prefix`, `bias` and `dBias` may be null.
#pragma once

#include <cstdint>

#include "activation.h"

namespace maflow {

void prefixGemm(int batch, int inDim, int outDim, const float* x, const float* w, const int32_t* prefix,
                const float* bias, float* out, bool accumulate, Act act, int outStart, int outEnd);

void prefixGemmBackwardInput(int batch, int inDim, int outDim, const float* dOut, const float* w,
                             const int32_t* prefix, float* dIn, bool accumulate);

void prefixGemmBackwardWeight(int batch, int inDim, int outDim, const float* dOut, const float* x,
                              const int32_t* prefix, float* dW, float* dBias);

// The instruction set the GEMM micro-kernel runs with: "avx512", "avx2" or "generic".
const char* gemmIsa();

// Forces one instruction set (for tests of the fallbacks); returns false when this CPU cannot run it.
bool setGemmIsa(const char* isa);

}  // namespace maflow
