// The fused passes of a MAF layer. Layer by layer, a MADE pass streams [batch, H] activations through memory once
// per layer and needs [batch, H] work buffers per layer (a first call at a new batch size spent more time faulting
// them in than computing); the sampler's per-feature call pattern (for each feature d: the hidden units of degree d in
// every layer, then feature d's P outputs, then the transform of x[:, d]) streamed them about 4·D times. Here a
// block of kBlockRows rows runs through every step in small per-thread buffers that stay in L2: the D steps of the
// sequential pass, or the one step of the parallel pass (every unit at once, then the transformer's inverse of
// all features). The weights of every (layer, step) range are packed once per call and shared by all blocks; blocks are
// spread over the thread pool. Each unit gets exactly the arithmetic of MaskedLinear.initOutput (prefixGemm with the
// context) followed by prefixGemm(accumulate = true) and the transform kernel, so the result equals that unfused
// composition on the native backend bit for bit. Without a context the GEMM starts from the bias itself (bias + Σ is
// the same sum as Σ added to a copy of the bias): copying the bias into every row first was one more pass over the
// block's activations, about as much memory traffic as a MADE input layer's own (K = D) outputs. A sampling step's
// hidden units (one degree: 8–26 per layer) run with the block's rows in the vector lanes (prefixGemmLanes) on
// transposed copies of x and of each a_l, which fill every lane where those units as columns left up to a third idle.
#include "staircase.h"

#include <algorithm>
#include <mutex>

#include "elementwise.h"
#include "gemm.h"
#include "thread-pool.h"

