// The fused training pass of a MAF layer. Layer by layer from JavaScript, a small MADE's training step is ~13 kernel
// calls, each parsing its descriptor and some with JavaScript loops between them (copies of gradients, the residual
// and direct-path sums); here the same kernels run back to back in one call, on work buffers that stay allocated and
// warm in cache between steps. Each kernel decides its own threading as when it is called alone, and the order and
// arithmetic are those of MaskedLinear.forward / backward, so the results equal the layer-by-layer composition on
// the native backend.
#include "staircase-train.h"

#include <algorithm>
#include <cstring>

#include "elementwise.h"
#include "gemm.h"

namespace maflow {
namespace {

size_t count(int batch, int width) { return static_cast<size_t>(batch) * width; }

// out = act(W · in + W_c · c + b), as MaskedLinear.forward.
void layerForward(const StaircasePass& job, const StaircaseLayer& layer, const float* input, float* out, Act act) {
  if (layer.contextWeight != nullptr && job.context != nullptr) {
    prefixGemm(job.batch, job.contextFeatures, layer.outDim, job.context, layer.contextWeight, nullptr, layer.bias, out,
               false, Act::Identity, 0, layer.outDim);
    prefixGemm(job.batch, layer.inDim, layer.outDim, input, layer.w, layer.prefix, nullptr, out, true, act, 0,
               layer.outDim);
  } else {
    prefixGemm(job.batch, layer.inDim, layer.outDim, input, layer.w, layer.prefix, layer.bias, out, false, act, 0,
               layer.outDim);
  }
}

// Views of `saved`: a_l, h_l (a_l without residual) and θ.
struct Saved {
  std::vector<float*> a, h;
  float* params;
  Saved(const StaircasePass& job, float* saved) {
    for (const StaircaseLayer& layer : job.hidden) {
      a.push_back(saved), saved += count(job.batch, layer.outDim);
      if (job.residual) h.push_back(saved), saved += count(job.batch, layer.outDim);
      else h.push_back(a.back());
    }
    params = saved;
  }
};

// Gradients of one layer from dOut (the pre-activation gradient): weights, context weights, dContext, then dIn.
void layerBackward(const StaircasePass& job, const StaircaseLayer& layer, const LayerGradients& g, const float* input,
                   const float* dOut, float* dIn, float* dContext) {
  const int B = job.batch, C = job.contextFeatures;
  prefixGemmBackwardWeight(B, layer.inDim, layer.outDim, dOut, input, layer.prefix, g.dWeight, g.dBias, g.accumulate);
  if (layer.contextWeight != nullptr && job.context != nullptr) {
    if (g.dContextWeight != nullptr) {
      prefixGemmBackwardWeight(B, C, layer.outDim, dOut, job.context, nullptr, g.dContextWeight, nullptr,
                               g.accumulateContext);
    }
    if (dContext != nullptr) prefixGemmBackwardInput(B, C, layer.outDim, dOut, layer.contextWeight, nullptr, dContext, true);
  }
  prefixGemmBackwardInput(B, layer.inDim, layer.outDim, dOut, layer.w, layer.prefix, dIn, false);
}

}  // namespace

void staircaseTrainForward(const StaircasePass& job, float* saved) {
  if (job.batch <= 0) return;
  const Saved s(job, saved);
  const float* input = job.x;
  for (size_t l = 0; l < job.hidden.size(); ++l) {
    const StaircaseLayer& layer = job.hidden[l];
    layerForward(job, layer, input, s.a[l], layer.act);
    if (job.residual) {
      const float* below = l == 0 ? nullptr : s.h[l - 1];
      float* h = s.h[l];
      const size_t n = count(job.batch, layer.outDim);
      for (size_t i = 0; i < n; ++i) h[i] = (below == nullptr ? 0.0f : below[i]) + s.a[l][i];
    }
    input = s.h[l];
  }
  layerForward(job, job.output, input, s.params, Act::Identity);
  transformInverse(job.transformer, job.batch, job.features, 0, job.features, job.x, s.params, job.u, job.logDet, true);
}

void staircaseTrainBackward(const StaircasePass& job, const float* saved, const float* dZ, const double* dLogDet,
                            float* dX, float* dContext, const std::vector<LayerGradients>& gradients) {
  const int B = job.batch, D = job.features;
  const int L = static_cast<int>(job.hidden.size());
  if (B <= 0) {
    // An empty batch: every overwritten gradient is zero.
    for (int l = 0; l <= L; ++l) {
      const StaircaseLayer& layer = l < L ? job.hidden[l] : job.output;
      const LayerGradients& g = gradients[l];
      prefixGemmBackwardWeight(0, layer.inDim, layer.outDim, nullptr, nullptr, layer.prefix, g.dWeight, g.dBias, g.accumulate);
      if (g.dContextWeight != nullptr) {
        prefixGemmBackwardWeight(0, job.contextFeatures, layer.outDim, nullptr, nullptr, nullptr, g.dContextWeight, nullptr,
                                 g.accumulateContext);
      }
    }
    return;
  }
  const Saved s(job, const_cast<float*>(saved));
  int width = job.output.inDim;
  for (const StaircaseLayer& layer : job.hidden) width = std::max({width, layer.inDim, layer.outDim});
  // dθ, two ping-pong gradient buffers and the residual copy, reused across calls (sized to the largest seen).
  thread_local std::vector<float> work;
  const size_t paramsCount = count(B, job.output.outDim), hiddenCount = count(B, width);
  if (work.size() < paramsCount + 3 * hiddenCount) work.resize(paramsCount + 3 * hiddenCount);
  float* dParams = work.data();
  float* dh = dParams + paramsCount;
  float* dIn = dh + hiddenCount;
  float* dA = dIn + hiddenCount;
  const Transformer& t = job.transformer;
  affineInverseBackward(B, D, s.params, job.u, dZ, dLogDet, dX, dParams, t.bound, t.shiftOnly);
  layerBackward(job, job.output, gradients[L], s.h[L - 1], dParams, dh, dContext);
  for (int l = L - 1; l >= 0; --l) {
    const StaircaseLayer& layer = job.hidden[l];
    const size_t n = count(B, layer.outDim);
    float* grad = dh;
    if (job.residual) grad = static_cast<float*>(std::memcpy(dA, dh, sizeof(float) * n));
    if (layer.act != Act::Identity) activationBackward(layer.act, static_cast<int64_t>(n), s.a[l], grad, grad);
    layerBackward(job, layer, gradients[l], l == 0 ? job.x : s.h[l - 1], grad, dIn, dContext);
    // The skip connection h_l = h_{l−1} + … passes dh straight through.
    if (job.residual && l > 0) {
      for (size_t i = 0; i < n; ++i) dIn[i] += dh[i];
    }
    std::swap(dh, dIn);
  }
  // x reaches z twice: directly through τ⁻¹ and through the conditioner.
  const size_t n = count(B, D);
  for (size_t i = 0; i < n; ++i) dX[i] += dh[i];
}

}  // namespace maflow
