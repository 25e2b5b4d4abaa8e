#include "tensor-list.h"

#include "thread-pool.h"

#include <algorithm>
#include <cmath>
#include <vector>

// Runtime dispatch for the loops the compiler can vectorise (the run bodies: a lambda would lose the target ISA).
#define MAFLOW_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

namespace maflow {
namespace {

// The bodies over one run of contiguous live entries [0, n) of a tensor (pointers offset to the run's start).

MAFLOW_CLONES double sumOfSquaresRun(const float* __restrict x, int64_t n) {
  // Eight independent partial sums: the compiler keeps them in one vector without reassociating a single sum.
  double partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8) {
    for (int l = 0; l < 8; ++l) partial[l] += static_cast<double>(x[k + l]) * static_cast<double>(x[k + l]);
  }
  double sum = 0;
  for (int l = 0; l < 8; ++l) sum += partial[l];
  for (; k < n; ++k) sum += static_cast<double>(x[k]) * static_cast<double>(x[k]);
  return sum;
}

MAFLOW_CLONES void axpbyRun(double alpha, double beta, const float* x, float* y, int64_t n) {
  if (x == nullptr) {
    if (alpha == 0) {
      std::fill(y, y + n, 0.0f);
      return;
    }
    for (int64_t k = 0; k < n; ++k) y[k] = static_cast<float>(alpha * y[k]);
  } else if (alpha == 0) {
    for (int64_t k = 0; k < n; ++k) y[k] = static_cast<float>(beta * x[k]);
  } else {
    for (int64_t k = 0; k < n; ++k) y[k] = static_cast<float>(alpha * y[k] + beta * x[k]);
  }
}

struct AdamScalars {
  float beta1, beta2, keep1, keep2, wd, stepScale, rootScale, eps;
};

// In float, as PyTorch's Adam (the reference's double arithmetic rounded once agrees to about an ulp): the double
// version cost a third more on a 6M-parameter model, whose training step Adam's memory traffic already dominates.
MAFLOW_CLONES void adamRun(const AdamScalars& s, float* __restrict param, const float* __restrict grad, float* __restrict m,
                           float* __restrict v, int64_t n) {
  const float beta1 = s.beta1, beta2 = s.beta2, keep1 = s.keep1, keep2 = s.keep2, wd = s.wd;
  const float stepScale = s.stepScale, rootScale = s.rootScale, eps = s.eps;
  for (int64_t k = 0; k < n; ++k) {
    const float g = grad[k] + wd * param[k];
    const float mk = beta1 * m[k] + keep1 * g;
    const float vk = beta2 * v[k] + keep2 * g * g;
    m[k] = mk;
    v[k] = vk;
    param[k] -= stepScale * mk / (std::sqrt(vk) * rootScale + eps);
  }
}

MAFLOW_CLONES void sgdMomentumRun(double lr, double momentum, double wd, float* __restrict param, const float* __restrict grad,
                                  float* __restrict velocity, int64_t n) {
  for (int64_t k = 0; k < n; ++k) {
    const float b = static_cast<float>(momentum * velocity[k] + grad[k] + wd * param[k]);
    velocity[k] = b;
    param[k] = static_cast<float>(param[k] - lr * b);
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

// Calls run(t, k0, k1) for every run of contiguous live entries (flat indices [k0, k1) into tensor t) among the
// list's live entries [begin, end): a whole dense tensor, or a row's prefix, cut at begin and end.
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
      run(t, lo, hi);
      continue;
    }
    const int64_t cols = list.cols[t];
    int64_t seen = 0;
    for (int r = 0; r < list.rows[t] && seen < hi; ++r) {
      const int64_t a = std::max(lo, seen), b = std::min(hi, seen + staircase[r]);
      if (a < b) run(t, r * cols + (a - seen), r * cols + (b - seen));
      seen += staircase[r];
    }
  }
}

// Live entries of a call below which it runs on the calling thread (waking the pool costs more than the pass).
constexpr int64_t kParallel = 1 << 14;

int tasksFor(const Live& live) { return live.total() < kParallel ? 1 : ThreadPool::instance().size(); }

// body(task, t, k0, k1) over every live run, the list's live entries cut into `tasks` equal parts (multiples of 16).
template <typename Body>
void parallelLive(const Live& live, int tasks, Body& body) {
  const int64_t total = live.total();
  if (tasks <= 1) {
    forLive(live, 0, total, [&](int t, int64_t k0, int64_t k1) { body(0, t, k0, k1); });
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
            [&](int t, int64_t k0, int64_t k1) { (*j.body)(task, t, k0, k1); });
  }, &job);
}

}  // namespace

void sumOfSquares(const TensorList& list, const float* const* x, double* out) {
  const Live live(list);
  const int tasks = tasksFor(live), count = list.count();
  // Per task and tensor, added up in task order: the result depends on the thread count only by rounding.
  std::vector<double> partial(static_cast<size_t>(tasks) * count, 0.0);
  auto body = [&](int task, int t, int64_t k0, int64_t k1) {
    partial[static_cast<size_t>(task) * count + t] += sumOfSquaresRun(x[t] + k0, k1 - k0);
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
  auto body = [&](int, int t, int64_t k0, int64_t k1) {
    axpbyRun(alpha, beta, x == nullptr ? nullptr : x[t] + k0, y[t] + k0, k1 - k0);
  };
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
  auto body = [&](int, int t, int64_t k0, int64_t k1) {
    adamRun(s, param[t] + k0, grad[t] + k0, m[t] + k0, v[t] + k0, k1 - k0);
  };
  parallelLive(live, tasksFor(live), body);
}

void sgdMomentumUpdate(const TensorList& list, float* const* param, const float* const* grad, float* const* velocity,
                       double lr, double momentum, double weightDecay) {
  const Live live(list);
  auto body = [&](int, int t, int64_t k0, int64_t k1) {
    sgdMomentumRun(lr, momentum, weightDecay, param[t] + k0, grad[t] + k0, velocity[t] + k0, k1 - k0);
  };
  parallelLive(live, tasksFor(live), body);
}

}  // namespace maflow
