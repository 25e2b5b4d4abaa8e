// The prefix GEMM kernels instantiated for any x86-64 / other CPU: 4×8 tile of 128-bit vectors.
// The target attribute (not a per-file -m flag) keeps the build one set of flags for node-gyp.
#include "gemm-isa.h"
#include "gemm-kernels.h"

#define MAFLOW_TARGET

namespace maflow {
namespace gemm {

MAFLOW_TARGET void blockGeneric(const Job& job, int m0, int m1, int n0, int n1) {
  block<V4, V4, 4, 2>(job, m0, m1, n0, n1);
}

MAFLOW_TARGET void packGeneric(const Job& job, int n0, int n1, float* bp) { forwardPack<V4, 2>(job, n0, n1, bp); }

MAFLOW_TARGET void packedGeneric(const Job& job, int m0, int m1, int n0, int n1, const float* bp) {
  forwardPacked<V4, 4, 2>(job, m0, m1, n0, n1, bp);
}

}  // namespace gemm
}  // namespace maflow
