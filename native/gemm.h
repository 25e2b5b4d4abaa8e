// Prefix (staircase) GEMM and its two backward passes in float32; see src/kernels/kernels.ts for the contract.
// All pointers are dense row-major arrays; `prefix`, `bias` and `dBias` may be null.
#pragma once

#include <cstddef>
#include <cstdint>

#include "activation.h"

namespace maflow {

void prefixGemm(int batch, int inDim, int outDim, const float* x, const float* w, const int32_t* prefix,
                const float* bias, float* out, bool accumulate, Act act, int outStart, int outEnd);

void prefixGemmBackwardInput(int batch, int inDim, int outDim, const float* dOut, const float* w,
                             const int32_t* prefix, float* dIn, bool accumulate);

void prefixGemmBackwardWeight(int batch, int inDim, int outDim, const float* dOut, const float* x,
                              const int32_t* prefix, float* dW, float* dBias, bool accumulate);

// The staircase sampler's building blocks: the forward weights of columns [outStart, outEnd) packed once (into a
// 64-byte aligned buffer of prefixGemmPackedFloats floats, 0 when the range is narrow enough to be read in place),
// then prefixGemm's `out[r, j] = act(init + Σ_{i < prefix[j]} x[r, i] · w[j, i])` (init: out[r, j] when accumulating,
// else bias[j] or 0) over any number of row blocks on the calling thread, with exactly prefixGemm's arithmetic. The
// packing depends on the active ISA.
size_t prefixGemmPackedFloats(int inDim, const int32_t* prefix, int outStart, int outEnd);

void prefixGemmPack(int inDim, int outDim, const float* w, const int32_t* prefix, int outStart, int outEnd,
                    float* packed);

void prefixGemmPacked(int rows, int inDim, int outDim, const float* x, const float* w, const int32_t* prefix,
                      const float* packed, const float* bias, float* out, bool accumulate, Act act, int outStart,
                      int outEnd);

// The sampler's rows-in-lanes form of prefixGemmPacked, for a block of rows stored transposed: xT is [inDim][ld] and
// outT [outDim][ld] (row r of the block in lane r), ld a multiple of 64, and outT[j][r] gets exactly prefixGemm's
// out[r, j] for j in [outStart, outEnd) and r < rows (lanes up to the next multiple of the kernel's row group, at
// most ld, are computed from whatever xT holds there). A sampler step computes one degree's 8–26 units: as columns of
// 8- or 16-float vectors they left a third of the lanes idle, as rows (64 per block) they fill every lane.
// prefixGemmLanesFloats is 0 where the active kernel has no such form, or the range is narrow enough for prefixGemm's
// dot path (whose sums are ordered differently): the caller then uses prefixGemmPacked.
size_t prefixGemmLanesFloats(int inDim, const int32_t* prefix, int outStart, int outEnd);

void prefixGemmLanesPack(int inDim, const float* w, const int32_t* prefix, int outStart, int outEnd, float* packed);

void prefixGemmLanes(int rows, int ld, int inDim, const float* xT, const int32_t* prefix, const float* packed,
                     const float* bias, float* outT, bool accumulate, Act act, int outStart, int outEnd);

// The instruction set the GEMM micro-kernel runs with: "avx512", "avx2" or "generic".
const char* gemmIsa();

// Forces one instruction set (for tests of the fallbacks); returns false when this CPU cannot run it.
bool setGemmIsa(const char* isa);

}  // namespace maflow
