// The prefix GEMM kernels instantiated for AVX2 + FMA: backward 4×24, forward tiles of 8-float vectors.
// The target attribute (not a per-file -m flag) keeps the build one set of flags for node-gyp.
#include "gemm-isa.h"
#include "gemm-kernels.h"

#define MAFLOW_TARGET __attribute__((target("avx2,fma")))

namespace maflow {
namespace gemm {
namespace {

MAFLOW_TARGET void backward(const Job& job, int m0, int m1, int n0, int n1) {
  backwardBlock<V8, V4, 4, 3>(job, m0, m1, n0, n1);
}

template <int MR, int NV>
MAFLOW_TARGET void forward(const Job& job, int m0, int m1, int n0, int n1) {
  forwardBlock<V8, MR, NV>(job, m0, m1, n0, n1);
}

template <int NV>
MAFLOW_TARGET void pack(const Job& job, int n0, int n1, float* bp) {
  forwardPack<V8, NV>(job, n0, n1, bp);
}

template <int MR, int NV>
MAFLOW_TARGET void packed(const Job& job, int m0, int m1, int n0, int n1, const float* bp) {
  forwardPacked<V8, MR, NV>(job, m0, m1, n0, n1, bp);
}

// The rows-in-lanes tile: 6 columns × 16 lanes, 12 accumulators, 2 lane vectors and a broadcast.
MAFLOW_TARGET void lanes(const LanesJob& job) { lanesForward<V8, 6, 2>(job); }

// 16 ymm registers: MR·NV accumulators + the panel vectors (or memory operands of the FMAs) + 1 broadcast.
const ForwardTile kTiles[] = {
    {"4x24", 4, 24, 8, 512, forward<4, 3>, pack<3>, packed<4, 3>, lanes, 6},
    {"6x16", 6, 16, 8, 512, forward<6, 2>, pack<2>, packed<6, 2>, lanes, 6},
    {"3x32", 3, 32, 8, 512, forward<3, 4>, pack<4>, packed<3, 4>, lanes, 6},
};

// The backward tile 4x24 (12 accumulators, 3 panel vectors and a broadcast: all 16 registers). At a miniboone MADE
// (D = 43, [512, 512], batch 100), 1 thread, AMD EPYC Zen 4, the 5 MADEs' backward GEMMs (minimum of 100 rounds
// interleaved in one process, loaded 2-core VM) took 4.56 ms against 6.12 with 6x16 (3x32 and 8x8: slower than
// 6x16); at bsds300's (D = 63, [1024, 1024]) 17.9 ms against 26.4.
const BackwardTile kBackwardTiles[] = {{4, 24, 8, backward}};

}  // namespace

const IsaKernels kAvx2Kernels = {"avx2", kBackwardTiles, 1, kTiles, sizeof(kTiles) / sizeof(kTiles[0]), nullptr};

}  // namespace gemm
}  // namespace maflow
