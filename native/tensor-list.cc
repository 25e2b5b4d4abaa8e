#include "tensor-list.h"

#include "thread-pool.h"

#include <algorithm>
#include <cmath>
#include <vector>

// Runtime dispatch for the loops the compiler can vectorise (the run bodies: a lambda would lose the target ISA).
#define MAFLOW_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

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

MAFLOW_CLONES double sumOfSquaresSpan(const float* __restrict x, Span s) {
  // Eight independent partial sums: the compiler keeps them in one vector without reassociating a single sum.
  double partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  double tail = 0;
  for (int i = 0; i < s.rows; ++i) {
    const float* __restrict p = x + s.offset + i * s.stride;
    const int64_t n = s.lengths == nullptr ? s.length : s.lengths[i];
    int64_t k = 0;
    for (; k + 8 <= n; k += 8) {
      for (int l = 0; l < 8; ++l) partial[l] += static_cast<double>(p[k + l]) * static_cast<double>(p[k + l]);
    }
    for (; k < n; ++k) tail += static_cast<double>(p[k]) * static_cast<double>(p[k]);
  }
  double sum = tail;
  for (int l = 0; l < 8; ++l) sum += partial[l];
  return sum;
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

struct AdamScalars {
  float beta1, beta2, keep1, keep2, wd, stepScale, rootScale, eps;
};

// In float, as PyTorch's Adam (the reference's double arithmetic rounded once agrees to about an ulp): the double
// version cost a third more on a 6M-parameter model, whose training step Adam's memory traffic already dominates.
MAFLOW_CLONES void adamSpan(const AdamScalars& s, float* param, const float* grad, float* m, float* v, Span span) {
  const float beta1 = s.beta1, beta2 = s.beta2, keep1 = s.keep1, keep2 = s.keep2, wd = s.wd;
  const float stepScale = s.stepScale, rootScale = s.rootScale, eps = s.eps;
  for (int i = 0; i < span.rows; ++i) {
    const int64_t o = span.offset + i * span.stride, n = span.lengths == nullptr ? span.length : span.lengths[i];
    float* __restrict pr = param + o;
    const float* __restrict gr = grad + o;
    float* __restrict mr = m + o;
    float* __restrict vr = v + o;
    for (int64_t k = 0; k < n; ++k) {
      const float g = gr[k] + wd * pr[k];
      const float mk = beta1 * mr[k] + keep1 * g;
      const float vk = beta2 * vr[k] + keep2 * g * g;
      mr[k] = mk;
      vr[k] = vk;
      pr[k] -= stepScale * mk / (std::sqrt(vk) * rootScale + eps);
    }
  }
}

MAFLOW_CLONES void sgdMomentumSpan(double lr, double momentum, double wd, float* param, const float* grad, float* velocity,
                                   Span s) {
  for (int i = 0; i < s.rows; ++i) {
    const int64_t o = s.offset + i * s.stride, n = s.lengths == nullptr ? s.length : s.lengths[i];
    float* __restrict pr = param + o;
    const float* __restrict gr = grad + o;
    float* __restrict br = velocity + o;
    for (int64_t k = 0; k < n; ++k) {
      const float b = static_cast<float>(momentum * br[k] + gr[k] + wd * pr[k]);
      br[k] = b;
      pr[k] = static_cast<float>(pr[k] - lr * b);
    }
  }
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

void adamUpdate(const TensorList& list, float* const* param, const float* const* grad, float* const* m, float* const* v,
                double lr, double beta1, double beta2, double eps, double weightDecay, double step) {
  const double c1 = 1.0 - std::pow(beta1, step), c2 = 1.0 - std::pow(beta2, step);
  // 1 − β in double, then rounded: 1 − 0.999f in float is 4.7e-5 away from 0.001.
  const AdamScalars s{static_cast<float>(beta1), static_cast<float>(beta2), static_cast<float>(1.0 - beta1),
                      static_cast<float>(1.0 - beta2), static_cast<float>(weightDecay), static_cast<float>(lr / c1),
                      static_cast<float>(1.0 / std::sqrt(c2)), static_cast<float>(eps)};
  const Live live(list);
  auto body = [&](int, int t, const Span& span) { adamSpan(s, param[t], grad[t], m[t], v[t], span); };
  parallelLive(live, tasksFor(live), body);
}

void sgdMomentumUpdate(const TensorList& list, float* const* param, const float* const* grad, float* const* velocity,
                       double lr, double momentum, double weightDecay) {
  const Live live(list);
  auto body = [&](int, int t, const Span& span) {
    sgdMomentumSpan(lr, momentum, weightDecay, param[t], grad[t], velocity[t], span);
  };
  parallelLive(live, tasksFor(live), body);
}

}  // namespace maflow
