// The prefix GEMM's job description, shared by the dispatcher (gemm.cc) and the per-ISA kernels (gemm-<isa>.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>
#include <algorithm>

#include "activation.h"

namespace maflow {
namespace gemm {

typedef float V4 __attribute__((vector_size(16)));
typedef float V8 __attribute__((vector_size(32)));
typedef float V16 __attribute__((vector_size(64)));

enum class Mode { Forward, BackwardInput, BackwardWeight };

constexpr double kParallelFlops = 1e6;  // below this (~8 µs) waking the pool costs more than it saves
constexpr int kMaxTasks = 64;
constexpr int kDotColumns = 4;  // forward calls over at most this many columns take the dot path
constexpr double kOutputFlops = 8;  // flop-equivalents of storing one output (bias, activation, write)

struct Job {
  Mode mode;
  int batch, inDim, outDim;
  int m, k, n;         // GEMM dimensions
  int nStart, nEnd;    // output columns to compute
  int kNeed;           // largest reduction index any panel reads (A is packed up to it)
  const float* a;
  const float* b;
  const int32_t* prefix;
  const float* bias;
  float* c;
  float* dBias;
  bool accumulate;
  Act act;
  int kc;              // reduction block (cache blocking of the active kernel)
  int mc;              // forward row block: rows of x that stay in L2 while every panel passes over them
  int tasks;
  bool splitColumns;         // tasks own column ranges (else row ranges)
  int split[kMaxTasks + 1];  // task boundaries: rows (multiples of MR) or columns (nStart + multiples of NR)
};

// The sampler's rows-in-lanes forward (gemm.h: prefixGemmLanes): outT[j][r] = act(init + Σ_{k < prefix[j]}
// xT[k][r] · w[j, k]) for columns j in [start, end) and lanes r in [0, rows) rounded up to the tile's row group, with
// xT and outT transposed ([features][ld]) and the weights packed by lanesPack into tiles of `columns` columns.
struct LanesJob {
  int rows, ld, inDim;
  const float* xT;
  const float* packed;
  const int32_t* prefix;
  const float* bias;
  float* outT;
  bool accumulate;
  Act act;
  int start, end, kc;
};

// Floats of lanesPack's tiles of `columns` columns over [start, end): [k][columns] up to each tile's last prefix.
inline size_t lanesPackedFloats(const int32_t* prefix, int inDim, int start, int end, int columns) {
  size_t floats = 0;
  for (int j0 = start; j0 < end; j0 += columns) {
    const int last = std::min(end, j0 + columns) - 1;
    floats += static_cast<size_t>(columns) * (prefix == nullptr ? inDim : prefix[last]);
  }
  return floats;
}

// Packs w's columns [start, end) (w[j, k] at w[j · inDim + k]) as lanesPackedFloats says: tile t holds
// [k][columns], zero where k ≥ prefix[j] and in the columns past `end`, so a masked weight is never read.
inline void lanesPack(const float* w, const int32_t* prefix, int inDim, int start, int end, int columns, float* out) {
  for (int j0 = start; j0 < end; j0 += columns) {
    const int nj = std::min(columns, end - j0);
    const int k1 = prefix == nullptr ? inDim : prefix[j0 + nj - 1];
    std::fill_n(out, static_cast<size_t>(columns) * k1, 0.0f);
    for (int j = 0; j < nj; ++j) {
      const float* row = w + static_cast<size_t>(j0 + j) * inDim;
      const int live = prefix == nullptr ? inDim : prefix[j0 + j];
      for (int k = 0; k < live; ++k) out[static_cast<size_t>(k) * columns + j] = row[k];
    }
    out += static_cast<size_t>(columns) * k1;
  }
}

// Per-thread packing buffers, 64-byte aligned.
struct Scratch {
  std::vector<float> storage[2];
  float* get(int which, size_t count) {
    std::vector<float>& s = storage[which];
    if (s.size() < count + 16) s.resize(count + 16);
    uintptr_t p = reinterpret_cast<uintptr_t>(s.data());
    return reinterpret_cast<float*>((p + 63) & ~static_cast<uintptr_t>(63));
  }
};

// The forward B panel that starts at column n0 of a range ending at nEnd: `nr` columns (the tile's NR, or up to VL
// for a narrow last panel: the sampler computes one degree's 8–26 hidden units per call), its reduction range
// [0, k1), and its packed floats (VL or NR lanes × k1). Every forward packing and pass walks panels by this rule.
struct ForwardPanel {
  int nr, k1;
  size_t floats;
};

inline ForwardPanel forwardPanelAt(const int32_t* prefix, int inDim, int n0, int nEnd, int vl, int nr) {
  const int width = nEnd - n0 <= vl ? nEnd - n0 : std::min(nr, nEnd - n0);
  const int k1 = prefix == nullptr ? inDim : prefix[n0 + width - 1];
  return ForwardPanel{width, k1, static_cast<size_t>(width <= vl ? vl : nr) * k1};
}

// Floats of the packed B of forward columns [nBegin, nEnd), panel after panel (forwardPanelAt). Zero when the range
// takes the dot path (no packing).
inline size_t packedFloatsFor(const int32_t* prefix, int inDim, int nBegin, int nEnd, int vl, int nr) {
  if (nEnd - nBegin <= kDotColumns) return 0;
  size_t packed = 0;
  for (int n0 = nBegin; n0 < nEnd;) {
    const ForwardPanel panel = forwardPanelAt(prefix, inDim, n0, nEnd, vl, nr);
    packed += panel.floats;
    n0 += panel.nr;
  }
  return packed;
}

}  // namespace gemm
}  // namespace maflow
