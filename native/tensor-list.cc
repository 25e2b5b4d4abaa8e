#include "tensor-list.h"

#include "simd-clones.h"  // MAFLOW_CLONES on the run bodies (a lambda would lose the target ISA)
#include "thread-pool.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace maflow {
namespace {

// A span of one tensor's live entries for the bodies below: `rows` runs, run i at offset + i·stride with
// lengths[i] entries (a staircase's rows) or `length` (a dense tensor's cut, one run). The bodies loop over the runs
// themselves: a call per staircase row cost more than the row's arithmetic on power-sized layers.
struct Span {
  int64_t offset, stride;
  int rows;
  const int32_t* lengths;
  int64_t length;
};

#define MAFLOW_ALWAYS_INLINE inline __attribute__((always_inline))

// A sum of squares in double, added run by run: eight independent partial sums (the compiler keeps them in one vector
// without reassociating a single sum) over each run's whole groups of eight, a tail for the rest. A run may be added
// in pieces of multiples of eight entries without changing the sum.
struct Squares {
  double partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  double tail = 0;
  MAFLOW_ALWAYS_INLINE void add(const float* __restrict p, int64_t n) {
    int64_t k = 0;
    for (; k + 8 <= n; k += 8) {
      for (int l = 0; l < 8; ++l) partial[l] += static_cast<double>(p[k + l]) * static_cast<double>(p[k + l]);
    }
    for (; k < n; ++k) tail += static_cast<double>(p[k]) * static_cast<double>(p[k]);
  }
  double total() const {
    double sum = tail;
    for (int l = 0; l < 8; ++l) sum += partial[l];
    return sum;
  }
};

MAFLOW_CLONES double sumOfSquaresSpan(const float* __restrict x, Span s) {
  Squares squares;
  for (int i = 0; i < s.rows; ++i) squares.add(x + s.offset + i * s.stride, s.lengths == nullptr ? s.length : s.lengths[i]);
  return squares.total();
}

MAFLOW_CLONES void axpbySpan(double alpha, double beta, const float* x, float* y, Span s) {
  for (int i = 0; i < s.rows; ++i) {
    const int64_t o = s.offset + i * s.stride, n = s.lengths == nullptr ? s.length : s.lengths[i];
    float* __restrict yr = y + o;
    if (x == nullptr) {
      if (alpha == 0) {
        std::fill(yr, yr + n, 0.0f);
      } else {
        for (int64_t k = 0; k < n; ++k) yr[k] = static_cast<float>(alpha * yr[k]);
      }
    } else {
      const float* __restrict xr = x + o;
      if (alpha == 0) {
        for (int64_t k = 0; k < n; ++k) yr[k] = static_cast<float>(beta * xr[k]);
      } else {
        for (int64_t k = 0; k < n; ++k) yr[k] = static_cast<float>(alpha * yr[k] + beta * xr[k]);
      }
    }
  }
}

// An update pass's scalars besides the optimiser's own.
struct PassScalars {
  double gradScale, decay, keep;  // keep = 1 − decay
};

// Pieces of a run taken at once: the sum of squares reads a piece's gradients, the update reads them again from L1.
constexpr int64_t kPiece = 1024;

// A staircase row's live entries end where its masked ones begin, so each row starts a new stream in every array of
// the update, and the hardware prefetcher learns each one anew: on AMD EPYC Zen 4 an Adam pass over a hepmass MAF's
// parameters (774k live entries, mostly rows of 25–512) took 1.9 ns per entry against 0.42 over dense tensors of as
// many entries, huge pages or not. Prefetching the first kPrefetchFloats entries of the row kPrefetchRows ahead in
// every array made the pass 8–14 % faster at that size and 12–38 % at bsds300's (3.2M entries, with the gradients'
// squares), 1 and 2 threads (interleaved in one process, medians of 11–31 rounds); 1–3 rows ahead, whole rows or 256
// entries gained less.
constexpr int kPrefetchRows = 4;
constexpr int64_t kPrefetchFloats = 128;

// Calls update.template run<Scaled, Averaged>(offset, length) over a span's runs in pieces of kPiece entries, the
// gradients' squares of each piece added first (`squares` null: none); the flags picked once per span (Averaged: the
// update has an average to keep).
template <typename Update>
MAFLOW_ALWAYS_INLINE void updateSpan(const Update& update, const PassScalars& s, Squares* squares, const Span& span) {
  const bool scaled = s.gradScale != 1, averaged = update.average != nullptr;
  const float* grad = update.grad;
  for (int i = 0; i < span.rows; ++i) {
    const int64_t o = span.offset + i * span.stride, n = span.lengths == nullptr ? span.length : span.lengths[i];
    if (span.lengths != nullptr && i + kPrefetchRows < span.rows) {
      const int64_t ahead = span.offset + (i + kPrefetchRows) * span.stride;
      const int64_t live = std::min<int64_t>(span.lengths[i + kPrefetchRows], kPrefetchFloats);
      for (int64_t k = 0; k < live; k += 16) update.prefetch(ahead + k);
    }
    for (int64_t k = 0; k < n; k += kPiece) {
      const int64_t piece = std::min(kPiece, n - k);
      if (squares != nullptr) squares->add(grad + o + k, piece);
      if (scaled) {
        if (averaged) update.template run<true, true>(o + k, piece, s);
        else update.template run<true, false>(o + k, piece, s);
      } else {
        if (averaged) update.template run<false, true>(o + k, piece, s);
        else update.template run<false, false>(o + k, piece, s);
      }
    }
  }
}

// The gradient as an update reads it: scaled in double and rounded to float (as a clipping axpby would store it).
template <bool Scaled>
MAFLOW_ALWAYS_INLINE float gradientOf(float g, const PassScalars& s) {
  return Scaled ? static_cast<float>(s.gradScale * g) : g;
}

template <bool Averaged>
MAFLOW_ALWAYS_INLINE void averageInto(float* a, float p, const PassScalars& s) {
  if (Averaged) *a = static_cast<float>(s.decay * *a + s.keep * p);
}

struct AdamScalars {
  float beta1, beta2, keep1, keep2, wd, stepScale, rootScale, eps;
};

// One tensor's Adam, in float as PyTorch's (the reference's double arithmetic rounded once agrees to about an ulp):
// the double version cost a third more on a 6M-parameter model, whose training step Adam's memory traffic already
// dominates.
struct AdamRun {
  const AdamScalars& a;
  float* __restrict param;
  const float* __restrict grad;
  float* __restrict m;
  float* __restrict v;
  float* __restrict average;
  // The cache lines of entry o in every array the update reads or writes.
  MAFLOW_ALWAYS_INLINE void prefetch(int64_t o) const {
    __builtin_prefetch(param + o, 1);
    __builtin_prefetch(grad + o, 0);
    __builtin_prefetch(m + o, 1);
    __builtin_prefetch(v + o, 1);
    if (average != nullptr) __builtin_prefetch(average + o, 1);
  }
  template <bool Scaled, bool Averaged>
  MAFLOW_ALWAYS_INLINE void run(int64_t o, int64_t n, const PassScalars& s) const {
    const float beta1 = a.beta1, beta2 = a.beta2, keep1 = a.keep1, keep2 = a.keep2, wd = a.wd;
    const float stepScale = a.stepScale, rootScale = a.rootScale, eps = a.eps;
    float* __restrict pr = param + o;
    const float* __restrict gr = grad + o;
    float* __restrict mr = m + o;
    float* __restrict vr = v + o;
    float* __restrict ar = Averaged ? average + o : nullptr;
    for (int64_t k = 0; k < n; ++k) {
      const float g = gradientOf<Scaled>(gr[k], s) + wd * pr[k];
      const float mk = beta1 * mr[k] + keep1 * g;
      const float vk = beta2 * vr[k] + keep2 * g * g;
      mr[k] = mk;
      vr[k] = vk;
      const float p = pr[k] - stepScale * mk / (std::sqrt(vk) * rootScale + eps);
      pr[k] = p;
      averageInto<Averaged>(ar + k, p, s);
    }
  }
};

MAFLOW_CLONES void adamSpan(const AdamRun& update, const PassScalars& s, Squares* squares, const Span& span) {
  updateSpan(update, s, squares, span);
}

struct SgdMomentumRun {
  double lr, momentum, wd;
  float* __restrict param;
  const float* __restrict grad;
  float* __restrict velocity;
  float* __restrict average;
  MAFLOW_ALWAYS_INLINE void prefetch(int64_t o) const {
    __builtin_prefetch(param + o, 1);
    __builtin_prefetch(grad + o, 0);
    __builtin_prefetch(velocity + o, 1);
    if (average != nullptr) __builtin_prefetch(average + o, 1);
  }
  template <bool Scaled, bool Averaged>
  MAFLOW_ALWAYS_INLINE void run(int64_t o, int64_t n, const PassScalars& s) const {
    float* __restrict pr = param + o;
    const float* __restrict gr = grad + o;
    float* __restrict br = velocity + o;
    float* __restrict ar = Averaged ? average + o : nullptr;
    for (int64_t k = 0; k < n; ++k) {
      const float b = static_cast<float>(momentum * br[k] + gradientOf<Scaled>(gr[k], s) + wd * pr[k]);
      br[k] = b;
      const float p = static_cast<float>(pr[k] - lr * b);
      pr[k] = p;
      averageInto<Averaged>(ar + k, p, s);
    }
  }
};

MAFLOW_CLONES void sgdMomentumSpan(const SgdMomentumRun& update, const PassScalars& s, Squares* squares, const Span& span) {
  updateSpan(update, s, squares, span);
}

// The list's live entries in order (tensor by tensor, row by row): start[t] of them come before tensor t.
struct Live {
  const TensorList& list;
  std::vector<int64_t> start;

