// The prefix GEMM kernels instantiated for AVX-512: backward 8×32, forward tiles of 16-float vectors.
// The target attribute (not a per-file -m flag) keeps the build one set of flags for node-gyp.
#include "gemm-isa.h"
#include "gemm-kernels.h"

#define MAFLOW_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))

namespace maflow {
namespace gemm {
namespace {

MAFLOW_TARGET void backward(const Job& job, int m0, int m1, int n0, int n1) {
  backwardBlock<V16, V8, 8, 2>(job, m0, m1, n0, n1);
}

template <int MR, int NV>
MAFLOW_TARGET void forward(const Job& job, int m0, int m1, int n0, int n1) {
  forwardBlock<V16, MR, NV>(job, m0, m1, n0, n1);
}

template <int NV>
MAFLOW_TARGET void pack(const Job& job, int n0, int n1, float* bp) {
  forwardPack<V16, NV>(job, n0, n1, bp);
}

template <int MR, int NV>
MAFLOW_TARGET void packed(const Job& job, int m0, int m1, int n0, int n1, const float* bp) {
  forwardPacked<V16, MR, NV>(job, m0, m1, n0, n1, bp);
}

// 32 zmm registers: MR·NV accumulators + NV panel vectors + 1 broadcast.
const ForwardTile kTiles[] = {
    {"8x48", 8, 48, 16, 512, forward<8, 3>, pack<3>, packed<8, 3>},
    {"6x64", 6, 64, 16, 512, forward<6, 4>, pack<4>, packed<6, 4>},
    {"4x64", 4, 64, 16, 512, forward<4, 4>, pack<4>, packed<4, 4>},
    {"8x32", 8, 32, 16, 512, forward<8, 2>, pack<2>, packed<8, 2>},
    {"12x32", 12, 32, 16, 512, forward<12, 2>, pack<2>, packed<12, 2>},
};

}  // namespace

const IsaKernels kAvx512Kernels = {"avx512", backward, 8, 32, kTiles, sizeof(kTiles) / sizeof(kTiles[0])};

}  // namespace gemm
}  // namespace maflow
