// Register-blocked prefix GEMM. C[M, N] = A[M, K] · B[K, N] with three readings of the operands:
//   forward          M = batch,  K = inDim,  N = outDim   A = x,      B = wᵀ (column j masked to k < prefix[j])
//   backward input   M = batch,  K = outDim, N = inDim    A = dOut,   B = w  (row j masked to n < prefix[j])
//   backward weight  M = outDim, K = batch,  N = inDim    A = dOutᵀ,  B = x  (row m of C stored for n < prefix[m])
// A is read in place (forward: x rows; backward input: dOut rows; backward weight: dOut, whose rows hold the MR rows
// of one k contiguously); only a tail block of fewer than MR rows is copied. B is packed into zero-padded panels of
// NR columns ([k][NR]), or narrower panels for the last few columns, that hold only unmasked weights, so the masked
// part of w is never read. A panel's reduction range is the union of its columns' ranges (forward: [0, max prefix);
// backward input: the suffix of outputs reading the panel's first input), which skips the zero blocks of the staircase.
// The MR×NR accumulators live in vector registers.
//
// This header holds the templated kernels; each gemm-<isa>.cc includes it and instantiates them for one instruction
// set, so that the three instantiations compile in parallel (they were one translation unit of ~110 s): the backward
// GEMMs once, the forward GEMM once per register tile of the ISA's table (gemm-isa.h).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "gemm-job.h"

// Vector registers of the instruction set the including translation unit compiles for (gemm-avx512.cc: 32).
#ifndef MAFLOW_VECTOR_REGISTERS
#define MAFLOW_VECTOR_REGISTERS 16
#endif

