// The forward prefix GEMM in reduced precision on AVX512-BF16 (`vdpbf16ps`): x and the weights rounded to bfloat16
// (round to nearest even, as VCVTNE2PS2BF16 does: subnormals to zero), products summed in float32, float32 results,
// bias, activations and outputs. An explicit option (MAFLOW_GEMM_PRECISION=bf16, or MAFLOW_GEMM_KERNEL=avx512bf16):
// see gemm.cc for its measured speed and quality. The backward GEMMs stay float32 (the avx512 ones).
//
// vdpbf16ps multiplies pairs: lane j of the accumulator gains a[2j]·b[2j] + a[2j+1]·b[2j+1]. So the reduction runs
// over pairs of k: A (x) is converted per call into rows of 32-bit pairs (x[r, 2p], x[r, 2p+1]), which the kernel
// broadcasts, and each B panel into [p][NR] pairs (w[j, 2p], w[j, 2p+1]) by converting its weight rows, then the
// float32 pack's 4×4 transposes on the 32-bit pairs. A pair past a column's prefix holds a zero weight (a masked
// weight is never read); its x partner is read, so an infinite x there gives NaN where float32 gives a number.
#include <immintrin.h>

#include <cstdint>

#include "gemm-isa.h"
#include "gemm-kernels.h"

#define MAFLOW_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx512bf16,avx2,fma")))