  explicit Live(const TensorList& l) : list(l), start(l.count() + 1, 0) {
    for (int t = 0; t < l.count(); ++t) {
      int64_t n = static_cast<int64_t>(l.rows[t]) * l.cols[t];
      if (l.staircases[t] != nullptr) {
        n = 0;
        for (int r = 0; r < l.rows[t]; ++r) n += l.staircases[t][r];
      }
      start[t + 1] = start[t] + n;
    }
  }

  int64_t total() const { return start.back(); }
};

// Calls run(t, span) for the live entries [begin, end) of the list (in list order): a dense tensor's entries cut
// exactly there, a staircase's rows whose first live entry lies there (so consecutive ranges share no row).
template <typename Run>
void forLive(const Live& live, int64_t begin, int64_t end, Run run) {
  const TensorList& list = live.list;
  int t = static_cast<int>(std::upper_bound(live.start.begin(), live.start.end(), begin) - live.start.begin()) - 1;
  for (; t < list.count() && live.start[t] < end; ++t) {
    const int64_t lo = std::max(begin, live.start[t]) - live.start[t];
    const int64_t hi = std::min(end, live.start[t + 1]) - live.start[t];
    if (lo >= hi) continue;
    const int32_t* staircase = list.staircases[t];
    if (staircase == nullptr) {
      run(t, Span{lo, 0, 1, nullptr, hi - lo});
      continue;
    }
    int64_t seen = 0;
    int r = 0;
    for (; r < list.rows[t] && seen < lo; ++r) seen += staircase[r];
    const int r0 = r;
    for (; r < list.rows[t] && seen < hi; ++r) seen += staircase[r];
    if (r > r0) run(t, Span{static_cast<int64_t>(r0) * list.cols[t], list.cols[t], r - r0, staircase + r0, 0});
  }
}

// Live entries of a call below which it runs on the calling thread: these passes are bound by memory traffic, and
// power's 36k live entries took as long on two threads as on one (and longer while the other core was busy).
constexpr int64_t kParallel = 1 << 16;
// Above it, several parts per thread (of at least kMinPart entries), claimed dynamically: a core taken by another
// process then holds up only a small part.
constexpr int kPartsPerThread = 4;
constexpr int64_t kMinPart = 1 << 13;

int tasksFor(const Live& live) {
  if (live.total() < kParallel) return 1;
  const int64_t parts = std::min<int64_t>(static_cast<int64_t>(ThreadPool::instance().size()) * kPartsPerThread,
                                          live.total() / kMinPart);
  return ThreadPool::instance().size() <= 1 ? 1 : static_cast<int>(std::max<int64_t>(2, parts));
}

// body(task, t, span) over the list's live entries cut into `tasks` about equal parts (multiples of 16 entries).
template <typename Body>
void parallelLive(const Live& live, int tasks, Body& body) {
  const int64_t total = live.total();
  if (tasks <= 1) {
    forLive(live, 0, total, [&](int t, const Span& span) { body(0, t, span); });
    return;
  }
  struct Job {
    const Live* live;
    Body* body;
    int64_t chunk;
  };
  Job job{&live, &body, ((total + tasks - 1) / tasks + 15) / 16 * 16};
  const int used = static_cast<int>((total + job.chunk - 1) / job.chunk);
  ThreadPool::instance().run(used, [](void* context, int task) {
    const Job& j = *static_cast<const Job*>(context);
    const int64_t begin = task * j.chunk;
    forLive(*j.live, begin, std::min(j.live->total(), begin + j.chunk),
            [&](int t, const Span& span) { (*j.body)(task, t, span); });
  }, &job);
}

}  // namespace

