// The prefix GEMM kernels instantiated for AVX2 + FMA: 6×16 register tile.
// The target attribute (not a per-file -m flag) keeps the build one set of flags for node-gyp.
#include "gemm-isa.h"
#include "gemm-kernels.h"

#define MAFLOW_TARGET __attribute__((target("avx2,fma")))

namespace maflow {
namespace gemm {

MAFLOW_TARGET void blockAvx2(const Job& job, int m0, int m1, int n0, int n1) {
  block<V8, V4, 6, 2>(job, m0, m1, n0, n1);
}

MAFLOW_TARGET void packAvx2(const Job& job, int n0, int n1, float* bp) { forwardPack<V8, 2>(job, n0, n1, bp); }

MAFLOW_TARGET void packedAvx2(const Job& job, int m0, int m1, int n0, int n1, const float* bp) {
  forwardPacked<V8, 6, 2>(job, m0, m1, n0, n1, bp);
}

}  // namespace gemm
}  // namespace maflow
