// The prefix GEMM kernels instantiated for AVX-512: backward 8×32 and 6×32, forward tiles of 16- and 8-float vectors.
// The target attribute (not a per-file -m flag) keeps the build one set of flags for node-gyp.
#include "gemm-isa.h"
#define MAFLOW_VECTOR_REGISTERS 32  // AVX-512 (also for its ymm tiles: AVX-512VL gives 32 ymm registers)
#include "gemm-kernels.h"

#define MAFLOW_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))

namespace maflow {
namespace gemm {
namespace {

template <typename V, typename VN, int MR, int NV>
MAFLOW_TARGET void backward(const Job& job, int m0, int m1, int n0, int n1) {
  backwardBlock<V, VN, MR, NV>(job, m0, m1, n0, n1);
}

template <typename V, int MR, int NV>
MAFLOW_TARGET void forward(const Job& job, int m0, int m1, int n0, int n1) {
  forwardBlock<V, MR, NV>(job, m0, m1, n0, n1);
}

template <typename V, int NV>
MAFLOW_TARGET void pack(const Job& job, int n0, int n1, float* bp) {
  forwardPack<V, NV>(job, n0, n1, bp);
}

template <typename V, int MR, int NV>
MAFLOW_TARGET void packed(const Job& job, int m0, int m1, int n0, int n1, const float* bp) {
  forwardPacked<V, MR, NV>(job, m0, m1, n0, n1, bp);
}

template <typename V, int NJ, int RV>
MAFLOW_TARGET void lanes(const LanesJob& job) {
  lanesForward<V, NJ, RV>(job);
}

// 32 vector registers: MR·NV accumulators + NV panel vectors + 1 broadcast. The zmm tiles (16-float vectors) first;
// then tiles of 8-float ymm vectors, which AVX-512VL also gives 32 registers: the tiles of CPUs whose 512-bit FMAs
// run as two 256-bit halves (AMD Zen 4), where a zmm tile has no more multiply-adds per cycle but a panel twice as
// wide, and fell to 70–80 % of OpenBLAS at [100, 1024]·[1024, 1024] where ymm 4x24 stays at 95 % (gemm.cc).
// The last two numbers of a tile are the sampler's rows-in-lanes kernel: 8x48 (the default off Zen 4) takes 6 units ×
// 4 zmm row vectors, a whole 64-row block (staircase.cc), so each weight is broadcast once per block and 6 broadcasts
// feed 24 FMAs. Against 8 units × 2 vectors, Intel Emerald Rapids, 2 threads, 2000 samples, minimum of 15 calls over 3
// alternated processes (noisy 2-core VM): miniboone 29.9 against 33.9 ms, bsds300 89.7 against 99.1, power 2.7 against
// 3.2, hepmass equal (25.0, 25.2); 12 units × 2 vectors was no better than 8 × 2.
const ForwardTile kTiles[] = {
    {"8x48", 8, 48, 16, 512, forward<V16, 8, 3>, pack<V16, 3>, packed<V16, 8, 3>, lanes<V16, 6, 4>, 6},
    {"4x64", 4, 64, 16, 512, forward<V16, 4, 4>, pack<V16, 4>, packed<V16, 4, 4>, lanes<V16, 8, 2>, 8},
    {"8x32", 8, 32, 16, 512, forward<V16, 8, 2>, pack<V16, 2>, packed<V16, 8, 2>, lanes<V16, 8, 2>, 8},
    {"4x24", 4, 24, 8, 512, forward<V8, 4, 3>, pack<V8, 3>, packed<V8, 4, 3>, lanes<V8, 6, 4>, 6},
    {"8x24", 8, 24, 8, 512, forward<V8, 8, 3>, pack<V8, 3>, packed<V8, 8, 3>, lanes<V8, 6, 4>, 6},
};

// The backward tiles: zmm 8x32 for the zmm forward tiles; ymm 6x32 (24 accumulators) for the ymm ones, the Zen 4
// default. At a miniboone MADE (D = 43, [512, 512], batch 100), 1 thread, AMD EPYC Zen 4, the 5 MADEs' backward GEMMs
// (minimum of 100 rounds interleaved in one process, loaded 2-core VM) took 4.18 ms with ymm 6x32 against 4.56 with zmm
// 8x32, 4.33 with ymm 4x24, 4.28 with ymm 8x24 and 4.35 with zmm 4x48; at bsds300's (D = 63, [1024, 1024]) 17.2 ms
// against 19.2 (ymm 8x24 17.8).
const BackwardTile kBackwardTiles[] = {
    {8, 32, 16, backward<V16, V8, 8, 2>},
    {6, 32, 8, backward<V8, V4, 6, 4>},
};

}  // namespace

const IsaKernels kAvx512Kernels = {"avx512", kBackwardTiles, 2, kTiles, sizeof(kTiles) / sizeof(kTiles[0]), "4x24"};

}  // namespace gemm
}  // namespace maflow