void sumOfSquares(const TensorList& list, const float* const* x, double* out) {
  const Live live(list);
  const int tasks = tasksFor(live), count = list.count();
  // Per task and tensor, added up in task order: the result depends on the thread count only by rounding.
  std::vector<double> partial(static_cast<size_t>(tasks) * count, 0.0);
  auto body = [&](int task, int t, const Span& span) {
    partial[static_cast<size_t>(task) * count + t] += sumOfSquaresSpan(x[t], span);
  };
  parallelLive(live, tasks, body);
  for (int t = 0; t < count; ++t) {
    double sum = 0;
    for (int task = 0; task < tasks; ++task) sum += partial[static_cast<size_t>(task) * count + t];
    out[t] = sum;
  }
}

void axpby(const TensorList& list, double alpha, double beta, const float* const* x, float* const* y) {
  const Live live(list);
  auto body = [&](int, int t, const Span& span) { axpbySpan(alpha, beta, x == nullptr ? nullptr : x[t], y[t], span); };
  parallelLive(live, tasksFor(live), body);
}

namespace {

// Runs an update pass: `spanOf(t)` is tensor t's update (AdamRun, SgdMomentumRun) and `body(update, s, squares, span)`
// its span body; the gradients' squares are summed per task and tensor, then added in task order (as sumOfSquares).
template <typename SpanOf, typename Body>
void updatePass(const TensorList& list, const UpdatePass& pass, SpanOf spanOf, Body body) {
  const PassScalars s{pass.gradScale, pass.averageDecay, 1.0 - pass.averageDecay};
  const Live live(list);
  const int tasks = tasksFor(live), count = list.count();
  std::vector<Squares> squares(pass.gradSquares == nullptr ? 0 : static_cast<size_t>(tasks) * count);
  auto run = [&](int task, int t, const Span& span) {
    body(spanOf(t), s, squares.empty() ? nullptr : &squares[static_cast<size_t>(task) * count + t], span);
  };
  parallelLive(live, tasks, run);
  if (pass.gradSquares == nullptr) return;
  for (int t = 0; t < count; ++t) {
    double sum = 0;
    for (int task = 0; task < tasks; ++task) sum += squares[static_cast<size_t>(task) * count + t].total();
    pass.gradSquares[t] = sum;
  }
}

}  // namespace