namespace maflow {
namespace gemm {
namespace {

thread_local Scratch bf16Scratch;  // converted weight rows of one panel, and the packed B of a whole call

constexpr int kPairBlock = 16;  // pairs converted per vector

static inline int roundUp(int value, int step) { return (value + step - 1) / step * step; }

// Pairs of floats [0, kLen) of `src` (0 past kLen, and all 0 when src is null) as bfloat16 pairs, into `dst`
// (kPairs, a multiple of kPairBlock, 32-bit pairs).
MAFLOW_TARGET static inline void convertPairs(const float* src, int kLen, uint32_t* dst, int kPairs) {
  for (int p = 0; p < kPairs; p += kPairBlock) {
    const int k = 2 * p;
    const int left = src == nullptr ? 0 : kLen - k;
    const __mmask16 lo = left >= 16 ? 0xffff : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
    const __mmask16 hi = left >= 32 ? 0xffff : left <= 16 ? 0 : static_cast<__mmask16>((1u << (left - 16)) - 1);
    const __m512 a = lo == 0 ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(lo, src + k);
    const __m512 b = hi == 0 ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(hi, src + k + 16);
    _mm512_storeu_si512(dst + p, (__m512i)_mm512_cvtne2ps_pbh(b, a));
  }
}

// Rows [m0, m1) of x (reduction [0, kNeed)) as pair rows of `stride` pairs, zero rows up to a whole MR block.
template <int MR>
MAFLOW_TARGET static inline const uint32_t* convertA(const Job& job, int m0, int m1, int stride) {
  const int rows = roundUp(m1 - m0, MR);
  uint32_t* a = reinterpret_cast<uint32_t*>(scratch.get(0, static_cast<size_t>(rows) * stride));
  for (int r = 0; r < rows; ++r) {
    const float* src = m0 + r < m1 ? job.a + static_cast<size_t>(m0 + r) * job.inDim : nullptr;
    convertPairs(src, job.kNeed, a + static_cast<size_t>(r) * stride, stride);
  }
  return a;
}

// The panel [n0, n0 + nr) as [p][W] pairs, p < pairs (W = NR, or 16 for a narrow last panel), `bp` 64-byte aligned.
template <int W>
MAFLOW_TARGET static inline void packPanel(const Job& job, int n0, int nr, int pairs, float* bp) {
  const int stride = roundUp(pairs, kPairBlock);
  uint32_t* rows = reinterpret_cast<uint32_t*>(bf16Scratch.get(0, static_cast<size_t>(nr) * stride));
  for (int c = 0; c < nr; ++c) {
    const int limit = job.prefix == nullptr ? job.inDim : job.prefix[n0 + c];
    convertPairs(job.b + static_cast<size_t>(n0 + c) * job.inDim, limit, rows + static_cast<size_t>(c) * stride, stride);
  }
  Job pairJob = job;  // the float32 pack transposes the pair rows as 32-bit words
  pairJob.b = reinterpret_cast<const float*>(rows);
  pairJob.inDim = stride;
  pairJob.prefix = nullptr;
  packForwardB<W>(pairJob, 0, nr, 0, pairs, bp);
}

template <int MR, int NV>
MAFLOW_TARGET static inline void microKernel(int pairs, const uint32_t* __restrict a, size_t lda,
                                             const float* __restrict bp, float* __restrict tile) {
  constexpr int NR = 16 * NV;
  __m512 acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  for (int p = 0; p < pairs; ++p) {
    __m512bh b[NV];
    for (int v = 0; v < NV; ++v) b[v] = (__m512bh)_mm512_load_si512(bp + p * NR + v * 16);
    for (int r = 0; r < MR; ++r) {
      const __m512bh av = (__m512bh)_mm512_set1_epi32(static_cast<int>(a[r * lda + p]));
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], av, b[v]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) _mm512_store_ps(tile + r * NR + v * 16, acc[r][v]);
}

// One packed panel over rows [mc0, mc1) (A converted from row mc0 on, `stride` pairs a row), reduction blocks of
// job.kc / 2 pairs.
template <int MR, int NV>
MAFLOW_TARGET static inline void panel(const Job& job, int mc0, int mc1, int n0, int nr, int k1, const float* bp,
                                       const uint32_t* a, int stride) {
  constexpr int NR = 16 * NV;
  alignas(64) float tile[MR * NR];
  const int pairs = (k1 + 1) / 2;
  if (pairs <= 0) {
    std::memset(tile, 0, sizeof(tile));
    for (int row0 = mc0; row0 < mc1; row0 += MR) storeTile<NR>(job, tile, row0, std::min(MR, mc1 - row0), n0, nr, true, true);
    return;
  }
  const int block = std::max(1, job.kc / 2);
  for (int p0 = 0; p0 < pairs; p0 += block) {
    const int pl = std::min(block, pairs - p0);
    for (int row0 = mc0; row0 < mc1; row0 += MR) {
      const uint32_t* ar = a + static_cast<size_t>(row0 - mc0) * stride + p0;
      if (nr <= 16) {
        microKernel<MR, 1>(pl, ar, stride, bp + static_cast<size_t>(p0) * 16, tile);
        storeTile<16>(job, tile, row0, std::min(MR, mc1 - row0), n0, nr, p0 == 0, p0 + pl >= pairs);
      } else {
        microKernel<MR, NV>(pl, ar, stride, bp + static_cast<size_t>(p0) * NR, tile);
        storeTile<NR>(job, tile, row0, std::min(MR, mc1 - row0), n0, nr, p0 == 0, p0 + pl >= pairs);
      }
    }
  }
}

// The panel of [n0, nEnd) starting at n0, laid out as the float32 path's (16-lane vectors).
static inline ForwardPanel panelAt(const Job& job, int n0, int nEnd, int nr) {
  return forwardPanelAt(job.prefix, job.inDim, n0, nEnd, 16, nr);
}

// Packs the panel of `nr` columns from n0 whose reduction ends at k1 (none when k1 = 0): a narrow one (≤ 16
// columns) at width 16, else at NR.
template <int NR>
MAFLOW_TARGET static inline void packPanelOf(const Job& job, int n0, int nr, int k1, float* bp) {
  const int pairs = (k1 + 1) / 2;
  if (pairs <= 0) return;
  if (nr <= 16) packPanel<16>(job, n0, nr, pairs, bp);
  else packPanel<NR>(job, n0, nr, pairs, bp);
}

template <int NV>
MAFLOW_TARGET void pack(const Job& job, int nBegin, int nEnd, float* bp) {
  constexpr int NR = 16 * NV;
  if (nEnd - nBegin <= kDotColumns) return;
  for (int n0 = nBegin; n0 < nEnd;) {
    const ForwardPanel shape = panelAt(job, n0, nEnd, NR);
    packPanelOf<NR>(job, n0, shape.nr, shape.k1, bp);
    bp += shape.floats;  // the float32 layout's offsets (packedFloatsFor), an upper bound
    n0 += shape.nr;
  }
}

template <int MR, int NV>
MAFLOW_TARGET void packed(const Job& job, int m0, int m1, int nBegin, int nEnd, const float* bp) {
  constexpr int NR = 16 * NV;
  if (m0 >= m1 || nBegin >= nEnd) return;
  if (nEnd - nBegin <= kDotColumns) {
    forwardDot<V16>(job, m0, m1, nBegin, nEnd);
    return;
  }
  const int stride = roundUp((std::max(job.kNeed, 1) + 1) / 2, kPairBlock);
  const int mcRows = std::max(MR, job.mc / MR * MR);
  for (int mc0 = m0; mc0 < m1; mc0 += mcRows) {
    const int mc1 = std::min(m1, mc0 + mcRows);
    const uint32_t* a = convertA<MR>(job, mc0, mc1, stride);
    const float* p = bp;
    for (int n0 = nBegin; n0 < nEnd;) {
      const ForwardPanel shape = panelAt(job, n0, nEnd, NR);
      panel<MR, NV>(job, mc0, mc1, n0, shape.nr, shape.k1, p, a, stride);
      p += shape.floats;
      n0 += shape.nr;
    }
  }
}

// Rows that fit one row block convert A once and pack each panel just before use; more rows pack B once.
template <int MR, int NV>
MAFLOW_TARGET void forward(const Job& job, int m0, int m1, int nBegin, int nEnd) {
  constexpr int NR = 16 * NV;
  if (m0 >= m1 || nBegin >= nEnd) return;
  if (nEnd - nBegin <= kDotColumns) {
    forwardDot<V16>(job, m0, m1, nBegin, nEnd);
    return;
  }
  if (m1 - m0 > std::max(MR, job.mc / MR * MR)) {
    float* bp = bf16Scratch.get(1, packedFloatsFor(job.prefix, job.inDim, nBegin, nEnd, 16, NR));
    pack<NV>(job, nBegin, nEnd, bp);
    packed<MR, NV>(job, m0, m1, nBegin, nEnd, bp);
    return;
  }
  const int stride = roundUp((std::max(job.kNeed, 1) + 1) / 2, kPairBlock);
  const uint32_t* a = convertA<MR>(job, m0, m1, stride);
  float* bp = bf16Scratch.get(1, static_cast<size_t>(NR) * stride);
  for (int n0 = nBegin; n0 < nEnd;) {
    const ForwardPanel shape = panelAt(job, n0, nEnd, NR);
    packPanelOf<NR>(job, n0, shape.nr, shape.k1, bp);
    panel<MR, NV>(job, m0, m1, n0, shape.nr, shape.k1, bp, a, stride);
    n0 += shape.nr;
  }
}

void backward(const Job& job, int m0, int m1, int n0, int n1) { kAvx512Kernels.backwards[0].block(job, m0, m1, n0, n1); }

// 32 zmm registers: MR·NV accumulators + NV panel vectors + 1 broadcast, as the float32 tiles. 8x32 first: 177–185
// GFLOP/s at the four block shapes of gemm.cc against 170–185 for 8x48 (1 thread, AMD EPYC Zen 4).
const ForwardTile kTiles[] = {
    {"8x32", 8, 32, 16, 512, forward<8, 2>, pack<2>, packed<8, 2>},
    {"8x48", 8, 48, 16, 512, forward<8, 3>, pack<3>, packed<8, 3>},
};

const BackwardTile kBackwardTiles[] = {{8, 32, 16, backward}};  // avx512's zmm 8x32

}  // namespace

const IsaKernels kAvx512Bf16Kernels = {"avx512bf16", kBackwardTiles, 1, kTiles, sizeof(kTiles) / sizeof(kTiles[0]),
                                       nullptr};

}  // namespace gemm
}  // namespace maflow
