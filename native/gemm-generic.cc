// The prefix GEMM kernels instantiated for any x86-64 / other CPU: 4×8 tiles of 128-bit vectors.
#include "gemm-isa.h"
#include "gemm-kernels.h"

namespace maflow {
namespace gemm {
namespace {

void backward(const Job& job, int m0, int m1, int n0, int n1) { backwardBlock<V4, V4, 4, 2>(job, m0, m1, n0, n1); }

void forward(const Job& job, int m0, int m1, int n0, int n1) { forwardBlock<V4, 4, 2>(job, m0, m1, n0, n1); }

void pack(const Job& job, int n0, int n1, float* bp) { forwardPack<V4, 2>(job, n0, n1, bp); }

void packed(const Job& job, int m0, int m1, int n0, int n1, const float* bp) {
  forwardPacked<V4, 4, 2>(job, m0, m1, n0, n1, bp);
}

void lanes(const LanesJob& job) { lanesForward<V4, 6, 2>(job); }

const ForwardTile kTiles[] = {{"4x8", 4, 8, 4, 256, forward, pack, packed, lanes, 6}};
const BackwardTile kBackwardTiles[] = {{4, 8, 4, backward}};

}  // namespace

const IsaKernels kGenericKernels = {"generic", kBackwardTiles, 1, kTiles, 1, nullptr};

}  // namespace gemm
}  // namespace maflow
