// The prefix GEMM kernels instantiated for AVX-512: 8×32 register tile.
// The target attribute (not a per-file -m flag) keeps the build one set of flags for node-gyp.
#include "gemm-isa.h"
#include "gemm-kernels.h"

#define MAFLOW_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))

namespace maflow {
namespace gemm {

MAFLOW_TARGET void blockAvx512(const Job& job, int m0, int m1, int n0, int n1) {
  block<V16, V8, 8, 2>(job, m0, m1, n0, n1);
}

MAFLOW_TARGET void packAvx512(const Job& job, int n0, int n1, float* bp) { forwardPack<V16, 2>(job, n0, n1, bp); }

MAFLOW_TARGET void packedAvx512(const Job& job, int m0, int m1, int n0, int n1, const float* bp) {
  forwardPacked<V16, 8, 2>(job, m0, m1, n0, n1, bp);
}

}  // namespace gemm
}  // namespace maflow