namespace maflow {
namespace {

// Rows per block: 64 rows of two 512-wide layers (256 KB) stay in a 1 MB L2 beside the packed weights. A multiple of
// 8 so that the GEMM's row tiles (and the dot path's groups of 4) fall on the same rows as an unblocked call.
constexpr int kBlockRows = 64;
constexpr size_t kNone = static_cast<size_t>(-1);
constexpr int kTasksPerThread = 8;

struct Packed {
  std::vector<float> storage;
  std::vector<size_t> offset;  // per (layer, step), the output layer last; kNone = dot path, not packed
  std::vector<char> lanes;     // per (layer, step): packed for prefixGemmLanes (rows in lanes), else prefixGemmPacked
  // Per layer (the output layer last): some step reads its input transposed (rows in lanes) / row-major.
  std::vector<char> readsLanes, readsRows;
  float* base = nullptr;
  const float* at(size_t index) const { return offset[index] == kNone ? nullptr : base + offset[index]; }
  bool anyLanes() const { return std::find(readsLanes.begin(), readsLanes.end(), 1) != readsLanes.end(); }
};

// The sequential pass runs a hidden layer's ranges with rows in vector lanes (prefixGemmLanes) where the kernel has
// that form, on blocks stored transposed beside the row-major ones; a residual MADE (whose inputs are running sums)
// and calls of a few rows (a lane group is up to 32 rows) keep the column form.
constexpr int kLanesMinRows = 32;
bool lanesPass(const StaircasePass& job) { return !job.parallel && !job.residual && job.batch >= kLanesMinRows; }

struct Run {
  const StaircasePass* job;
  const Packed* packed;
  int P;
  int steps;
  int blocksPerTask;
  int blocks;
  std::mutex* reportLock;
};

// The sequential pass has one step per feature, the parallel pass one step in all.
int stepsOf(const StaircasePass& job) { return job.parallel ? 1 : job.features; }

// Column range of (layer l, step d); l == L is the output layer (P columns per feature).
void range(const StaircasePass& job, int P, int l, int d, int* start, int* end) {
  const bool hidden = l < static_cast<int>(job.hidden.size());
  if (job.parallel) {
    *start = 0, *end = hidden ? job.hidden[l].outDim : job.features * P;
  } else if (hidden) {
    *start = job.hidden[l].starts[d], *end = job.hidden[l].starts[d + 1];
  } else {
    *start = d * P, *end = (d + 1) * P;
  }
}

// Packs the weights of every (layer, step) range, each 64-byte aligned.
void pack(const StaircasePass& job, int P, Packed& packed) {
  const int steps = stepsOf(job);
  const int L = static_cast<int>(job.hidden.size());
  auto layer = [&](int l) -> const StaircaseLayer& { return l < L ? job.hidden[l] : job.output; };
  size_t total = 0;
  packed.offset.assign(static_cast<size_t>(L + 1) * steps, kNone);
  packed.lanes.assign(static_cast<size_t>(L + 1) * steps, 0);
  packed.readsLanes.assign(L + 1, 0), packed.readsRows.assign(L + 1, 0);
  const bool lanes = lanesPass(job);
  for (int l = 0; l <= L; ++l) {
    for (int d = 0; d < steps; ++d) {
      const size_t index = static_cast<size_t>(l) * steps + d;
      int start, end;
      range(job, P, l, d, &start, &end);
      size_t floats = lanes && l < L ? prefixGemmLanesFloats(layer(l).inDim, layer(l).prefix, start, end) : 0;
      packed.lanes[index] = floats > 0;
      if (start < end) (floats > 0 ? packed.readsLanes : packed.readsRows)[l] = 1;
      if (floats == 0) floats = prefixGemmPackedFloats(layer(l).inDim, layer(l).prefix, start, end);
      if (floats == 0) continue;
      packed.offset[index] = total;
      total += (floats + 15) / 16 * 16;
    }
  }
  packed.storage.resize(total + 16);
  const uintptr_t p = reinterpret_cast<uintptr_t>(packed.storage.data());
  packed.base = reinterpret_cast<float*>((p + 63) & ~static_cast<uintptr_t>(63));
  for (int l = 0; l <= L; ++l) {
    for (int d = 0; d < steps; ++d) {
      const size_t index = static_cast<size_t>(l) * steps + d;
      if (packed.offset[index] == kNone) continue;
      int start, end;
      range(job, P, l, d, &start, &end);
      const StaircaseLayer& s = layer(l);
      if (packed.lanes[index]) {
        prefixGemmLanesPack(s.inDim, s.w, s.prefix, start, end, packed.base + packed.offset[index]);
      } else {
        prefixGemmPack(s.inDim, s.outDim, s.w, s.prefix, start, end, packed.base + packed.offset[index]);
      }
    }
  }
}

bool hasContext(const StaircasePass& job, const StaircaseLayer& layer) {
  return layer.contextWeight != nullptr && job.context != nullptr;
}

// out[r, :] = bias + W_c · c[r] for the block's rows (MaskedLinear.initOutput); the layer's GEMM then accumulates.
void initOutput(const StaircasePass& job, const StaircaseLayer& layer, int r0, int rows, float* out) {
  if (!hasContext(job, layer)) return;
  prefixGemm(rows, job.contextFeatures, layer.outDim, job.context + static_cast<size_t>(r0) * job.contextFeatures,
             layer.contextWeight, nullptr, layer.bias, out, false, Act::Identity, 0, layer.outDim);
}

// out[r, j] = act(init + Σ x·w) over columns [start, end) of the block's rows, each column once per block: init is
// what initOutput wrote (with a context), else the bias.
void layerRange(const StaircasePass& job, const StaircaseLayer& layer, int rows, const float* input,
                const float* packed, float* out, Act act, int start, int end) {
  const bool context = hasContext(job, layer);
  prefixGemmPacked(rows, layer.inDim, layer.outDim, input, layer.w, layer.prefix, packed, context ? nullptr : layer.bias,
                   out, context, act, start, end);
}

// Per-thread block buffers: activations a_l, residual sums h_l and the output parameters of one block of rows; with
// rows in lanes also x and every a_l transposed ([features][kBlockRows]), each kept equal to its row-major form.
struct BlockBuffers {
  std::vector<float> storage;
  std::vector<float*> a, h, aT;
  float* params = nullptr;
  float* xT = nullptr;
  void prepare(const StaircasePass& job, int P, bool lanes) {
    const int L = static_cast<int>(job.hidden.size());
    const int copies = 1 + (job.residual ? 1 : 0) + (lanes ? 1 : 0);
    size_t total = static_cast<size_t>(kBlockRows) * job.features * (P + (lanes ? 1 : 0));
    for (const StaircaseLayer& layer : job.hidden) total += static_cast<size_t>(kBlockRows) * layer.outDim * copies;
    if (storage.size() < total + 16) storage.resize(total + 16);
    // 64-byte aligned, and so is every buffer (a multiple of kBlockRows floats): the lanes GEMM reads whole vectors.
    const uintptr_t p = reinterpret_cast<uintptr_t>(storage.data());
    float* next = reinterpret_cast<float*>((p + 63) & ~static_cast<uintptr_t>(63));
    a.assign(L, nullptr), h.assign(L, nullptr), aT.assign(L, nullptr);
    for (int l = 0; l < L; ++l) {
      const size_t size = static_cast<size_t>(kBlockRows) * job.hidden[l].outDim;
      a[l] = next, next += size;
      if (job.residual) h[l] = next, next += size;
      if (lanes) aT[l] = next, next += size;
    }
    params = next, next += static_cast<size_t>(kBlockRows) * job.features * P;
    xT = lanes ? next : nullptr;
  }
};

// Copies columns [start, end) of the block's rows between the row-major [rows][dim] and transposed [dim][kBlockRows]
// forms.
void toTransposed(const float* rowMajor, int dim, int rows, int start, int end, float* transposed) {
  for (int j = start; j < end; ++j) {
    float* dst = transposed + static_cast<size_t>(j) * kBlockRows;
    for (int r = 0; r < rows; ++r) dst[r] = rowMajor[static_cast<size_t>(r) * dim + j];
  }
}

void toRowMajor(const float* transposed, int dim, int rows, int start, int end, float* rowMajor) {
  for (int r = 0; r < rows; ++r) {
    float* dst = rowMajor + static_cast<size_t>(r) * dim;
    for (int j = start; j < end; ++j) dst[j] = transposed[static_cast<size_t>(j) * kBlockRows + r];
  }
}

// Every step for rows [r0, r0 + rows).
void runRows(const StaircasePass& job, const Packed& packed, int P, int steps, int r0, int rows,
             BlockBuffers& buffers, InversionReport* report) {
  const int D = job.features;
  const int L = static_cast<int>(job.hidden.size());
  for (int l = 0; l < L; ++l) initOutput(job, job.hidden[l], r0, rows, buffers.a[l]);
  initOutput(job, job.output, r0, rows, buffers.params);
  float* x = job.x + static_cast<size_t>(r0) * D;
  float* u = job.u + static_cast<size_t>(r0) * D;
  const bool lanes = packed.anyLanes();
  if (lanes) {
    // Lanes past the block's rows start at 0 (finite, whatever an earlier block left); a context's initial sums go
    // to the transposed form too, which the lanes GEMM then accumulates into.
    if (rows < kBlockRows) {
      for (int d = 0; d < D; ++d) std::fill_n(buffers.xT + static_cast<size_t>(d) * kBlockRows + rows, kBlockRows - rows, 0.0f);
      for (int l = 0; l < L; ++l) {
        for (int j = 0; j < job.hidden[l].outDim; ++j) {
          std::fill_n(buffers.aT[l] + static_cast<size_t>(j) * kBlockRows + rows, kBlockRows - rows, 0.0f);
        }
      }
    }
    for (int l = 0; l < L; ++l) {
      if (hasContext(job, job.hidden[l]) && packed.readsLanes[l]) {
        toTransposed(buffers.a[l], job.hidden[l].outDim, rows, 0, job.hidden[l].outDim, buffers.aT[l]);
      }
    }
  }
  for (int d = 0; d < steps; ++d) {
    const float* input = x;
    for (int l = 0; l < L; ++l) {
      const StaircaseLayer& layer = job.hidden[l];
      int start, end;
      range(job, P, l, d, &start, &end);
      float* a = buffers.a[l];
      const size_t index = static_cast<size_t>(l) * steps + d;
      if (start < end && packed.lanes[index]) {
        const bool context = hasContext(job, layer);
        prefixGemmLanes(rows, kBlockRows, layer.inDim, l == 0 ? buffers.xT : buffers.aT[l - 1], layer.prefix,
                        packed.at(index), context ? nullptr : layer.bias, buffers.aT[l], context, layer.act, start, end);
        if (packed.readsRows[l + 1]) toRowMajor(buffers.aT[l], layer.outDim, rows, start, end, a);
      } else if (start < end) {
        layerRange(job, layer, rows, input, packed.at(index), a, layer.act, start, end);
        if (packed.readsLanes[l + 1]) toTransposed(a, layer.outDim, rows, start, end, buffers.aT[l]);
        if (job.residual) {
          float* h = buffers.h[l];
          const float* below = l == 0 ? nullptr : buffers.h[l - 1];
          for (int r = 0; r < rows; ++r) {
            const size_t o = static_cast<size_t>(r) * layer.outDim;
            for (int j = start; j < end; ++j) h[o + j] = below == nullptr ? a[o + j] : below[o + j] + a[o + j];
          }
        }
      }
      input = job.residual ? buffers.h[l] : a;
    }
    int start, end;
    range(job, P, L, d, &start, &end);
    layerRange(job, job.output, rows, input, packed.at(static_cast<size_t>(L) * steps + d), buffers.params,
               Act::Identity, start, end);
    if (job.parallel) {
      transformInverse(job.transformer, rows, D, 0, D, x, buffers.params, u, job.logDet + r0, true);
    } else {
      transformForward(job.transformer, rows, D, d, d + 1, u, buffers.params, x, job.logDet + r0, true, report);
      if (packed.readsLanes[0]) toTransposed(x, D, rows, d, d + 1, buffers.xT);
    }
  }
}

void runTask(void* context, int task) {
  const Run& run = *static_cast<const Run*>(context);
  const StaircasePass& job = *run.job;
  thread_local BlockBuffers buffers;
  buffers.prepare(job, run.P, run.packed->anyLanes());
  const int b0 = task * run.blocksPerTask;
  const int b1 = std::min(run.blocks, b0 + run.blocksPerTask);
  // A task's numerical-inversion counts are its own, merged into the pass's report once at its end.
  InversionReport report;
  for (int b = b0; b < b1; ++b) {
    const int r0 = b * kBlockRows;
    runRows(job, *run.packed, run.P, run.steps, r0, std::min(kBlockRows, job.batch - r0), buffers,
            job.inversion == nullptr ? nullptr : &report);
  }
  if (job.inversion != nullptr) {
    std::lock_guard<std::mutex> lock(*run.reportLock);
    job.inversion->merge(report);
  }
}

}  // namespace

void staircasePass(const StaircasePass& job) {
  if (job.batch <= 0 || job.features <= 0 || job.hidden.empty()) return;
  const int P = job.transformer.paramsPerFeature();
  thread_local Packed packed;
  pack(job, P, packed);
  ThreadPool& pool = ThreadPool::instance();
  std::mutex reportLock;
  Run run{&job, &packed, P, stepsOf(job), 0, (job.batch + kBlockRows - 1) / kBlockRows, &reportLock};
  double macsPerRow = 0;  // below ~1 MFLOP in all, waking the pool costs more than it saves
  for (const StaircaseLayer& layer : job.hidden) {
    for (int j = 0; j < layer.outDim; ++j) macsPerRow += layer.prefix[j];
  }
  for (int j = 0; j < job.output.outDim; ++j) macsPerRow += job.output.prefix[j];
  // The monotone transformers cost far more than a multiply-add per parameter (UMNN integrates over its nodes; the
  // sampler solves, ~8 evaluations per entry): rough weights, so that their passes use the pool at small batches too.
  if (job.transformer.monotone()) {
    const double nodes = job.transformer.kind == TransformerKind::Umnn ? job.transformer.intervals + 1 : 1;
    macsPerRow += 4.0 * job.output.outDim * nodes * (job.parallel ? 1 : 8);
  }
  // Several tasks per thread, claimed dynamically: when another thread of the process (the JS engine's compiler or
  // garbage collector) holds a core for a while, the other threads take over its share instead of waiting for it.
  const int tasks = 2.0 * macsPerRow * job.batch < 1e6 ? 1 : std::min(pool.size() * kTasksPerThread, run.blocks);
  run.blocksPerTask = (run.blocks + tasks - 1) / tasks;
  const int used = (run.blocks + run.blocksPerTask - 1) / run.blocksPerTask;
  if (used <= 1) {
    runTask(&run, 0);
  } else {
    pool.run(used, runTask, &run);
  }
}

}  // namespace maflow