namespace maflow {
namespace gemm {
namespace {

thread_local Scratch scratch;  // per translation unit, so per ISA: only the active one ever grows

// Software prefetch into L2 of a block of rows (`stride` floats apart; of row r the first lengths[r] floats, or
// `floats` of every row), `perTile` cache lines per call of issue(), so that the lines arrive while the current panels
// compute. The forward and backward-input GEMMs read the next panels' weights this way: a training step's weights (a
// miniboone MAF's 6.6 MB) do not stay in cache between steps, and packing a panel straight from memory stalled the
// multiply-adds on every row.
struct RowPrefetch {
  const char* base = nullptr;
  size_t stride = 0;  // bytes
  const int32_t* lengths = nullptr;
  int floats = 0, rows = 0, row = 0, line = 0, perTile = 0;
  RowPrefetch() = default;
  RowPrefetch(const float* first, size_t strideFloats, int rowCount, int rowFloats, const int32_t* rowLengths = nullptr)
      : base(reinterpret_cast<const char*>(first)), stride(strideFloats * sizeof(float)), lengths(rowLengths),
        floats(rowFloats), rows(rowCount) {}
  // Rows need not start on a line: one line more than the bytes span, the last address clamped to the row's end.
  int linesOf(int r) const {
    const int n = lengths == nullptr ? floats : lengths[r];
    return n <= 0 ? 0 : static_cast<int>((n * sizeof(float) + 63) / 64) + 1;
  }
  int total() const {
    int sum = 0;
    for (int r = 0; r < rows; ++r) sum += linesOf(r);
    return sum;
  }
  // Spreads the lines over `tiles` calls of issue().
  void spread(int tiles) { perTile = tiles <= 0 ? 0 : (total() + tiles - 1) / tiles; }
  MAFLOW_INLINE void issue() {
    for (int count = perTile; count > 0 && row < rows; --count) {
      const int lines = linesOf(row);
      if (lines == 0) {
        ++row, line = 0;
        continue;
      }
      const size_t bytes = sizeof(float) * (lengths == nullptr ? floats : lengths[row]);
      __builtin_prefetch(base + row * stride + std::min(static_cast<size_t>(line) * 64, bytes - 1), 0, 2);
      if (++line == lines) line = 0, ++row;
    }
  }
};

// The reduction range [k0, k1) of the panel of columns [n0, n0 + nr).
static MAFLOW_INLINE void panelRange(const Job& job, int n0, int nr, int* k0, int* k1) {
  const int32_t* prefix = job.prefix;
  switch (job.mode) {
    case Mode::Forward:
      *k0 = 0;
      *k1 = prefix == nullptr ? job.inDim : prefix[n0 + nr - 1];
      break;
    case Mode::BackwardInput:
      // Outputs j with prefix[j] > n0 read some input of the panel: a suffix, since prefix is non-decreasing.
      *k0 = prefix == nullptr ? 0 : static_cast<int>(std::upper_bound(prefix, prefix + job.outDim, n0) - prefix);
      *k1 = job.outDim;
      break;
    default:
      *k0 = 0;
      *k1 = job.batch;
  }
}

typedef int I4 __attribute__((vector_size(16)));

// The forward B panel: the weight rows n0 .. n0 + nr − 1 (contiguous in k) transposed into [k - k0][NR], in blocks of
// 16 reductions whose destination (16 × NR floats) stays in L1, by 4×4 register transposes where four columns hold
// weights (scalars at the staircase's edges, zeros past a column's prefix and in padding columns). Copying column by
// column over the whole reduction missed L1 on every store (a 48-column panel of K = 512 is 96 KB) and made packing
// ~20 % of a dense [100, 512]·[512, 512] GEMM. `pad` > 0 puts the nr columns in the panel's last lanes, after `pad`
// padding lanes (forwardPanel's right-aligned narrow panels, see there); 0 puts them first.
template <int NR>
static MAFLOW_INLINE void packForwardB(const Job& job, int n0, int nr, int k0, int k1, float* __restrict bp,
                                       int pad = 0) {
  const int inDim = job.inDim;
  int limit[NR];  // weights of lane c are k < limit[c]; lane c holds column n0 + c − pad
  for (int c = 0; c < NR; ++c) {
    limit[c] = c < pad || c >= pad + nr ? 0 : job.prefix == nullptr ? inDim : job.prefix[n0 + c - pad];
  }
  const float* w = job.b + static_cast<size_t>(n0) * inDim;  // lane c: w + (c − pad)·inDim, read for columns only
  for (int kb = k0; kb < k1; kb += 16) {
    const int ke = std::min(k1, kb + 16);
    // Zeros past a column's prefix and in padding columns: the whole block at once where it has any (column by column
    // they were scalar stores NR floats apart, ~4 % of a small MADE's forward).
    if (std::min(limit[0], limit[NR - 1]) < ke) {
      std::memset(bp + static_cast<size_t>(kb - k0) * NR, 0, sizeof(float) * NR * (ke - kb));
    }
    for (int c = 0; c < NR; c += 4) {
      int k = kb;
      // Prefixes are non-decreasing, so column c has the fewest weights of the four (padding lanes before the columns
      // have none; after them, the four are not all columns).
      const int full = c >= pad && c + 4 <= pad + nr ? std::min(limit[c], ke) : kb;
      for (; k + 4 <= full; k += 4) {
        V4 r[4];
        for (int i = 0; i < 4; ++i) std::memcpy(&r[i], w + static_cast<ptrdiff_t>(c + i - pad) * inDim + k, sizeof(V4));
        const V4 t0 = __builtin_shuffle(r[0], r[1], I4{0, 4, 1, 5});
        const V4 t1 = __builtin_shuffle(r[0], r[1], I4{2, 6, 3, 7});
        const V4 t2 = __builtin_shuffle(r[2], r[3], I4{0, 4, 1, 5});
        const V4 t3 = __builtin_shuffle(r[2], r[3], I4{2, 6, 3, 7});
        const V4 o[4] = {__builtin_shuffle(t0, t2, I4{0, 1, 4, 5}), __builtin_shuffle(t0, t2, I4{2, 3, 6, 7}),
                         __builtin_shuffle(t1, t3, I4{0, 1, 4, 5}), __builtin_shuffle(t1, t3, I4{2, 3, 6, 7})};
        for (int i = 0; i < 4; ++i) std::memcpy(bp + static_cast<size_t>(k - k0 + i) * NR + c, &o[i], sizeof(V4));
      }
      for (int i = 0; i < 4; ++i) {
        const int valid = std::min(limit[c + i], ke);
        if (k >= valid) continue;
        const float* src = w + static_cast<ptrdiff_t>(c + i - pad) * inDim;
        for (int kk = k; kk < valid; ++kk) bp[static_cast<size_t>(kk - k0) * NR + c + i] = src[kk];
      }
    }
  }
}

// Packs B for the panel [n0, n0 + nr), reduction indices [k0, k1), as [k - k0][NR], masked entries and padding 0
// (forward: a panel narrower than NR right-aligned, see forwardPanel).
template <int NR>
static MAFLOW_INLINE void packB(const Job& job, int n0, int nr, int k0, int k1, float* __restrict bp) {
  const int32_t* prefix = job.prefix;
  const int inDim = job.inDim;
  if (job.mode == Mode::Forward) {
    packForwardB<NR>(job, n0, nr, k0, k1, bp, NR - nr);
    return;
  }
  for (int k = k0; k < k1; ++k) {
    float* dst = bp + static_cast<size_t>(k - k0) * NR;
    const float* src = job.b + static_cast<size_t>(k) * inDim + n0;
    int valid = nr;
    if (job.mode == Mode::BackwardInput && prefix != nullptr) valid = std::max(0, std::min(nr, prefix[k] - n0));
    // A whole row as one fixed-size copy (vector moves): GCC turned the loops below into calls of memcpy and memset
    // per row, 8 % of a miniboone training step's samples.
    if (valid == NR) {
      std::memcpy(dst, src, sizeof(float) * NR);
      continue;
    }
    int c = 0;
    for (; c < valid; ++c) dst[c] = src[c];
    for (; c < NR; ++c) dst[c] = 0.0f;
  }
}

template <Act A, int NR>
static MAFLOW_INLINE void storeForward(const Job& job, const float* tile, int row0, int rows, int n0, int nr,
                                       bool first, bool last) {
  for (int r = 0; r < rows; ++r) {
    float* out = job.c + static_cast<size_t>(row0 + r) * job.outDim + n0;
    const float* t = tile + r * NR;
    if (first && !job.accumulate) {
      if (job.bias != nullptr) {
        for (int c = 0; c < nr; ++c) out[c] = t[c] + job.bias[n0 + c];
      } else {
        for (int c = 0; c < nr; ++c) out[c] = t[c];
      }
    } else {
      for (int c = 0; c < nr; ++c) out[c] += t[c];
    }
    if (last && A != Act::Identity) {
      for (int c = 0; c < nr; ++c) out[c] = activate<A>(out[c]);
    }
  }
}

template <int NR>
static MAFLOW_INLINE void storeTile(const Job& job, const float* tile, int row0, int rows, int n0, int nr,
                                    bool first, bool last) {
  switch (job.mode) {
    case Mode::Forward:
      switch (job.act) {
        case Act::Relu: storeForward<Act::Relu, NR>(job, tile, row0, rows, n0, nr, first, last); break;
        case Act::Tanh: storeForward<Act::Tanh, NR>(job, tile, row0, rows, n0, nr, first, last); break;
        case Act::Elu: storeForward<Act::Elu, NR>(job, tile, row0, rows, n0, nr, first, last); break;
        case Act::Sigmoid: storeForward<Act::Sigmoid, NR>(job, tile, row0, rows, n0, nr, first, last); break;
        case Act::Softplus: storeForward<Act::Softplus, NR>(job, tile, row0, rows, n0, nr, first, last); break;
        case Act::Identity: storeForward<Act::Identity, NR>(job, tile, row0, rows, n0, nr, first, last); break;
      }
      break;
    case Mode::BackwardInput:
      for (int r = 0; r < rows; ++r) {
        float* out = job.c + static_cast<size_t>(row0 + r) * job.inDim + n0;
        const float* t = tile + r * NR;
        if (first && !job.accumulate) {
          for (int c = 0; c < nr; ++c) out[c] = t[c];
        } else {
          for (int c = 0; c < nr; ++c) out[c] += t[c];
        }
      }
      break;
    case Mode::BackwardWeight:
      for (int r = 0; r < rows; ++r) {
        float* out = job.c + static_cast<size_t>(row0 + r) * job.inDim + n0;
        const float* t = tile + r * NR;
        const int valid = job.prefix == nullptr ? nr : std::max(0, std::min(nr, job.prefix[row0 + r] - n0));
        if (first && !job.accumulate) {
          for (int c = 0; c < valid; ++c) out[c] = t[c];
        } else {
          for (int c = 0; c < valid; ++c) out[c] += t[c];
        }
      }
      break;
  }
}

template <typename V>
static MAFLOW_INLINE V loadu(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}

template <typename V>
static MAFLOW_INLINE float horizontalSum(V v) {
  float s = 0.0f;
  for (int i = 0; i < static_cast<int>(sizeof(V) / sizeof(float)); ++i) s += v[i];
  return s;
}

static MAFLOW_INLINE float applyAct(Act act, float v) {
  switch (act) {
    case Act::Relu: return activate<Act::Relu>(v);
    case Act::Tanh: return activate<Act::Tanh>(v);
    case Act::Elu: return activate<Act::Elu>(v);
    case Act::Sigmoid: return activate<Act::Sigmoid>(v);
    case Act::Softplus: return activate<Act::Softplus>(v);
    default: return v;
  }
}

// Forward micro-kernel reading A in place (rows `lda` apart, contiguous in k): the forward A is x itself, so packing
// it (a transposing copy of batch × k floats per call) would cost as much as the multiply-adds of a narrow panel.
// The register tile of both forward micro-kernels: acc[r][v] = Σ_{k < kEnd[v]} a[r, k] · panel[k, v] (inlined, so acc
// stays in registers). Each vector of the panel stops at its own last column's prefix (kEnd non-decreasing): a
// staircase panel spans several degrees, and running every vector to the panel's longest prefix multiplied zeros
// (13 % of the multiply-adds of a [100 → 100] MADE layer of D = 6). Each vector's sum runs over k in the same
// order as before, only without the zero terms.
template <typename V, int MR, int NV, int S>
static MAFLOW_INLINE void accumulateSegment(const int* kEnd, const float* __restrict a, size_t lda,
                                            const float* __restrict bp, V (&acc)[MR][NV]) {
  constexpr int VL = sizeof(V) / sizeof(float);
  constexpr int NR = VL * NV;
  for (int k = S == 0 ? 0 : kEnd[S - 1]; k < kEnd[S]; ++k) {
    V bv[NV];
    for (int v = S; v < NV; ++v) bv[v] = *reinterpret_cast<const V*>(bp + k * NR + v * VL);
    for (int r = 0; r < MR; ++r) {
      // `x − 0` is x for every float, so this compiles to one broadcasting load; `V{} + x` (not x for x = −0) was a
      // move, a scalar add and a broadcast from a register, on a pipe the FMAs need (avx2 6x16 ran at 65 % of peak).
      const V av = a[r * lda + k] - V{};
      for (int v = S; v < NV; ++v) acc[r][v] += av * bv[v];
    }
  }
  if constexpr (S + 1 < NV) accumulateSegment<V, MR, NV, S + 1>(kEnd, a, lda, bp, acc);
}

// Phase S of accumulateRows on 16 registers: the sums of vectors [S, NV) continue over k in [kEnd[S − 1], kEnd[S])
// from their values in `tile` (phase 0 starts them at 0), and go back to `tile`. The memory barrier ends the phase's
// register live ranges, so that each phase holds only its own accumulators.
template <typename V, int MR, int NV, int S>
static MAFLOW_INLINE void accumulatePhase(const int* kEnd, const float* __restrict a, size_t lda,
                                          const float* __restrict bp, float* tile) {
  constexpr int VL = sizeof(V) / sizeof(float);
  constexpr int NR = VL * NV;
  constexpr int W = NV - S;
  V acc[MR][W];
  for (int r = 0; r < MR; ++r)
    for (int w = 0; w < W; ++w) acc[r][w] = S == 0 ? V{} : *reinterpret_cast<const V*>(tile + r * NR + (S + w) * VL);
  for (int k = S == 0 ? 0 : kEnd[S - 1]; k < kEnd[S]; ++k) {
    V bv[W];
    for (int w = 0; w < W; ++w) bv[w] = *reinterpret_cast<const V*>(bp + k * NR + (S + w) * VL);
    for (int r = 0; r < MR; ++r) {
      const V av = a[r * lda + k] - V{};  // one broadcasting load (see accumulateSegment)
      for (int w = 0; w < W; ++w) acc[r][w] += av * bv[w];
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int w = 0; w < W; ++w) *reinterpret_cast<V*>(tile + r * NR + (S + w) * VL) = acc[r][w];
  asm volatile("" ::: "memory");
  if constexpr (S + 1 < NV) accumulatePhase<V, MR, NV, S + 1>(kEnd, a, lda, bp, tile);
}

// Panels whose vectors' reduction ends differ by fewer steps than this run every vector to the block's end: a
// phase's stores and loads of the tile cost about as much as that many steps of multiply-adds by zero weights.
constexpr int kMinPhaseSteps = 8;

// The segments need a few registers beyond the tile's: with 16 (AVX2: the 4x24 tile's 12 accumulators, 3 panel
// vectors and a broadcast fill them) GCC spilled an accumulator and the [100 → 100] forward took twice as long. There
// the vectors run in phases instead (accumulatePhase: the same additions in the same order, each vector stopping at
// its own end), or, where their ends are close, all to the block's end `kc` as before. Running every vector to the
// panel's end multiplied zeros: at the paper's MAF sizes, 4x24 tiles, 10 % of a miniboone MADE's multiply-adds (47 %
// in its [512 → 86] output layer) and 49 % of a power MADE's, against 2 % and 14 % stopping per vector.
template <typename V, int MR, int NV>
static MAFLOW_INLINE void accumulateRows(const int* kEnd, int kc, const float* __restrict a, size_t lda,
                                         const float* __restrict bp, V (&acc)[MR][NV]) {
  constexpr int VL = sizeof(V) / sizeof(float);
  constexpr int NR = VL * NV;
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = V{};
  if constexpr (MAFLOW_VECTOR_REGISTERS >= 32) {
    accumulateSegment<V, MR, NV, 0>(kEnd, a, lda, bp, acc);
    return;
  }
  if (NV > 1 && kEnd[NV - 1] - kEnd[0] >= kMinPhaseSteps) {
    alignas(64) float tile[MR * NR];
    accumulatePhase<V, MR, NV, 0>(kEnd, a, lda, bp, tile);
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) acc[r][v] = *reinterpret_cast<const V*>(tile + r * NR + v * VL);
    return;
  }
  for (int k = 0; k < kc; ++k) {
    V bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = *reinterpret_cast<const V*>(bp + k * NR + v * VL);
    for (int r = 0; r < MR; ++r) {
      const V av = a[r * lda + k] - V{};  // one broadcasting load (see accumulateSegment)
      for (int v = 0; v < NV; ++v) acc[r][v] += av * bv[v];
    }
  }
}

template <typename V, int MR, int NV>
static MAFLOW_INLINE void microKernelRows(const int* kEnd, int kc, const float* __restrict a, size_t lda,
                                          const float* __restrict bp, float* __restrict tile) {
  constexpr int VL = sizeof(V) / sizeof(float);
  constexpr int NR = VL * NV;
  V acc[MR][NV];
  accumulateRows<V, MR, NV>(kEnd, kc, a, lda, bp, acc);
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) *reinterpret_cast<V*>(tile + r * NR + v * VL) = acc[r][v];
}

// microKernelRows with the epilogue fused for a full tile whose reduction fits one block: out = act(init + acc)
// straight from the registers (init: bias, 0 or the old output); relu and identity only.
template <typename V, int MR, int NV, bool Relu>
static MAFLOW_INLINE void microKernelRowsStore(const Job& job, const int* kEnd, int kc, const float* __restrict a,
                                               size_t lda, const float* __restrict bp, int row0, int n0) {
  constexpr int VL = sizeof(V) / sizeof(float);
  V acc[MR][NV];
  accumulateRows<V, MR, NV>(kEnd, kc, a, lda, bp, acc);
  V init[NV] = {};  // read only when not accumulating; initialised so the compiler sees no maybe-uninitialized path
  if (!job.accumulate) {
    for (int v = 0; v < NV; ++v) init[v] = job.bias != nullptr ? loadu<V>(job.bias + n0 + v * VL) : V{};
  }
  for (int r = 0; r < MR; ++r) {
    float* out = job.c + static_cast<size_t>(row0 + r) * job.outDim + n0;
    for (int v = 0; v < NV; ++v) {
      V y = acc[r][v] + (job.accumulate ? loadu<V>(out + v * VL) : init[v]);
      if (Relu) y = y > V{} ? y : V{};
      std::memcpy(out + v * VL, &y, sizeof(V));
    }
  }
}

typedef int I16 __attribute__((vector_size(64)));

// Sums of 8 accumulators of 16 lanes by a transposing tree (14 shuffles and 7 adds instead of 8 lane-by-lane sums).
static MAFLOW_INLINE void reduce8(const V16 acc[8], float sums[8]) {
  V16 p[4], r[2];
  for (int i = 0; i < 4; ++i) {
    p[i] = __builtin_shuffle(acc[2 * i], acc[2 * i + 1], I16{0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23}) +
           __builtin_shuffle(acc[2 * i], acc[2 * i + 1], I16{8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31});
  }
  for (int i = 0; i < 2; ++i) {
    r[i] = __builtin_shuffle(p[2 * i], p[2 * i + 1], I16{0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27}) +
           __builtin_shuffle(p[2 * i], p[2 * i + 1], I16{4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31});
  }
  const V16 t = __builtin_shuffle(r[0], r[1], I16{0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29}) +
                __builtin_shuffle(r[0], r[1], I16{2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31});
  const V16 u = __builtin_shuffle(t, I16{0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14}) +
                __builtin_shuffle(t, I16{1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15});
  for (int i = 0; i < 8; ++i) sums[i] = u[i];
}

// Dot products of RB rows of x with NC weight rows over [0, kLen), vectorised along k; into sums[r][c].
template <typename V, int RB, int NC>
static MAFLOW_INLINE void dotTile(int kLen, const float* __restrict x, size_t ldx, const float* __restrict w,
                                  size_t ldw, float sums[RB][NC]) {
  constexpr int VL = sizeof(V) / sizeof(float);
  V acc[RB][NC];
  for (int r = 0; r < RB; ++r)
    for (int c = 0; c < NC; ++c) acc[r][c] = V{};
  int k = 0;
  for (; k + VL <= kLen; k += VL) {
    V wv[NC];
    for (int c = 0; c < NC; ++c) wv[c] = loadu<V>(w + c * ldw + k);
    for (int r = 0; r < RB; ++r) {
      const V xv = loadu<V>(x + r * ldx + k);
      for (int c = 0; c < NC; ++c) acc[r][c] += xv * wv[c];
    }
  }
  // The last partial vector re-reads the last VL valid entries [kLen − VL, kLen) (never a masked weight nor past a
  // row) and zeroes the lanes already summed. Shorter rows (kLen < VL) finish with scalars below.
  const int tail = k < kLen && kLen >= VL ? kLen - VL : -1;
  if (tail >= 0) {
    V lane;
    for (int i = 0; i < VL; ++i) lane[i] = static_cast<float>(i);
    const V cut = V{} + static_cast<float>(k - tail);
    V wv[NC];
    for (int c = 0; c < NC; ++c) wv[c] = lane >= cut ? loadu<V>(w + c * ldw + tail) : V{};
    for (int r = 0; r < RB; ++r) {
      const V xv = loadu<V>(x + r * ldx + tail);
      for (int c = 0; c < NC; ++c) acc[r][c] += xv * wv[c];
    }
    k = kLen;
  }
  if constexpr (sizeof(V) == 64 && RB * NC == 8) {
    float flat[8];
    reduce8(&acc[0][0], flat);
    for (int r = 0; r < RB; ++r)
      for (int c = 0; c < NC; ++c) sums[r][c] = flat[r * NC + c];
  } else {
    for (int r = 0; r < RB; ++r)
      for (int c = 0; c < NC; ++c) sums[r][c] = horizontalSum(acc[r][c]);
  }
  for (int r = 0; r < RB; ++r)
    for (int c = 0; c < NC; ++c)
      for (int kk = k; kk < kLen; ++kk) sums[r][c] += x[r * ldx + kk] * w[c * ldw + kk];
}

template <typename V, int RB, int NC>
static MAFLOW_INLINE void dotRows(const Job& job, int row0, int j, int kLen) {
  float sums[RB][NC];
  dotTile<V, RB, NC>(kLen, job.a + static_cast<size_t>(row0) * job.inDim, job.inDim,
                     job.b + static_cast<size_t>(j) * job.inDim, job.inDim, sums);
  for (int r = 0; r < RB; ++r) {
    float* out = job.c + static_cast<size_t>(row0 + r) * job.outDim + j;
    for (int c = 0; c < NC; ++c) {
      const float init = job.accumulate ? out[c] : job.bias != nullptr ? job.bias[j + c] : 0.0f;
      out[c] = applyAct(job.act, init + sums[r][c]);
    }
  }
}

template <typename V, int NC>
static MAFLOW_INLINE void dotColumns(const Job& job, int m0, int m1, int j, int kLen) {
  int row = m0;
  for (; row + 4 <= m1; row += 4) dotRows<V, 4, NC>(job, row, j, kLen);
  for (; row < m1; ++row) dotRows<V, 1, NC>(job, row, j, kLen);
}

// Forward over at most kDotColumns output columns (the staircase sampler's output layer: P columns per feature):
// one dot product per (row, column) along the contiguous k of both x and w, so no lane computes a padding column.
template <typename V>
static MAFLOW_INLINE void forwardDot(const Job& job, int m0, int m1, int nBegin, int nEnd) {
  for (int j = nBegin; j < nEnd;) {
    const int kj = job.prefix == nullptr ? job.inDim : job.prefix[j];
    if (j + 1 < nEnd && (job.prefix == nullptr || job.prefix[j + 1] == kj)) {
      dotColumns<V, 2>(job, m0, m1, j, kj);
      j += 2;
    } else {
      dotColumns<V, 1>(job, m0, m1, j, kj);
      j += 1;
    }
  }
}

template <int VL, int NR>
static size_t forwardPackedFloats(const int32_t* prefix, int inDim, int nBegin, int nEnd) {
  return packedFloatsFor(prefix, inDim, nBegin, nEnd, VL, NR);
}

// Packs the masked weights of forward columns [nBegin, nEnd) into `bp` (64-byte aligned) as forwardPackedFloats says.
template <typename V, int NV>
static MAFLOW_INLINE void forwardPack(const Job& job, int nBegin, int nEnd, float* bp) {
  constexpr int VL = static_cast<int>(sizeof(V) / sizeof(float));
  constexpr int NR = VL * NV;
  const int32_t* prefix = job.prefix;
  float* dst = bp;
  for (int n0 = nBegin; n0 < nEnd;) {
    const ForwardPanel panel = forwardPanelAt(prefix, job.inDim, n0, nEnd, VL, NR);
    if (panel.nr <= VL) {
      packB<VL>(job, n0, panel.nr, 0, panel.k1, dst);
    } else {
      packB<NR>(job, n0, panel.nr, 0, panel.k1, dst);
    }
    dst += panel.floats;
    n0 += panel.nr;
  }
}

// The tail block [tailRow0, m1) of fewer than MR rows, copied zero-padded (MR rows of kNeed floats) so that the
// kernel never reads past x; null when there is none.
template <int MR>
static MAFLOW_INLINE float* forwardTailA(const Job& job, int m1, int tailRow0, int kNeed) {
  if (tailRow0 >= m1) return nullptr;
  float* tailA = scratch.get(0, static_cast<size_t>(MR) * kNeed);
  for (int r = 0; r < MR; ++r) {
    float* dst = tailA + static_cast<size_t>(r) * kNeed;
    if (tailRow0 + r < m1) {
      std::memcpy(dst, job.a + static_cast<size_t>(tailRow0 + r) * job.inDim, sizeof(float) * job.kNeed);
    } else {
      std::memset(dst, 0, sizeof(float) * kNeed);
    }
  }
  return tailA;
}

// One packed panel (columns [n0, n0 + nr), reduction [0, k1), `panel` as packB wrote it) over rows [mc0, mc1):
// the reduction in blocks of job.kc, each block's MR×NR tile in registers; a panel whose reduction fits one block
// stores its tile straight from the registers (relu and identity). A panel narrower than its width (the last of a
// range) holds its columns in its last lanes, after its padding lanes: with per-vector reductions (accumulateSegment)
// a vector of padding only then runs over no input, and padding lanes beside columns only as far as those columns'
// prefix. Padded last, a miniboone output layer (86 columns: 3 panels of 24, then 14) ran a vector of 8 padding lanes
// over all 512 inputs: 14 % of the layer's multiply-adds.
template <typename V, int MR, int NV>
static MAFLOW_INLINE void forwardPanel(const Job& job, int mc0, int mc1, int n0, int nr, int k1, const float* panel,
                                       int tailRow0, const float* tailA, int kNeed, RowPrefetch* next) {
  constexpr int VL = static_cast<int>(sizeof(V) / sizeof(float));
  constexpr int NR = VL * NV;
  alignas(64) float tile[MR * NR];
  const bool narrow = nr <= VL;
  if (k1 <= 0) {
    std::memset(tile, 0, sizeof(tile));
    for (int row0 = mc0; row0 < mc1; row0 += MR) {
      storeTile<NR>(job, tile, row0, std::min(MR, mc1 - row0), n0, nr, true, true);
    }
    return;
  }
  // Lane c holds column n0 + c − pad. Each vector's reduction: up to its last column's prefix (0 for padding only).
  const int pad = (narrow ? VL : NR) - nr;
  int vectorK1[NV];
  for (int v = 0; v < NV; ++v) {
    const int last = (v + 1) * VL - 1 - pad;
    vectorK1[v] = last < 0 ? 0 : job.prefix == nullptr ? job.inDim : job.prefix[n0 + last];
  }
  for (int kc = 0; kc < k1; kc += job.kc) {
    const int kl = std::min(job.kc, k1 - kc);
    const bool first = kc == 0;
    const bool last = kc + kl >= k1;
    int kEnd[NV];
    for (int v = 0; v < NV; ++v) kEnd[v] = std::min(kl, std::max(0, vectorK1[v] - kc));
    const int narrowEnd[1] = {kl};
    for (int row0 = mc0; row0 < mc1; row0 += MR) {
      const int rows = std::min(MR, mc1 - row0);
      const bool tail = row0 >= tailRow0;
      const float* a = tail ? tailA + kc : job.a + static_cast<size_t>(row0) * job.inDim + kc;
      const size_t lda = tail ? static_cast<size_t>(kNeed) : static_cast<size_t>(job.inDim);
      const bool fused = first && last && rows == MR && (job.act == Act::Relu || job.act == Act::Identity);
      if (next != nullptr) next->issue();
      if (fused && nr == VL) {
        if (job.act == Act::Relu) {
          microKernelRowsStore<V, MR, 1, true>(job, narrowEnd, kl, a, lda, panel, row0, n0);
        } else {
          microKernelRowsStore<V, MR, 1, false>(job, narrowEnd, kl, a, lda, panel, row0, n0);
        }
      } else if (fused && nr == NR) {
        if (job.act == Act::Relu) {
          microKernelRowsStore<V, MR, NV, true>(job, kEnd, kl, a, lda, panel, row0, n0);
        } else {
          microKernelRowsStore<V, MR, NV, false>(job, kEnd, kl, a, lda, panel, row0, n0);
        }
      } else if (narrow) {
        microKernelRows<V, MR, 1>(narrowEnd, kl, a, lda, panel + static_cast<size_t>(kc) * VL, tile);
        storeTile<VL>(job, tile + pad, row0, rows, n0, nr, first, last);
      } else {
        microKernelRows<V, MR, NV>(kEnd, kl, a, lda, panel + static_cast<size_t>(kc) * NR, tile);
        storeTile<NR>(job, tile + pad, row0, rows, n0, nr, first, last);
      }
    }
  }
}

// One packed forward panel: columns [n0, n0 + nr), reduction [0, k1), its floats at `data`.
struct PanelRef {
  int n0, nr, k1;
  const float* data;
};

// The panels' weights that rows pass over together (see forwardGroup): about half of a 512 KB L2.
constexpr size_t kGroupBytes = 192 * 1024;
constexpr int kMaxGroup = 16;

// Rows [m0, m1) through `count` packed panels, in row blocks of about 24 rows (whole tiles): each block runs through
// every panel of the group while its rows of x stay in L2 (24 rows of 1024 inputs: 96 KB). Panel by panel over all
// rows, x came from L3 once per panel: at [100, 1024]·[1024, 1024] 100 rows of x (400 KB) and a 96 KB panel did not
// both stay in a 512 KB L2 (AMD Zen 3). `next`, if not null, comes into L2 meanwhile (its lines over all row tiles).
template <typename V, int MR, int NV>
static MAFLOW_INLINE void forwardGroup(const Job& job, int m0, int m1, const PanelRef* panels, int count, int tailRow0,
                                       const float* tailA, int kNeed, RowPrefetch* next) {
  const int block = count == 1 ? m1 - m0 : std::max(1, 24 / MR) * MR;
  if (next != nullptr) {
    int tiles = 0;
    for (int p = 0; p < count; ++p) tiles += ((m1 - m0 + MR - 1) / MR) * std::max(1, (panels[p].k1 + job.kc - 1) / job.kc);
    next->spread(tiles);
  }
  for (int r0 = m0; r0 < m1; r0 += block) {
    const int r1 = std::min(m1, r0 + block);
    for (int p = 0; p < count; ++p) {
      const PanelRef& panel = panels[p];
      forwardPanel<V, MR, NV>(job, r0, r1, panel.n0, panel.nr, panel.k1, panel.data, tailRow0, tailA, kNeed, next);
    }
  }
}

// The panels of forward columns [nBegin, nEnd) as forwardPack lays them out from `bp` (null: not packed yet), a group
// at a time: from column n0, panels while their floats fit kGroupBytes (at least one). Returns the group's end column.
template <int VL, int NR>
static MAFLOW_INLINE int forwardPanelGroup(const Job& job, int n0, int nEnd, const float* bp, PanelRef* panels,
                                           int* count, size_t* floats) {
  *count = 0, *floats = 0;
  while (n0 < nEnd && *count < kMaxGroup) {
    const ForwardPanel panel = forwardPanelAt(job.prefix, job.inDim, n0, nEnd, VL, NR);
    if (*count > 0 && sizeof(float) * (*floats + panel.floats) > kGroupBytes) break;
    panels[(*count)++] = PanelRef{n0, panel.nr, panel.k1, bp == nullptr ? nullptr : bp + *floats};
    *floats += panel.floats;
    n0 += panel.nr;
  }
  return n0;
}

// Forward over rows [m0, m1) with B already packed by forwardPack (or the dot path for <= kDotColumns columns);
// A is read in place, MC rows at a time so that they stay in L2 while every panel passes over them.
template <typename V, int MR, int NV>
static MAFLOW_INLINE void forwardPacked(const Job& job, int m0, int m1, int nBegin, int nEnd, const float* bp) {
  constexpr int VL = static_cast<int>(sizeof(V) / sizeof(float));
  constexpr int NR = VL * NV;
  if (m0 >= m1 || nBegin >= nEnd) return;
  if (nEnd - nBegin <= kDotColumns) {
    forwardDot<V>(job, m0, m1, nBegin, nEnd);
    return;
  }
  const int mcRows = std::max(MR, job.mc / MR * MR);
  const int kNeed = std::max(job.kNeed, 1);
  const int tailRow0 = m0 + (m1 - m0) / MR * MR;
  const float* tailA = forwardTailA<MR>(job, m1, tailRow0, kNeed);
  PanelRef panels[kMaxGroup];
  for (int mc0 = m0; mc0 < m1; mc0 += mcRows) {
    const int mc1 = std::min(m1, mc0 + mcRows);
    const float* group = bp;
    for (int n0 = nBegin; n0 < nEnd;) {
      int count;
      size_t floats;
      const int end = forwardPanelGroup<VL, NR>(job, n0, nEnd, group, panels, &count, &floats);
      forwardGroup<V, MR, NV>(job, mc0, mc1, panels, count, tailRow0, tailA, kNeed, nullptr);
      group += floats;
      n0 = end;
    }
  }
}

// Forward block. Rows that fit one MC block pass once over each group of panels, so each group is packed just before
// it is used (into a buffer of one group, which stays in L2; packing the whole of B first wrote 1–4 MB, past L2 at
// 1024×1024), and the next group's weights are prefetched meanwhile. More rows pack B once and run forwardPacked,
// which passes over the panels once per MC rows.
template <typename V, int MR, int NV>
static MAFLOW_INLINE void forwardBlock(const Job& job, int m0, int m1, int nBegin, int nEnd) {
  constexpr int VL = static_cast<int>(sizeof(V) / sizeof(float));
  constexpr int NR = VL * NV;
  if (m0 >= m1 || nBegin >= nEnd) return;
  if (nEnd - nBegin <= kDotColumns) {
    forwardDot<V>(job, m0, m1, nBegin, nEnd);
    return;
  }
  if (m1 - m0 > std::max(MR, job.mc / MR * MR)) {
    float* bp = scratch.get(1, forwardPackedFloats<VL, NR>(job.prefix, job.inDim, nBegin, nEnd));
    forwardPack<V, NV>(job, nBegin, nEnd, bp);
    forwardPacked<V, MR, NV>(job, m0, m1, nBegin, nEnd, bp);
    return;
  }
  const int kNeed = std::max(job.kNeed, 1);
  const int tailRow0 = m0 + (m1 - m0) / MR * MR;
  const float* tailA = forwardTailA<MR>(job, m1, tailRow0, kNeed);
  // A group holds at least one panel, which may exceed kGroupBytes.
  float* bp = scratch.get(1, std::max(kGroupBytes / sizeof(float), static_cast<size_t>(NR) * kNeed));
  PanelRef panels[kMaxGroup], upcoming[kMaxGroup];
  int count = 0, nextCount = 0;
  size_t floats = 0, nextFloats = 0;
  int n0 = nBegin;
  int end = forwardPanelGroup<VL, NR>(job, n0, nEnd, bp, panels, &count, &floats);
  while (n0 < nEnd) {
    for (int p = 0; p < count; ++p) {
      float* dst = bp + (panels[p].data - bp);
      if (panels[p].nr <= VL) {
        packB<VL>(job, panels[p].n0, panels[p].nr, 0, panels[p].k1, dst);
      } else {
        packB<NR>(job, panels[p].n0, panels[p].nr, 0, panels[p].k1, dst);
      }
    }
    // While this group computes, the next one's weight rows (each its live prefix) come into L2.
    RowPrefetch next;
    int nextEnd = end;
    nextCount = 0;
    if (end < nEnd) {
      nextEnd = forwardPanelGroup<VL, NR>(job, end, nEnd, bp, upcoming, &nextCount, &nextFloats);
      next = RowPrefetch(job.b + static_cast<size_t>(end) * job.inDim, job.inDim, nextEnd - end, job.inDim,
                         job.prefix == nullptr ? nullptr : job.prefix + end);
    }
    forwardGroup<V, MR, NV>(job, m0, m1, panels, count, tailRow0, tailA, kNeed, &next);
    n0 = end;
    end = nextEnd;
    count = nextCount;
    std::copy(upcoming, upcoming + nextCount, panels);
  }
}

// Backward micro-kernel reading A in place: A(r, k) = a[r * lda + k] (backward input: A = dOut, rows contiguous in k)
// or, when KMajor, a[k * lda + r] (backward weight: A = dOutᵀ, so the MR rows of one k are contiguous in dOut). B is
// read with row stride ldb: a packed panel (ldb = its width).
template <typename V, int MR, int NV, bool KMajor>
static MAFLOW_INLINE void accumulateStrided(int kc, const float* __restrict a, size_t lda, const float* __restrict bp,
                                            size_t ldb, V (&acc)[MR][NV]) {
  constexpr int VL = sizeof(V) / sizeof(float);
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = V{};
  for (int k = 0; k < kc; ++k) {
    V bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = loadu<V>(bp + k * ldb + v * VL);
    for (int r = 0; r < MR; ++r) {
      const V av = (KMajor ? a[k * lda + r] : a[r * lda + k]) - V{};  // one broadcasting load (see accumulateRows)
      for (int v = 0; v < NV; ++v) acc[r][v] += av * bv[v];
    }
  }
}

// One backward tile: the MR×W accumulators over kc reductions, then C (+)= them. A whole tile (MR rows, W columns,
// every one stored) goes from the registers to C with storeTile's arithmetic (overwrite on the first block unless
// accumulating, else add); a partial one through `tile` and storeTile. Copying every tile through memory cost ~15 %
// of a small MADE's backward, where the reductions are short (an output layer's K = outDim = 12).
template <typename V, int MR, int NV, bool KMajor>
static MAFLOW_INLINE void backwardTile(const Job& job, int kc, const float* __restrict a, size_t lda,
                                       const float* __restrict bp, size_t ldb, float* __restrict tile, int row0,
                                       int rows, int n0, int nr, bool first, bool last) {
  constexpr int VL = sizeof(V) / sizeof(float);
  constexpr int W = VL * NV;
  V acc[MR][NV];
  accumulateStrided<V, MR, NV, KMajor>(kc, a, lda, bp, ldb, acc);
  // Backward weight: row r of C stores columns n < prefix[row0 + r] only; the smallest is the tile's first row's.
  const bool whole = rows == MR && nr == W && (!KMajor || job.prefix == nullptr || job.prefix[row0] - n0 >= W);
  if (whole) {
    const bool overwrite = first && !job.accumulate;
    for (int r = 0; r < MR; ++r) {
      float* out = job.c + static_cast<size_t>(row0 + r) * job.inDim + n0;
      for (int v = 0; v < NV; ++v) {
        const V y = overwrite ? acc[r][v] : acc[r][v] + loadu<V>(out + v * VL);
        std::memcpy(out + v * VL, &y, sizeof(V));
      }
    }
    return;
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) *reinterpret_cast<V*>(tile + r * W + v * VL) = acc[r][v];
  storeTile<W>(job, tile, row0, rows, n0, nr, first, last);
}

// dBias[j] (+)= Σ_b dOut[b, j] for j in [m0, m1) (restrict, so that the sum over rows vectorises).
static MAFLOW_INLINE void sumRows(int batch, const float* __restrict g, size_t ld, int m0, int m1,
                                  float* __restrict dBias, bool accumulate) {
  if (!accumulate) std::fill(dBias + m0, dBias + m1, 0.0f);
  for (int b = 0; b < batch; ++b) {
    const float* row = g + static_cast<size_t>(b) * ld;
    for (int j = m0; j < m1; ++j) dBias[j] += row[j];
  }
}

// Backward block (input or weight gradient), rows [m0, m1) × columns [nBegin, nEnd) of C on the calling thread.
// A (dOut, or dOutᵀ) is read in place: packing it was a transposing copy of the whole of dOut per call and per thread.
// Panels are NR wide, VL wide when at most NR − 1 columns remain, VN wide (a narrower vector) when at most VNL remain:
// a narrow staircase (MADE input layer, D = 6..63 inputs) then computes few padding lanes, and in the backward input
// each narrow panel starts its reduction at its own suffix. Backward weight packs x too: read in place, a panel's batch
// rows lie inDim floats apart (2 or 4 KB at 512 or 1024 inputs), so they fell into a few L1 sets and came from L2
// at every row tile (the AVX2 4x24 tile's weight gradient took 1.4× as long in place at a miniboone MADE).
template <typename V, typename VN, int MR, int NV>
static MAFLOW_INLINE void backwardBlock(const Job& job, int m0, int m1, int nBegin, int nEnd) {
  constexpr int VL = static_cast<int>(sizeof(V) / sizeof(float));
  constexpr int VNL = static_cast<int>(sizeof(VN) / sizeof(float));
  constexpr int NR = VL * NV;
  if (m0 >= m1) return;
  const bool weight = job.mode == Mode::BackwardWeight;
  const int32_t* prefix = job.prefix;
  // A's row stride (backward input: dOut rows) or k stride (backward weight: dOut rows hold the MR rows of C).
  const size_t lda = static_cast<size_t>(job.outDim);
  const int kAll = std::max(job.k, 1);
  float* bp = scratch.get(1, static_cast<size_t>(NR) * kAll);
  alignas(64) float tile[MR * NR];
  // A tail block of fewer than MR rows is copied, zero-padded, so that the kernel never reads past dOut.
  const int tailRow0 = m0 + (m1 - m0) / MR * MR;
  float* tailA = nullptr;
  if (tailRow0 < m1) {
    const int rows = m1 - tailRow0;
    tailA = scratch.get(0, static_cast<size_t>(MR) * kAll);
    if (weight) {  // [k][MR]
      for (int k = 0; k < job.k; ++k) {
        const float* src = job.a + static_cast<size_t>(k) * lda + tailRow0;
        for (int r = 0; r < MR; ++r) tailA[k * MR + r] = r < rows ? src[r] : 0.0f;
      }
    } else {  // [MR][k]
      for (int r = 0; r < MR; ++r) {
        float* dst = tailA + static_cast<size_t>(r) * kAll;
        if (r < rows) {
          std::memcpy(dst, job.a + static_cast<size_t>(tailRow0 + r) * lda, sizeof(float) * job.k);
        } else {
          std::memset(dst, 0, sizeof(float) * kAll);
        }
      }
    }
  }
  if (weight && job.dBias != nullptr && nBegin == job.nStart) {
    sumRows(job.batch, job.a, job.outDim, m0, m1, job.dBias, job.accumulate);
  }
  for (int n0 = nBegin; n0 < nEnd;) {
    const int left = nEnd - n0;
    const int width = left <= VNL ? VNL : left < NR ? VL : NR;
    const int nr = std::min(width, left);
    int k0, k1;
    panelRange(job, n0, nr, &k0, &k1);
    if (k0 >= k1) {
      // Nothing reads this panel: the result is 0 or the old output only.
      if (!weight) {
        std::memset(tile, 0, sizeof(tile));
        for (int row0 = m0; row0 < m1; row0 += MR) {
          storeTile<NR>(job, tile, row0, std::min(MR, m1 - row0), n0, nr, true, true);
        }
      }
      n0 += nr;
      continue;
    }
    const size_t ldb = static_cast<size_t>(width);
    // Backward input: the next panel's weights (rows of its reduction range, its columns) come into L2 while this one
    // computes, as in the forward.
    RowPrefetch next;
    if (!weight && n0 + nr < nEnd) {
      const int nLeft = nEnd - n0 - nr;
      const int nWidth = std::min(nLeft <= VNL ? VNL : nLeft < NR ? VL : NR, nLeft);
      int nk0, nk1;
      panelRange(job, n0 + nr, nWidth, &nk0, &nk1);
      if (nk0 < nk1) next = RowPrefetch(job.b + static_cast<size_t>(nk0) * job.inDim + n0 + nr, job.inDim, nk1 - nk0, nWidth);
    }
    next.spread(((m1 - m0 + MR - 1) / MR) * ((k1 - k0 + job.kc - 1) / job.kc));
    if (width == VNL) {
      packB<VNL>(job, n0, nr, k0, k1, bp);
    } else if (width == VL) {
      packB<VL>(job, n0, nr, k0, k1, bp);
    } else {
      packB<NR>(job, n0, nr, k0, k1, bp);
    }
    for (int kc = k0; kc < k1; kc += job.kc) {
      const int kl = std::min(job.kc, k1 - kc);
      const bool first = kc == k0;
      const bool last = kc + kl >= k1;
      const float* b = bp + static_cast<size_t>(kc - k0) * ldb;
      for (int row0 = m0; row0 < m1; row0 += MR) {
        const int rows = std::min(MR, m1 - row0);
        // Backward weight: rows whose prefixes all end before the panel store nothing.
        if (weight && prefix != nullptr && prefix[row0 + rows - 1] <= n0) continue;
        const bool tail = row0 >= tailRow0;
        // The width dispatch is written out for both products on purpose: folding it into a generic lambda loses this
        // function's target ISA (lambdas do not inherit target attributes), and the backward GEMMs fell from ~300 to
        // ~6 GFLOP/s when tried.
        next.issue();
        if (weight) {
          // The weight gradient's rows two tiles ahead (their lines of this panel) come into cache before they are
          // stored to: a training step's gradients are cold, and each store missed.
          if (row0 + 2 * MR < m1) {
            for (int r = 0; r < MR && row0 + 2 * MR + r < m1; ++r) {
              const float* out = job.c + static_cast<size_t>(row0 + 2 * MR + r) * job.inDim + n0;
              __builtin_prefetch(out, 1, 3);
              __builtin_prefetch(out + nr - 1, 1, 3);
            }
          }
          const float* a = tail ? tailA + static_cast<size_t>(kc) * MR : job.a + static_cast<size_t>(kc) * lda + row0;
          const size_t la = tail ? MR : lda;
          if (width == VNL) {
            backwardTile<VN, MR, 1, true>(job, kl, a, la, b, ldb, tile, row0, rows, n0, nr, first, last);
          } else if (width == VL) {
            backwardTile<V, MR, 1, true>(job, kl, a, la, b, ldb, tile, row0, rows, n0, nr, first, last);
          } else {
            backwardTile<V, MR, NV, true>(job, kl, a, la, b, ldb, tile, row0, rows, n0, nr, first, last);
          }
        } else {
          const float* a = tail ? tailA + kc : job.a + static_cast<size_t>(row0) * lda + kc;
          const size_t la = tail ? static_cast<size_t>(kAll) : lda;
          if (width == VNL) {
            backwardTile<VN, MR, 1, false>(job, kl, a, la, b, ldb, tile, row0, rows, n0, nr, first, last);
          } else if (width == VL) {
            backwardTile<V, MR, 1, false>(job, kl, a, la, b, ldb, tile, row0, rows, n0, nr, first, last);
          } else {
            backwardTile<V, MR, NV, false>(job, kl, a, la, b, ldb, tile, row0, rows, n0, nr, first, last);
          }
        }
      }
    }
    n0 += nr;
  }
}

// The rows-in-lanes forward (LanesJob) for one tile of NJ columns (NJ ≤ the packed tile's `columns`) and RV row
// vectors: per reduction block of job.kc, acc[j][v] = Σ_k panel[k][j] · xT[k][v lanes] from zero in ascending k,
// then out = init + acc (first block: bias or 0, unless accumulating) or out + acc, and the activation after the last
// block: per output the very operations of forwardPanel and storeForward, so the results are equal bit for bit.
template <typename V, int NJ, int RV>
static MAFLOW_INLINE void lanesTile(const LanesJob& job, const float* __restrict panel, int columns, int k1, int j0,
                                    int r0) {
  constexpr int VL = static_cast<int>(sizeof(V) / sizeof(float));
  const size_t ld = static_cast<size_t>(job.ld);
  for (int kb = 0; kb < std::max(k1, 1); kb += job.kc) {
    const int kl = std::min(job.kc, k1 - kb);
    const bool first = kb == 0, last = kb + kl >= k1;
    V acc[NJ][RV];
    for (int j = 0; j < NJ; ++j)
      for (int v = 0; v < RV; ++v) acc[j][v] = V{};
    const float* __restrict x = job.xT + static_cast<size_t>(kb) * ld + r0;
    const float* __restrict w = panel + static_cast<size_t>(kb) * columns;
    for (int k = 0; k < kl; ++k) {
      V xv[RV];
      for (int v = 0; v < RV; ++v) xv[v] = *reinterpret_cast<const V*>(x + k * ld + v * VL);
      for (int j = 0; j < NJ; ++j) {
        const V wv = w[k * columns + j] - V{};  // one broadcasting load (see accumulateSegment)
        for (int v = 0; v < RV; ++v) acc[j][v] += wv * xv[v];
      }
    }
    for (int j = 0; j < NJ; ++j) {
      float* out = job.outT + static_cast<size_t>(j0 + j) * ld + r0;
      const bool init = first && !job.accumulate;
      const V bias = init && job.bias != nullptr ? job.bias[j0 + j] - V{} : V{};
      for (int v = 0; v < RV; ++v) {
        V y = init ? (job.bias != nullptr ? acc[j][v] + bias : acc[j][v]) : *reinterpret_cast<V*>(out + v * VL) + acc[j][v];
        if (last && job.act == Act::Relu) {
          y = y > V{} ? y : V{};
        } else if (last && job.act != Act::Identity) {
          for (int i = 0; i < VL; ++i) y[i] = applyAct(job.act, y[i]);
        }
        *reinterpret_cast<V*>(out + v * VL) = y;
      }
    }
  }
}

// lanesTile for the nj < NJ columns of a range's last tile.
template <typename V, int NJ, int RV>
static MAFLOW_INLINE void lanesTileOf(int nj, const LanesJob& job, const float* panel, int columns, int k1, int j0,
                                      int r0) {
  if constexpr (NJ > 1) {
    if (nj < NJ) {
      lanesTileOf<V, NJ - 1, RV>(nj, job, panel, columns, k1, j0, r0);
      return;
    }
  }
  lanesTile<V, NJ, RV>(job, panel, columns, k1, j0, r0);
}

// The whole rows-in-lanes forward: every tile of NJ columns over every group of RV·VL lanes (job.ld is a multiple of
// the group; lanes past job.rows are computed on whatever the caller's padding holds, and never read as rows).
template <typename V, int NJ, int RV>
static MAFLOW_INLINE void lanesForward(const LanesJob& job) {
  constexpr int VL = static_cast<int>(sizeof(V) / sizeof(float));
  constexpr int group = VL * RV;
  const float* panel = job.packed;
  for (int j0 = job.start; j0 < job.end; j0 += NJ) {
    const int nj = std::min(NJ, job.end - j0);
    const int k1 = job.prefix == nullptr ? job.inDim : job.prefix[j0 + nj - 1];
    for (int r0 = 0; r0 < job.rows; r0 += group) lanesTileOf<V, NJ, RV>(nj, job, panel, NJ, k1, j0, r0);
    panel += static_cast<size_t>(NJ) * k1;
  }
}

}  // namespace
}  // namespace gemm
}  // namespace maflow
