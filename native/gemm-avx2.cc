// The prefix GEMM kernels instantiated for AVX2 + FMA: backward 6×16, forward tiles of 8-float vectors.
// The target attribute (not a per-file -m flag) keeps the build one set of flags for node-gyp.
#include "gemm-isa.h"
#include "gemm-kernels.h"

#define MAFLOW_TARGET __attribute__((target("avx2,fma")))

namespace maflow {
namespace gemm {
namespace {

MAFLOW_TARGET void backward(const Job& job, int m0, int m1, int n0, int n1) {
  backwardBlock<V8, V4, 6, 2>(job, m0, m1, n0, n1);
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

// 16 ymm registers: MR·NV accumulators + the panel vectors (or memory operands of the FMAs) + 1 broadcast.
const ForwardTile kTiles[] = {
    {"4x24", 4, 24, 8, 512, forward<4, 3>, pack<3>, packed<4, 3>},
    {"6x16", 6, 16, 8, 512, forward<6, 2>, pack<2>, packed<6, 2>},
    {"3x32", 3, 32, 8, 512, forward<3, 4>, pack<4>, packed<3, 4>},
};

}  // namespace

const IsaKernels kAvx2Kernels = {"avx2", backward, 6, 16, kTiles, sizeof(kTiles) / sizeof(kTiles[0]), nullptr};

}  // namespace gemm
}  // namespace maflow
