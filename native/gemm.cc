// Prefix (staircase) GEMM: the public entry points, the choice of instruction set at run time and the split of a
// call over the thread pool. The kernels themselves are in gemm-kernels.h, compiled once per ISA (gemm-<isa>.cc).
#include "gemm.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "gemm-isa.h"
#include "thread-pool.h"

namespace maflow {
using namespace gemm;
namespace {

struct Isa {
  const char* name;
  BlockFn block;
  PackFn pack;
  PackedFn packed;
  int mr;
  int nr;  // NR = 2 vectors; the narrow panel width VL is nr / 2
};

const Isa kIsas[] = {{"avx512", blockAvx512, packAvx512, packedAvx512, 8, 32},
                     {"avx2", blockAvx2, packAvx2, packedAvx2, 6, 16},
                     {"generic", blockGeneric, packGeneric, packedGeneric, 4, 8}};

bool supported(const Isa& isa) {
  __builtin_cpu_init();
  if (std::strcmp(isa.name, "avx512") == 0) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma");
  }
  if (std::strcmp(isa.name, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return true;
}

const Isa* bestIsa() {
  for (const Isa& isa : kIsas)
    if (supported(isa)) return &isa;
  return &kIsas[2];
}

const Isa* active = bestIsa();

void runTask(void* context, int task) {
  const Job& job = *static_cast<const Job*>(context);
  if (job.splitColumns) {
    active->block(job, 0, job.m, job.split[task], job.split[task + 1]);
  } else {
    active->block(job, job.split[task], job.split[task + 1], job.nStart, job.nEnd);
  }
}

// Work of column n of C (multiply-adds per row), for balancing column splits.
double columnWork(const Job& job, int n) {
  if (job.prefix == nullptr) return job.k;
  switch (job.mode) {
    case Mode::Forward: return job.prefix[n];
    default: return job.outDim - (std::upper_bound(job.prefix, job.prefix + job.outDim, n) - job.prefix);
  }
}

// Runs the job on the calling thread, or split over the pool when it is large: by columns when C is wider than
// tall (each task then packs only its own B panels; A is small), else by rows; tasks get about equal work.
void run(Job& job, double usefulMacs) {
  ThreadPool& pool = ThreadPool::instance();
  const Isa& isa = *active;
  const int rowBlocks = (job.m + isa.mr - 1) / isa.mr;
  const int panels = (job.nEnd - job.nStart + isa.nr - 1) / isa.nr;
  job.splitColumns = job.nEnd - job.nStart > job.m;
  const int units = job.splitColumns ? panels : rowBlocks;
  // A forward layer with a short reduction (MADE input layers: K = D) costs its stores and activations, not its
  // multiply-adds: count each output as a few flops so that such calls use both cores too.
  const double outputs = job.mode == Mode::Forward ? static_cast<double>(job.m) * (job.nEnd - job.nStart) : 0.0;
  job.tasks = 2.0 * usefulMacs + kOutputFlops * outputs < kParallelFlops ? 1 : std::min({pool.size(), units, kMaxTasks});
  if (job.tasks <= 1) {
    isa.block(job, 0, job.m, job.nStart, job.nEnd);
    return;
  }
  if (job.splitColumns) {
    balanceRanges(job.nStart, job.nEnd, isa.nr, job.tasks, [&](int n) { return columnWork(job, n); }, job.split);
  } else if (job.mode == Mode::BackwardWeight && job.prefix != nullptr) {
    balanceRanges(0, job.m, isa.mr, job.tasks, [&](int row) { return static_cast<double>(job.prefix[row]); }, job.split);
  } else {
    balanceRanges(0, job.m, isa.mr, job.tasks, [](int) { return 1.0; }, job.split);
  }
  pool.run(job.tasks, runTask, &job);
}

double prefixSum(const int32_t* prefix, int dim, int start, int end) {
  if (prefix == nullptr) return static_cast<double>(dim) * (end - start);
  double sum = 0;
  for (int j = start; j < end; ++j) sum += prefix[j];
  return sum;
}

}  // namespace

void prefixGemm(int batch, int inDim, int outDim, const float* x, const float* w, const int32_t* prefix,
                const float* bias, float* out, bool accumulate, Act act, int outStart, int outEnd) {
  if (batch <= 0 || outStart >= outEnd) return;
  Job job{};
  job.mode = Mode::Forward;
  job.batch = batch, job.inDim = inDim, job.outDim = outDim;
  job.m = batch, job.k = inDim, job.n = outDim;
  job.nStart = outStart, job.nEnd = outEnd;
  job.kNeed = prefix == nullptr ? inDim : prefix[outEnd - 1];
  job.a = x, job.b = w, job.prefix = prefix, job.bias = bias, job.c = out;
  job.accumulate = accumulate, job.act = act;
  run(job, batch * prefixSum(prefix, inDim, outStart, outEnd));
}

void prefixGemmBackwardInput(int batch, int inDim, int outDim, const float* dOut, const float* w,
                             const int32_t* prefix, float* dIn, bool accumulate) {
  if (batch <= 0 || inDim <= 0) return;
  Job job{};
  job.mode = Mode::BackwardInput;
  job.batch = batch, job.inDim = inDim, job.outDim = outDim;
  job.m = batch, job.k = outDim, job.n = inDim;
  job.nStart = 0, job.nEnd = inDim;
  job.kNeed = outDim;
  job.a = dOut, job.b = w, job.prefix = prefix, job.c = dIn;
  job.accumulate = accumulate;
  run(job, batch * prefixSum(prefix, inDim, 0, outDim));
}

void prefixGemmBackwardWeight(int batch, int inDim, int outDim, const float* dOut, const float* x,
                              const int32_t* prefix, float* dW, float* dBias, bool accumulate) {
  if (outDim <= 0) return;
  if (batch <= 0) {  // an empty sum: overwriting means zeroing
    if (!accumulate) {
      for (int j = 0; j < outDim; ++j) {
        std::memset(dW + static_cast<size_t>(j) * inDim, 0, sizeof(float) * (prefix == nullptr ? inDim : prefix[j]));
      }
      if (dBias != nullptr) std::memset(dBias, 0, sizeof(float) * outDim);
    }
    return;
  }
  Job job{};
  job.mode = Mode::BackwardWeight;
  job.batch = batch, job.inDim = inDim, job.outDim = outDim;
  job.m = outDim, job.k = batch, job.n = inDim;
  job.nStart = 0, job.nEnd = inDim;
  job.kNeed = batch;
  job.a = dOut, job.b = x, job.prefix = prefix, job.c = dW, job.dBias = dBias;
  job.accumulate = accumulate;
  run(job, batch * prefixSum(prefix, inDim, 0, outDim));
}

// The forward Job of an accumulating call over columns [outStart, outEnd) (the staircase sampler's calls).
static Job accumulateJob(int batch, int inDim, int outDim, const float* x, const float* w, const int32_t* prefix,
                         float* out, Act act, int outStart, int outEnd) {
  Job job{};
  job.mode = Mode::Forward;
  job.batch = batch, job.inDim = inDim, job.outDim = outDim;
  job.m = batch, job.k = inDim, job.n = outDim;
  job.nStart = outStart, job.nEnd = outEnd;
  job.kNeed = outStart >= outEnd ? 0 : prefix == nullptr ? inDim : prefix[outEnd - 1];
  job.a = x, job.b = w, job.prefix = prefix, job.c = out;
  job.accumulate = true, job.act = act, job.tasks = 1;
  return job;
}

size_t prefixGemmPackedFloats(int inDim, const int32_t* prefix, int outStart, int outEnd) {
  if (outStart >= outEnd) return 0;
  return packedFloatsFor(prefix, inDim, outStart, outEnd, active->nr / 2, active->nr);
}

void prefixGemmPack(int inDim, int outDim, const float* w, const int32_t* prefix, int outStart, int outEnd,
                    float* packed) {
  if (prefixGemmPackedFloats(inDim, prefix, outStart, outEnd) == 0) return;
  const Job job = accumulateJob(0, inDim, outDim, nullptr, w, prefix, nullptr, Act::Identity, outStart, outEnd);
  active->pack(job, outStart, outEnd, packed);
}

void prefixGemmAccumulatePacked(int rows, int inDim, int outDim, const float* x, const float* w,
                                const int32_t* prefix, const float* packed, float* out, Act act, int outStart,
                                int outEnd) {
  if (rows <= 0 || outStart >= outEnd) return;
  const Job job = accumulateJob(rows, inDim, outDim, x, w, prefix, out, act, outStart, outEnd);
  active->packed(job, 0, rows, outStart, outEnd, packed);
}

const char* gemmIsa() { return active->name; }

bool setGemmIsa(const char* name) {
  for (const Isa& isa : kIsas) {
    if (std::strcmp(isa.name, name) == 0 && supported(isa)) {
      active = &isa;
      return true;
    }
  }
  return false;
}

}  // namespace maflow
