// The fused training pass of a MAF layer. Layer by layer from JavaScript, a small MADE's training step is ~13 kernel
// calls, each parsing its descriptor, each deciding on its own whether to wake the thread pool, with JavaScript loops
// between them (copies of gradients, the residual and direct-path sums). Here the same kernels run back to back in one
// call, in the order and with the arithmetic of MaskedLinear.forward / backward. A small network's pass (power, gas:
// each layer's GEMM about a MFLOP) runs on the calling thread (see kMinRowSplitFlops). A medium network (more work, the
// weights still small) is split by rows: each task takes its rows through every layer, forward or backward, with the
// kernels it calls running on its own thread, and the weight gradients (sums over all rows) are per-task partial sums
// added at the end. A large network keeps one call per kernel, each split over the pool as when it is called alone,
// except that with two threads its backward runs each layer's input and weight gradients side by side.
#include "staircase-train.h"

#include <algorithm>
#include <cstring>

#include "elementwise.h"
#include "gemm.h"
#include "thread-pool.h"

namespace maflow {
namespace {

// Row splitting pays when the layers are small: at most this many live weights (partial weight gradients per task
// then stay in L2), at least kMinRowsPerTask rows per task, and enough work to cover waking the pool and packing the
// weights once per task; a pass under kMinRowSplitFlops (flops, the backward's counted twice) runs on the calling
// thread. Alone, a small pass gains from the split: measured on AMD EPYC Zen 4, 2 threads, interleaved in one process
// (per round the min of 15 passes, median of 9 rounds) with the second core idle, a power MADE (D = 6, [100, 100],
// batch 100; forward 1.4 MFLOP) forward 27 → 16-18 us, backward 51 → 36-38 us; a [64, 64] MADE forward 15.8 → 10.8,
// backward 25.8 → 22.3 us; at batch 32 (16 rows per task) the backward lost, 18.8 → 24.2 us. Within a training step
// it did not: `bench flows` (2 rounds, 4 alternated runs each, load 1.5-1.8) gave power 0.97 ms/step on one thread
// against 1.17 split at 1e6, gas 1.0 against 1.05 (not explained yet: perhaps the worker spinning between passes on
// the core that V8's own threads want), and at load 18-20 a power step took 1.49 ms split against 0.90. On AMD EPYC
// Zen 3 (2 threads, alternated runs) the split from 1e6 won on a quiet machine, 1.23 -> 1.01 ms per power step, and
// lost with one busy process beside it, 1.18 -> 1.5. Judging it at run time (a probe of a few passes each way every
// 200 ms) does not rescue it: a backward pass split by rows sums its weight gradients per task, so which way it ran
// would change the trained numbers' rounding (and running its tasks in turn on one thread to keep those sums cost
// 0.14 ms per step), while the forward passes alone, shared, measured slower than unshared, the worker having gone
// to sleep between them.
constexpr double kMaxRowSplitWeights = 1 << 17;
constexpr int kMinRowsPerTask = 16;
constexpr double kMinRowSplitFlops = 4e6;
constexpr int kRowStep = 8;  // tasks start on multiples of the GEMM's row tiles

size_t count(int rows, int width) { return static_cast<size_t>(rows) * width; }

// Pointers into `saved` for rows starting at r0: a_l, h_l (a_l without residual) and θ.
struct Views {
  std::vector<float*> a, h;
  float* params;
  Views(const StaircasePass& job, float* saved, int r0) {
    for (const StaircaseLayer& layer : job.hidden) {
      a.push_back(saved + count(r0, layer.outDim)), saved += count(job.batch, layer.outDim);
      if (job.residual) h.push_back(saved + count(r0, layer.outDim)), saved += count(job.batch, layer.outDim);
      else h.push_back(a.back());
    }
    params = saved + count(r0, job.output.outDim);
  }
};

const StaircaseLayer& layerOf(const StaircasePass& job, int l) {
  return l < static_cast<int>(job.hidden.size()) ? job.hidden[l] : job.output;
}

// out = act(W · in + W_c · c + b) for `rows` rows, as MaskedLinear.forward.
void layerForward(const StaircasePass& job, const StaircaseLayer& layer, int rows, const float* context,
                  const float* input, float* out, Act act) {
  if (layer.contextWeight != nullptr && context != nullptr) {
    prefixGemm(rows, job.contextFeatures, layer.outDim, context, layer.contextWeight, nullptr, layer.bias, out, false,
               Act::Identity, 0, layer.outDim);
    prefixGemm(rows, layer.inDim, layer.outDim, input, layer.w, layer.prefix, nullptr, out, true, act, 0, layer.outDim);
  } else {
    prefixGemm(rows, layer.inDim, layer.outDim, input, layer.w, layer.prefix, layer.bias, out, false, act, 0,
               layer.outDim);
  }
}

void forwardRows(const StaircasePass& job, float* saved, int r0, int rows) {
  const Views s(job, saved, r0);
  const int D = job.features, C = job.contextFeatures;
  const float* context = job.context == nullptr ? nullptr : job.context + count(r0, C);
  const float* x = job.x + count(r0, D);
  const float* input = x;
  for (size_t l = 0; l < job.hidden.size(); ++l) {
    const StaircaseLayer& layer = job.hidden[l];
    layerForward(job, layer, rows, context, input, s.a[l], layer.act);
    if (job.residual) {
      const float* below = l == 0 ? nullptr : s.h[l - 1];
      const size_t n = count(rows, layer.outDim);
      for (size_t i = 0; i < n; ++i) s.h[l][i] = (below == nullptr ? 0.0f : below[i]) + s.a[l][i];
    }
    input = s.h[l];
  }
  layerForward(job, job.output, rows, context, input, s.params, Act::Identity);
  transformInverse(job.transformer, rows, D, 0, D, x, s.params, job.u + count(r0, D), job.logDet + r0, true);
}

struct Backward {
  const StaircasePass* job;
  const float* saved;
  const float* dZ;
  const double* dLogDet;
  float* dX;
  float* dContext;
  const std::vector<LayerGradients>* gradients;
};

// The work buffers of one row block: dθ, two ping-pong gradients and the residual copy.
struct RowBuffers {
  std::vector<float> storage;
  float *dParams, *dh, *dIn, *dA;
  void prepare(const StaircasePass& job, int rows) {
    int width = job.output.inDim;
    for (const StaircaseLayer& layer : job.hidden) width = std::max({width, layer.inDim, layer.outDim});
    const size_t params = count(rows, job.output.outDim), hidden = count(rows, width);
    if (storage.size() < params + 3 * hidden) storage.resize(params + 3 * hidden);
    dParams = storage.data(), dh = dParams + params, dIn = dh + hidden, dA = dIn + hidden;
  }
};

// Runs a() and b() as the pool's two tasks, each with every kernel it calls on its own thread (see onCallingThread).
template <typename A, typename B>
void runPair(A a, B b) {
  struct Both {
    A* a;
    B* b;
  } both{&a, &b};
  ThreadPool::instance().run(
      2, [](void* context, int t) { t == 0 ? (*static_cast<Both*>(context)->a)() : (*static_cast<Both*>(context)->b)(); },
      &both);
}

// Everything of the backward pass for rows [r0, r0 + rows), the weight gradients into `g` (the caller's, or a task's
// partial sums). `pair`: each layer's input gradient (with dContext) and weight gradients (with the context weights')
// run side by side, one on each of the pool's two threads, instead of each kernel split over both: the two have the
// same multiply-adds, and a staircase GEMM split over 2 threads ran only 1.7× as fast as on 1 (a dense one 1.96×).
// Whole training steps (5-MADE MAF + Adam, batch 100, AMD EPYC Zen 4, 2 threads, 10-step blocks interleaved in one
// process with the unpaired build, median of per-round ratios, load 1.3-3.7): hepmass 0.94, miniboone 0.94, bsds300
// 0.94 of the unpaired step time on avx512, 0.93 / 0.92 / 0.99 on avx2.
void backwardRows(const Backward& b, int r0, int rows, const std::vector<LayerGradients>& g, RowBuffers& work,
                  bool pair = false) {
  const StaircasePass& job = *b.job;
  const int D = job.features, C = job.contextFeatures;
  const int L = static_cast<int>(job.hidden.size());
  const Views s(job, const_cast<float*>(b.saved), r0);
  work.prepare(job, rows);
  const float* x = job.x + count(r0, D);
  const float* context = job.context == nullptr ? nullptr : job.context + count(r0, C);
  float* dContext = b.dContext == nullptr ? nullptr : b.dContext + count(r0, C);
  float* dX = b.dX + count(r0, D);
  const Transformer& t = job.transformer;
  affineInverseBackward(rows, D, s.params, job.u + count(r0, D), b.dZ + count(r0, D),
                        b.dLogDet == nullptr ? nullptr : b.dLogDet + r0, dX, work.dParams, t.bound, t.shiftOnly);
  // One layer from dOut (its pre-activation gradient): weights, context weights, dContext, then dIn.
  auto layerBackward = [&](int l, const float* input, const float* dOut, float* dIn) {
    const StaircaseLayer& layer = layerOf(job, l);
    const bool withContext = layer.contextWeight != nullptr && context != nullptr;
    auto weights = [&] {
      prefixGemmBackwardWeight(rows, layer.inDim, layer.outDim, dOut, input, layer.prefix, g[l].dWeight, g[l].dBias,
                               g[l].accumulate);
      if (withContext && g[l].dContextWeight != nullptr) {
        prefixGemmBackwardWeight(rows, C, layer.outDim, dOut, context, nullptr, g[l].dContextWeight, nullptr,
                                 g[l].accumulateContext);
      }
    };
    auto inputs = [&] {
      if (withContext && dContext != nullptr) {
        prefixGemmBackwardInput(rows, C, layer.outDim, dOut, layer.contextWeight, nullptr, dContext, true);
      }
      prefixGemmBackwardInput(rows, layer.inDim, layer.outDim, dOut, layer.w, layer.prefix, dIn, false);
    };
    if (pair) {
      runPair(inputs, weights);
    } else {
      weights();
      inputs();
    }
  };
  float* dh = work.dh;
  float* dIn = work.dIn;
  layerBackward(L, s.h[L - 1], work.dParams, dh);
  for (int l = L - 1; l >= 0; --l) {
    const StaircaseLayer& layer = job.hidden[l];
    const size_t n = count(rows, layer.outDim);
    float* grad = dh;
    if (job.residual) grad = static_cast<float*>(std::memcpy(work.dA, dh, sizeof(float) * n));
    if (layer.act != Act::Identity) activationBackward(layer.act, static_cast<int64_t>(n), s.a[l], grad, grad);
    layerBackward(l, l == 0 ? x : s.h[l - 1], grad, dIn);
    // The skip connection h_l = h_{l−1} + … passes dh straight through.
    if (job.residual && l > 0) {
      for (size_t i = 0; i < n; ++i) dIn[i] += dh[i];
    }
    std::swap(dh, dIn);
  }
  // x reaches z twice: directly through τ⁻¹ and through the conditioner.
  const size_t n = count(rows, D);
  for (size_t i = 0; i < n; ++i) dX[i] += dh[i];
}

// Live weights and flops per row of the whole network.
void sizeOf(const StaircasePass& job, double* liveWeights, double* flopsPerRow) {
  double live = 0, context = 0;
  for (int l = 0; l <= static_cast<int>(job.hidden.size()); ++l) {
    const StaircaseLayer& layer = layerOf(job, l);
    for (int j = 0; j < layer.outDim; ++j) live += layer.prefix[j];
    if (layer.contextWeight != nullptr && job.context != nullptr) context += static_cast<double>(layer.outDim) * job.contextFeatures;
  }
  *liveWeights = live + context;
  *flopsPerRow = 2 * (live + context);
}

// How many row tasks a pass of `job` takes: 0 = every kernel on the calling thread, 1 = the kernels split
// themselves, more = that many row tasks; `factor` weighs its flops (forward 1, backward 2).
int rowTasks(const StaircasePass& job, double factor) {
  double live, flops;
  sizeOf(job, &live, &flops);
  const int threads = ThreadPool::instance().size();
  if (threads <= 1 || live > kMaxRowSplitWeights) return 1;
  if (factor * flops * job.batch < kMinRowSplitFlops) return 0;
  return std::max(1, std::min(threads, job.batch / kMinRowsPerTask));
}

// Runs `body` with every kernel it calls on the calling thread: a job submitted while the pool runs one runs on its
// caller, so `body` runs as the pool's one task.
template <typename Body>
void onCallingThread(Body body) {
  ThreadPool::instance().run(1, [](void* context, int) { (*static_cast<Body*>(context))(); }, &body);
}

// Task t's rows: [split(t), split(t + 1)) on multiples of kRowStep.
int split(int batch, int tasks, int t) {
  if (t >= tasks) return batch;
  const int steps = (batch + kRowStep - 1) / kRowStep;
  return std::min(batch, static_cast<int>(static_cast<int64_t>(steps) * t / tasks) * kRowStep);
}

struct ForwardRun {
  const StaircasePass* job;
  float* saved;
  int tasks;
};

void forwardTask(void* context, int t) {
  const ForwardRun& run = *static_cast<const ForwardRun*>(context);
  const int r0 = split(run.job->batch, run.tasks, t), r1 = split(run.job->batch, run.tasks, t + 1);
  if (r1 > r0) forwardRows(*run.job, run.saved, r0, r1 - r0);
}

// Per-task partial weight gradients (overwritten by each task, then added into the caller's).
struct Partials {
  std::vector<float> storage;
  std::vector<LayerGradients> layers;
  void prepare(const StaircasePass& job) {
    size_t total = 0;
    const int C = job.contextFeatures;
    for (int l = 0; l <= static_cast<int>(job.hidden.size()); ++l) {
      const StaircaseLayer& layer = layerOf(job, l);
      total += count(layer.outDim, layer.inDim) + layer.outDim + (C > 0 ? count(layer.outDim, C) : 0);
    }
    if (storage.size() < total) storage.resize(total);
    layers.clear();
    float* next = storage.data();
    for (int l = 0; l <= static_cast<int>(job.hidden.size()); ++l) {
      const StaircaseLayer& layer = layerOf(job, l);
      LayerGradients g{next, next + count(layer.outDim, layer.inDim), nullptr, false, false};
      next = g.dBias + layer.outDim;
      if (C > 0) g.dContextWeight = next, next += count(layer.outDim, C);
      layers.push_back(g);
    }
  }
};

struct BackwardRun {
  const Backward* backward;
  std::vector<Partials>* partials;
  int tasks;
};

void backwardTask(void* context, int t) {
  const BackwardRun& run = *static_cast<const BackwardRun*>(context);
  const StaircasePass& job = *run.backward->job;
  thread_local RowBuffers work;
  const int r0 = split(job.batch, run.tasks, t), r1 = split(job.batch, run.tasks, t + 1);
  Partials& p = (*run.partials)[t];
  p.prepare(job);
  std::vector<LayerGradients> g = p.layers;
  // A task without rows still owns partial sums: zero.
  for (int l = 0; l < static_cast<int>(g.size()); ++l) {
    if (run.backward->gradients->at(l).dContextWeight == nullptr) g[l].dContextWeight = nullptr;
  }
  if (r1 > r0) {
    backwardRows(*run.backward, r0, r1 - r0, g, work);
  } else {
    for (int l = 0; l < static_cast<int>(g.size()); ++l) {
      const StaircaseLayer& layer = layerOf(job, l);
      prefixGemmBackwardWeight(0, layer.inDim, layer.outDim, nullptr, nullptr, layer.prefix, g[l].dWeight, g[l].dBias, false);
      if (g[l].dContextWeight != nullptr) {
        prefixGemmBackwardWeight(0, job.contextFeatures, layer.outDim, nullptr, nullptr, nullptr, g[l].dContextWeight, nullptr, false);
      }
    }
  }
}

// target[i] = (accumulate ? target[i] : 0) + Σ_t part_t[i] over the live entries of a [rows, cols] layout.
void addPartials(float* target, const std::vector<const float*>& parts, int rows, int cols, const int32_t* prefix,
                 bool accumulate) {
  for (int r = 0; r < rows; ++r) {
    const size_t o = count(r, cols);
    const int live = prefix == nullptr ? cols : prefix[r];
    for (int i = 0; i < live; ++i) {
      float sum = accumulate ? target[o + i] + parts[0][o + i] : parts[0][o + i];
      for (size_t t = 1; t < parts.size(); ++t) sum += parts[t][o + i];
      target[o + i] = sum;
    }
  }
}

}  // namespace

void staircaseTrainForward(const StaircasePass& job, float* saved) {
  if (job.batch <= 0) return;
  ForwardRun run{&job, saved, rowTasks(job, 1)};
  // With one task the kernels split themselves; with several, each task's kernels run on its thread (a job submitted
  // while the pool runs one runs on its caller).
  if (run.tasks == 0) onCallingThread([&] { forwardRows(job, saved, 0, job.batch); });
  else if (run.tasks == 1) forwardRows(job, saved, 0, job.batch);
  else ThreadPool::instance().run(run.tasks, forwardTask, &run);
}

void staircaseTrainBackward(const StaircasePass& job, const float* saved, const float* dZ, const double* dLogDet,
                            float* dX, float* dContext, const std::vector<LayerGradients>& gradients) {
  const int L = static_cast<int>(job.hidden.size());
  if (job.batch <= 0) {
    // An empty batch: every overwritten gradient is zero.
    for (int l = 0; l <= L; ++l) {
      const StaircaseLayer& layer = layerOf(job, l);
      const LayerGradients& g = gradients[l];
      prefixGemmBackwardWeight(0, layer.inDim, layer.outDim, nullptr, nullptr, layer.prefix, g.dWeight, g.dBias, g.accumulate);
      if (g.dContextWeight != nullptr) {
        prefixGemmBackwardWeight(0, job.contextFeatures, layer.outDim, nullptr, nullptr, nullptr, g.dContextWeight, nullptr,
                                 g.accumulateContext);
      }
    }
    return;
  }
  const Backward b{&job, saved, dZ, dLogDet, dX, dContext, &gradients};
  const int tasks = rowTasks(job, 2);
  if (tasks <= 1) {
    thread_local RowBuffers work;
    if (tasks == 0) onCallingThread([&] { backwardRows(b, 0, job.batch, gradients, work); });
    else backwardRows(b, 0, job.batch, gradients, work, ThreadPool::instance().size() == 2);
    return;
  }
  thread_local std::vector<Partials> partials;
  if (static_cast<int>(partials.size()) < tasks) partials.resize(tasks);
  BackwardRun run{&b, &partials, tasks};
  ThreadPool::instance().run(tasks, backwardTask, &run);
  std::vector<const float*> parts(tasks);
  for (int l = 0; l <= L; ++l) {
    const StaircaseLayer& layer = layerOf(job, l);
    const LayerGradients& g = gradients[l];
    for (int t = 0; t < tasks; ++t) parts[t] = partials[t].layers[l].dWeight;
    addPartials(g.dWeight, parts, layer.outDim, layer.inDim, layer.prefix, g.accumulate);
    for (int t = 0; t < tasks; ++t) parts[t] = partials[t].layers[l].dBias;
    addPartials(g.dBias, parts, 1, layer.outDim, nullptr, g.accumulate);
    if (g.dContextWeight != nullptr && layer.contextWeight != nullptr && job.context != nullptr) {
      for (int t = 0; t < tasks; ++t) parts[t] = partials[t].layers[l].dContextWeight;
      addPartials(g.dContextWeight, parts, layer.outDim, job.contextFeatures, nullptr, g.accumulateContext);
    }
  }
}

}  // namespace maflow
