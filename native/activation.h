// Elementwise nonlinearities in float32, matching the reference backend's definitions (src/kernels/reference.ts).
#pragma once

#include <algorithm>
#include <cmath>

namespace maflow {

#define MAFLOW_INLINE inline __attribute__((always_inline))

enum class Act : int { Relu = 0, Tanh = 1, Elu = 2, Sigmoid = 3, Softplus = 4, Identity = 5 };

// tanh as a clamped rational minimax approximation (the one Eigen uses for float): branch-free, so the fused GEMM
// epilogue vectorises; glibc's scalar tanhf made a tanh layer cost three times a relu layer.
static MAFLOW_INLINE float fastTanh(float v) {
  const float x = std::min(std::max(v, -7.90531110763549805f), 7.90531110763549805f);
  const float x2 = x * x;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  const float r = x * p / q;
  return std::fabs(v) < 0.0004f ? v : r;
}

template <Act A>
static MAFLOW_INLINE float activate(float v) {
  if constexpr (A == Act::Relu) return v > 0.0f ? v : 0.0f;
  if constexpr (A == Act::Tanh) return fastTanh(v);
  if constexpr (A == Act::Elu) return v > 0.0f ? v : std::expm1(v);
  if constexpr (A == Act::Sigmoid) return 1.0f / (1.0f + std::exp(-v));
  // log(1 + e^v) without overflow for large v.
  if constexpr (A == Act::Softplus) return v > 0.0f ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
  if constexpr (A == Act::Identity) return v;
}

template <Act A>
static MAFLOW_INLINE float derivativeFromOutput(float y) {
  if constexpr (A == Act::Relu) return y > 0.0f ? 1.0f : 0.0f;
  if constexpr (A == Act::Tanh) return 1.0f - y * y;
  if constexpr (A == Act::Elu) return y > 0.0f ? 1.0f : y + 1.0f;
  if constexpr (A == Act::Sigmoid) return y * (1.0f - y);
  if constexpr (A == Act::Softplus) return -std::expm1(-y);
  if constexpr (A == Act::Identity) return 1.0f;
}

}  // namespace maflow
