// The fused staircase sampler. The per-feature call pattern of Made.sequential (for each feature d: the hidden units
// of degree d in every layer, then feature d's P outputs, then the affine transform of x[:, d]) streamed the whole
// [batch, H] activations through the cache about 4·D times per MADE. Here a block of kBlockRows rows runs through all
// D steps while its activations stay in L2, the weights of every (layer, degree) range are packed once per call and
// shared by all blocks, and blocks are spread over the thread pool. Each unit gets exactly the arithmetic of
// prefixGemm(accumulate = true) and affineForward, so the result equals the unfused native path.
#include "staircase-sampler.h"

#include <algorithm>
#include <cstdlib>

#include "elementwise.h"
#include "gemm.h"
#include "thread-pool.h"

namespace maflow {
namespace {

// Rows per block: 64 rows of two 512-wide layers (256 KB) stay in a 1 MB L2 beside the packed weights. A multiple of
// 8 so that the GEMM's row tiles (and the dot path's groups of 4) fall on the same rows as an unblocked call.
constexpr int kBlockRows = 64;

struct Packed {
  std::vector<float> storage;
  std::vector<size_t> offset;  // per (layer, degree) and then per output feature; SIZE_MAX = dot path, not packed
  const float* base = nullptr;
};

struct Run {
  const StaircaseAffine* job;
  const Packed* packed;
  int P;
  int blocksPerTask;
  int blocks;
};

constexpr size_t kNone = static_cast<size_t>(-1);

const float* at(const Packed& packed, size_t index) {
  return packed.offset[index] == kNone ? nullptr : packed.base + packed.offset[index];
}

// Packs the weights of every (layer, degree) range and of every feature's output columns, each at a 64-byte boundary.
void pack(const StaircaseAffine& job, int P, Packed& packed) {
  const int D = job.features;
  const int L = static_cast<int>(job.hidden.size());
  const int lastDim = job.hidden.back().outDim;
  size_t total = 0;
  packed.offset.assign(static_cast<size_t>(L + 1) * D, kNone);
  auto reserve = [&](size_t index, size_t floats) {
    if (floats == 0) return;
    packed.offset[index] = total;
    total += (floats + 15) / 16 * 16;
  };
  for (int l = 0; l < L; ++l) {
    const StaircaseLayer& layer = job.hidden[l];
    for (int d = 0; d < D; ++d) {
      reserve(static_cast<size_t>(l) * D + d,
              prefixGemmPackedFloats(layer.inDim, layer.prefix, layer.starts[d], layer.starts[d + 1]));
    }
  }
  for (int d = 0; d < D; ++d) {
    reserve(static_cast<size_t>(L) * D + d, prefixGemmPackedFloats(lastDim, job.outPrefix, d * P, (d + 1) * P));
  }
  packed.storage.resize(total + 16);
  const uintptr_t p = reinterpret_cast<uintptr_t>(packed.storage.data());
  packed.base = reinterpret_cast<const float*>((p + 63) & ~static_cast<uintptr_t>(63));
  float* base = const_cast<float*>(packed.base);
  for (int l = 0; l < L; ++l) {
    const StaircaseLayer& layer = job.hidden[l];
    for (int d = 0; d < D; ++d) {
      const size_t index = static_cast<size_t>(l) * D + d;
      if (packed.offset[index] == kNone) continue;
      prefixGemmPack(layer.inDim, layer.outDim, layer.w, layer.prefix, layer.starts[d], layer.starts[d + 1],
                     base + packed.offset[index]);
    }
  }
  for (int d = 0; d < D; ++d) {
    const size_t index = static_cast<size_t>(L) * D + d;
    if (packed.offset[index] == kNone) continue;
    prefixGemmPack(lastDim, D * P, job.outW, job.outPrefix, d * P, (d + 1) * P, base + packed.offset[index]);
  }
}

// All D steps for rows [r0, r1).
void runRows(const StaircaseAffine& job, const Packed& packed, int P, int r0, int r1) {
  const int D = job.features;
  const int L = static_cast<int>(job.hidden.size());
  const int rows = r1 - r0;
  const size_t row = static_cast<size_t>(r0);
  for (int d = 0; d < D; ++d) {
    const float* input = job.x + row * D;
    for (int l = 0; l < L; ++l) {
      const StaircaseLayer& layer = job.hidden[l];
      const int start = layer.starts[d], end = layer.starts[d + 1];
      float* a = layer.activations + row * layer.outDim;
      if (start < end) {
        prefixGemmAccumulatePacked(rows, layer.inDim, layer.outDim, input, layer.w, layer.prefix,
                                   at(packed, static_cast<size_t>(l) * D + d), a, layer.act, start, end);
        if (layer.residualSum != nullptr) {
          float* h = layer.residualSum + row * layer.outDim;
          const float* previous = l == 0 ? nullptr : job.hidden[l - 1].residualSum + row * layer.inDim;
          for (int r = 0; r < rows; ++r) {
            const size_t o = static_cast<size_t>(r) * layer.outDim;
            for (int j = start; j < end; ++j) {
              h[o + j] = previous == nullptr ? a[o + j] : previous[static_cast<size_t>(r) * layer.inDim + j] + a[o + j];
            }
          }
        }
      }
      input = layer.residualSum != nullptr ? layer.residualSum + row * layer.outDim : a;
    }
    const int lastDim = job.hidden.back().outDim;
    float* params = job.params + row * D * P;
    prefixGemmAccumulatePacked(rows, lastDim, D * P, input, job.outW, job.outPrefix,
                               at(packed, static_cast<size_t>(L) * D + d), params, Act::Identity, d * P, (d + 1) * P);
    affineForward(rows, D, d, d + 1, job.u + row * D, params, job.x + row * D, job.logDet + r0, true, job.bound,
                  job.shiftOnly);
  }
}

void runTask(void* context, int task) {
  const Run& run = *static_cast<const Run*>(context);
  const StaircaseAffine& job = *run.job;
  const int b0 = task * run.blocksPerTask;
  const int b1 = std::min(run.blocks, b0 + run.blocksPerTask);
  for (int b = b0; b < b1; ++b) {
    runRows(job, *run.packed, run.P, b * kBlockRows, std::min(job.batch, (b + 1) * kBlockRows));
  }
}

}  // namespace

void staircaseSequentialAffine(const StaircaseAffine& job) {
  if (job.batch <= 0 || job.features <= 0 || job.hidden.empty()) return;
  const int P = job.shiftOnly ? 1 : 2;
  thread_local Packed packed;
  pack(job, P, packed);
  ThreadPool& pool = ThreadPool::instance();
  Run run{&job, &packed, P, 0, (job.batch + kBlockRows - 1) / kBlockRows};
  double macsPerRow = 0;  // below ~1 MFLOP in all, waking the pool costs more than it saves
  for (const StaircaseLayer& layer : job.hidden) {
    for (int j = 0; j < layer.outDim; ++j) macsPerRow += layer.prefix[j];
  }
  for (int j = 0; j < job.features * P; ++j) macsPerRow += job.outPrefix[j];
  const int tasks = 2.0 * macsPerRow * job.batch < 1e6 ? 1 : std::min(pool.size(), run.blocks);
  run.blocksPerTask = (run.blocks + tasks - 1) / tasks;
  const int used = (run.blocks + run.blocksPerTask - 1) / run.blocksPerTask;
  if (used <= 1) {
    runTask(&run, 0);
  } else {
    pool.run(used, runTask, &run);
  }
}

}  // namespace maflow