void adamUpdate(const TensorList& list, float* const* param, const float* const* grad, float* const* m, float* const* v,
                double lr, double beta1, double beta2, double eps, double weightDecay, double step, const UpdatePass& pass) {
  const double c1 = 1.0 - std::pow(beta1, step), c2 = 1.0 - std::pow(beta2, step);
  // 1 − β in double, then rounded: 1 − 0.999f in float is 4.7e-5 away from 0.001.
  const AdamScalars a{static_cast<float>(beta1), static_cast<float>(beta2), static_cast<float>(1.0 - beta1),
                      static_cast<float>(1.0 - beta2), static_cast<float>(weightDecay), static_cast<float>(lr / c1),
                      static_cast<float>(1.0 / std::sqrt(c2)), static_cast<float>(eps)};
  updatePass(list, pass, [&](int t) {
    return AdamRun{a, param[t], grad[t], m[t], v[t], pass.average == nullptr ? nullptr : pass.average[t]};
  }, adamSpan);
}

void sgdMomentumUpdate(const TensorList& list, float* const* param, const float* const* grad, float* const* velocity,
                       double lr, double momentum, double weightDecay, const UpdatePass& pass) {
  updatePass(list, pass, [&](int t) {
    return SgdMomentumRun{lr, momentum, weightDecay, param[t], grad[t], velocity[t], pass.average == nullptr ? nullptr : pass.average[t]};
  }, sgdMomentumSpan);
}

}  // namespace maflow
