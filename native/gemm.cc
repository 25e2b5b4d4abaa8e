// Prefix (staircase) GEMM: the public entry points, the choice of instruction set at run time and the split of a
// call over the thread pool. The kernels themselves are in gemm-kernels.h, compiled once per ISA (gemm-<isa>.cc).
#include "gemm.h"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "gemm-isa.h"
#include "thread-pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace maflow {
using namespace gemm;
namespace {

// The kernel in use: an ISA's kernels, one of its forward tiles, the forward reduction block and the backward tile.
struct Kernel {
  const IsaKernels* isa;
  const ForwardTile* tile;
  int kc;
  const BackwardTile* backward;
};

// The kernel of `tile` (reduction block kc, 0 = the tile's) with the ISA's backward tile of the same vector width.
Kernel kernelOf(const IsaKernels* isa, const ForwardTile* tile, int kc) {
  const BackwardTile* backward = &isa->backwards[0];
  for (int b = 0; b < isa->backwardCount; ++b) {
    if (isa->backwards[b].vl == tile->vl) {
      backward = &isa->backwards[b];
      break;
    }
  }
  return Kernel{isa, tile, kc == 0 ? tile->kc : kc, backward};
}

// Best first. The forward tiles as `npm run bench -- gemm` measured them (dense [100, 512]·[512, 512], [64, 512]·[512,
// 512], [100, 1024]·[1024, 1024], [64, 1024]·[1024, 1024]; % of OpenBLAS 0.3.21 sgemm with its Haswell (AVX2) kernels,
// the faster ones on this CPU, in the same run, 1 thread, AMD EPYC Zen 4, medians of 3 interleaved rounds on a loaded
// 2-core VM, so ±3 %). Once each broadcast of A was one load (accumulateRows) and a batch of 100 one row block
// (kForwardRows): avx2 4x24 97/96/92/93 %, 6x16 98/96/94/92, 3x32 98/96/87/85 (before: 3x32 82/81/63/55, 6x16
// 63/65/58/61); avx512 ymm 4x24 97/96/97/94, 8x24 87/98/88/94; zmm 8x48 93/95/92/82, 8x32 96/98/80/91, 4x64 99/98/
// 67/75. On Zen 4 a zmm FMA takes both 256-bit halves, so the zmm tiles compute no faster and their wider panels fall
// out of L1 at K = 1024: avx512 takes its ymm 4x24 there (halfWidthAvx512), 8x48 elsewhere. On Intel Emerald Rapids
// (2 FMA ports of 512 bits; same bench, % of OpenBLAS's SkylakeX sgemm, 1 thread, noisy 2-core VM) zmm 8x48 ran at
// 101/95/100/89 %, 4x64 93/101/101/99, 8x32 98/100/96/99, and the ymm tiles at 58–62 %, as the halved width predicts:
// 8x48 stays the default there, and its zmm 8x32 backward tile beat the ymm 6x32 one (a hepmass step's backward 3.9
// against 4.7 ms, bsds300 equal). On AMD Zen 2 (AVX2 only, 32 KB L1d; % of OpenBLAS's Zen sgemm, 1 thread) avx2 4x24
// ran at 95/92/91/89 %, 6x16 95/91/91/87, 3x32 93/89/90/89, and 4x24 at kc 256 or 384 1-3 % below kc 512 although a
// kc-512 panel (48 KB) does not fit L1: 4x24/kc512 stays the AVX2 default. Its loop alone, operands resident, runs at
// 94-96 % of the CPU's FMA peak (93.8 GFLOP/s on one core), 79 % inside the dense GEMM.
// The backward GEMMs keep their reduction block; their tiles are in gemm-<isa>.cc.
const IsaKernels* const kIsas[] = {&kAvx512Kernels, &kAvx2Kernels, &kGenericKernels};
// Every ISA's kernels by name (MAFLOW_GEMM_KERNEL, setGemmIsa), with those never chosen automatically: the bfloat16
// products of gemm-bf16.cc (MAFLOW_GEMM_PRECISION=bf16, src/kernels/select.ts). At the four shapes above, measured in
// the same way, avx512bf16 8x32 ran at 185/177/185/177 GFLOP/s, 178/177/179/179 % of OpenBLAS's float32 sgemm (Zen 4
// issues a vdpbf16ps, two products per lane, as fast as an FMA), with sums within 5e-5 of Σ|x·w| of the exact ones.
// On Intel Emerald Rapids it is slower than float32: 8x32 73–78 GFLOP/s (1 thread) against 8x48's 98–128, about 0.6 of
// float32's speed for less precision; it stays an option measured per CPU, never a default.
const IsaKernels* const kNamedIsas[] = {&kAvx512Kernels, &kAvx2Kernels, &kGenericKernels, &kAvx512Bf16Kernels};
constexpr int kBackwardKc = 256;
// Forward row block: the rows of x that stay in L2 while every B panel passes over them. A batch of 100 (the paper
// configurations) fits one block, so B is packed panel by panel just before use; at MR·16 rows (48–96 for the avx2
// tiles, 96 for avx512 6x64) a batch of 100 packed the whole of B first (4 MB at [1024, 1024], past L2) and passed
// over it twice, once for 4 rows: avx2 6x16 at [100, 1024]·[1024, 1024] went from 82 to 92 GFLOP/s with 128.
constexpr int kForwardRows = 128;

bool supported(const IsaKernels& isa) {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("fma");
  if (std::strcmp(isa.name, "avx512") == 0) return avx512;
  if (std::strcmp(isa.name, "avx512bf16") == 0) return avx512 && __builtin_cpu_supports("avx512bf16");
  if (std::strcmp(isa.name, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return true;
}

// Whether the CPU runs 512-bit FMAs as two 256-bit halves: AMD family 19h with AVX-512 (Zen 4; Zen 3, the same
// family, has no AVX-512; Zen 5, family 1Ah, has whole 512-bit units).
bool halfWidthAvx512() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0, &eax, &ebx, &ecx, &edx) == 0) return false;
  const bool amd = ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163;  // "AuthenticAMD"
  if (!amd || __get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
  const unsigned family = ((eax >> 8) & 0xf) + ((eax >> 20) & 0xff);
  return family == 0x19 && __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

// The ISA's default forward tile on this CPU (see IsaKernels::halfWidthTile).
const ForwardTile* defaultTile(const IsaKernels& isa) {
  if (isa.halfWidthTile != nullptr && halfWidthAvx512()) {
    for (int t = 0; t < isa.tileCount; ++t) {
      if (std::strcmp(isa.tiles[t].name, isa.halfWidthTile) == 0) return &isa.tiles[t];
    }
  }
  return &isa.tiles[0];
}

// Parses "isa[/MRxNR[/kcN]]" (e.g. "avx2", "avx512/6x64", "avx512/8x48/kc128") into a kernel this CPU can run;
// false when the name is unknown or the CPU lacks the ISA. A missing tile is the ISA's default on this CPU
// (defaultTile), a missing kc the tile's.
bool parseKernel(const char* text, Kernel* out) {
  const char* slash = std::strchr(text, '/');
  const size_t isaLength = slash == nullptr ? std::strlen(text) : static_cast<size_t>(slash - text);
  for (const IsaKernels* isa : kNamedIsas) {
    if (std::strlen(isa->name) != isaLength || std::strncmp(isa->name, text, isaLength) != 0) continue;
    if (!supported(*isa)) return false;
    const ForwardTile* tile = defaultTile(*isa);
    int kc = 0;
    if (slash != nullptr) {
      const char* tileText = slash + 1;
      const char* kcText = std::strchr(tileText, '/');
      const size_t tileLength = kcText == nullptr ? std::strlen(tileText) : static_cast<size_t>(kcText - tileText);
      tile = nullptr;
      for (int t = 0; t < isa->tileCount; ++t) {
        const ForwardTile& candidate = isa->tiles[t];
        if (std::strlen(candidate.name) == tileLength && std::strncmp(candidate.name, tileText, tileLength) == 0) {
          tile = &candidate;
        }
      }
      if (tile == nullptr) return false;
      if (kcText != nullptr) {
        if (std::strncmp(kcText, "/kc", 3) != 0) return false;
        char* end = nullptr;
        const long value = std::strtol(kcText + 3, &end, 10);
        if (end == kcText + 3 || *end != '\0' || value < 1 || value > (1 << 20)) return false;
        kc = static_cast<int>(value);
      }
    }
    *out = kernelOf(isa, tile, kc);
    return true;
  }
  return false;
}

// The best kernel this CPU runs (CPUID, through __builtin_cpu_supports), unless MAFLOW_GEMM_KERNEL names another
// ("isa[/MRxNR[/kcN]]", for measurements: a name this CPU cannot run is ignored).
Kernel bestKernel() {
  Kernel kernel{};
  const char* forced = std::getenv("MAFLOW_GEMM_KERNEL");
  if (forced != nullptr && parseKernel(forced, &kernel)) return kernel;
  for (const IsaKernels* isa : kIsas) {
    if (supported(*isa)) return kernelOf(isa, defaultTile(*isa), 0);
  }
  return kernelOf(&kGenericKernels, &kGenericKernels.tiles[0], 0);
}

Kernel active = bestKernel();
char activeName[64];

void runTask(void* context, int task) {
  const Job& job = *static_cast<const Job*>(context);
  const BlockFn block = job.mode == Mode::Forward ? active.tile->forward : active.backward->block;
  if (job.splitColumns) {
    block(job, 0, job.m, job.split[task], job.split[task + 1]);
  } else {
    block(job, job.split[task], job.split[task + 1], job.nStart, job.nEnd);
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
  const bool forward = job.mode == Mode::Forward;
  const BlockFn block = forward ? active.tile->forward : active.backward->block;
  const int mr = forward ? active.tile->mr : active.backward->mr;
  const int nr = forward ? active.tile->nr : active.backward->nr;
  job.kc = forward ? active.kc : kBackwardKc;
  job.mc = std::max(mr, kForwardRows / mr * mr);
  const int rowBlocks = (job.m + mr - 1) / mr;
  const int panels = (job.nEnd - job.nStart + nr - 1) / nr;
  job.splitColumns = job.nEnd - job.nStart > job.m;
  const int units = job.splitColumns ? panels : rowBlocks;
  // A forward layer with a short reduction (MADE input layers: K = D) costs its stores and activations, not its
  // multiply-adds: count each output as a few flops so that such calls use both cores too.
  const double outputs = job.mode == Mode::Forward ? static_cast<double>(job.m) * (job.nEnd - job.nStart) : 0.0;
  job.tasks = 2.0 * usefulMacs + kOutputFlops * outputs < kParallelFlops ? 1 : std::min({pool.size(), units, kMaxTasks});
  if (job.tasks <= 1) {
    block(job, 0, job.m, job.nStart, job.nEnd);
    return;
  }
  if (job.splitColumns) {
    balanceRanges(job.nStart, job.nEnd, nr, job.tasks, [&](int n) { return columnWork(job, n); }, job.split);
  } else if (job.mode == Mode::BackwardWeight && job.prefix != nullptr) {
    balanceRanges(0, job.m, mr, job.tasks, [&](int row) { return static_cast<double>(job.prefix[row]); }, job.split);
  } else {
    balanceRanges(0, job.m, mr, job.tasks, [](int) { return 1.0; }, job.split);
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

// The forward Job of a call over columns [outStart, outEnd) on the calling thread (the staircase passes' calls).
static Job packedJob(int batch, int inDim, int outDim, const float* x, const float* w, const int32_t* prefix,
                     const float* bias, float* out, bool accumulate, Act act, int outStart, int outEnd) {
  Job job{};
  job.mode = Mode::Forward;
  job.batch = batch, job.inDim = inDim, job.outDim = outDim;
  job.m = batch, job.k = inDim, job.n = outDim;
  job.nStart = outStart, job.nEnd = outEnd;
  job.kNeed = outStart >= outEnd ? 0 : prefix == nullptr ? inDim : prefix[outEnd - 1];
  job.a = x, job.b = w, job.prefix = prefix, job.bias = bias, job.c = out;
  job.accumulate = accumulate, job.act = act, job.tasks = 1;
  job.kc = active.kc, job.mc = active.tile->mr * 16;
  return job;
}

size_t prefixGemmPackedFloats(int inDim, const int32_t* prefix, int outStart, int outEnd) {
  if (outStart >= outEnd) return 0;
  return packedFloatsFor(prefix, inDim, outStart, outEnd, active.tile->vl, active.tile->nr);
}

void prefixGemmPack(int inDim, int outDim, const float* w, const int32_t* prefix, int outStart, int outEnd,
                    float* packed) {
  if (prefixGemmPackedFloats(inDim, prefix, outStart, outEnd) == 0) return;
  const Job job = packedJob(0, inDim, outDim, nullptr, w, prefix, nullptr, nullptr, true, Act::Identity, outStart, outEnd);
  active.tile->pack(job, outStart, outEnd, packed);
}

void prefixGemmPacked(int rows, int inDim, int outDim, const float* x, const float* w, const int32_t* prefix,
                      const float* packed, const float* bias, float* out, bool accumulate, Act act, int outStart,
                      int outEnd) {
  if (rows <= 0 || outStart >= outEnd) return;
  const Job job = packedJob(rows, inDim, outDim, x, w, prefix, bias, out, accumulate, act, outStart, outEnd);
  active.tile->packed(job, 0, rows, outStart, outEnd, packed);
}

size_t prefixGemmLanesFloats(int inDim, const int32_t* prefix, int outStart, int outEnd) {
  const ForwardTile& tile = *active.tile;
  if (tile.lanes == nullptr || outEnd - outStart <= kDotColumns) return 0;
  return lanesPackedFloats(prefix, inDim, outStart, outEnd, tile.lanesColumns);
}

void prefixGemmLanesPack(int inDim, const float* w, const int32_t* prefix, int outStart, int outEnd, float* packed) {
  if (prefixGemmLanesFloats(inDim, prefix, outStart, outEnd) == 0) return;
  lanesPack(w, prefix, inDim, outStart, outEnd, active.tile->lanesColumns, packed);
}

void prefixGemmLanes(int rows, int ld, int inDim, const float* xT, const int32_t* prefix, const float* packed,
                     const float* bias, float* outT, bool accumulate, Act act, int outStart, int outEnd) {
  if (rows <= 0 || outStart >= outEnd) return;
  const LanesJob job{rows, ld, inDim, xT, packed, prefix, bias, outT, accumulate, act, outStart, outEnd, active.kc};
  active.tile->lanes(job);
}

const char* gemmIsa() {
  std::snprintf(activeName, sizeof(activeName), "%s/%s/kc%d", active.isa->name, active.tile->name, active.kc);
  return activeName;
}

bool setGemmIsa(const char* name) {
  Kernel kernel{};
  if (!parseKernel(name, &kernel)) return false;
  active = kernel;
  return true;
}

}  // namespace maflow
