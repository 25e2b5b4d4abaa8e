// The multi-tensor kernels (src/kernels/kernels.ts: sumOfSquares, axpby, adamUpdate, sgdMomentumUpdate): one call
// passes over every parameter of a model, so a training step pays one descriptor parse and one thread-pool job per
// pass instead of one per parameter. Only live entries are read or written (row r of tensor t: [0, staircase[t][r])),
// so whatever a masked entry holds, NaN included, stays where it is.
#pragma once

#include <cstdint>
#include <vector>

namespace maflow {

// Tensor t is [rows[t], cols[t]] row-major; staircases[t] is null (all live) or [rows[t]] live prefixes.
struct TensorList {
  std::vector<int32_t> rows, cols;
  std::vector<const int32_t*> staircases;
  int count() const { return static_cast<int>(rows.size()); }
};

// out[t] = Σ_live x[t][k]², summed in double.
void sumOfSquares(const TensorList& list, const float* const* x, double* out);

// y[t] ← alpha·y[t] + beta·x[t] in double, rounded once (x null: y ← alpha·y; alpha 0: y is not read).
void axpby(const TensorList& list, double alpha, double beta, const float* const* x, float* const* y);

// What an update kernel does besides the update, in the same pass over the live entries (kernels.ts: UpdatePassOp).
struct UpdatePass {
  double gradScale = 1;               // the gradients are read as (float)(gradScale · grad)
  double* gradSquares = nullptr;      // [tensors] or null: Σ_live grad² (before the scale), as sumOfSquares adds them
  float* const* average = nullptr;    // [tensors] or null: average ← decay·average + (1 − decay)·param after the step
  double averageDecay = 0;
};

// One Adam step with L2 weight decay, in float as PyTorch's (see adamRun).
void adamUpdate(const TensorList& list, float* const* param, const float* const* grad, float* const* m, float* const* v,
                double lr, double beta1, double beta2, double eps, double weightDecay, double step, const UpdatePass& pass);

// One step of SGD with heavy-ball momentum and L2 weight decay, in double like the reference backend.
void sgdMomentumUpdate(const TensorList& list, float* const* param, const float* const* grad, float* const* velocity,
                       double lr, double momentum, double weightDecay, const UpdatePass& pass);

}  // namespace maflow
