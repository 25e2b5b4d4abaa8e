// Elementwise nonlinearities in float32, matching the reference backend's definitions (src/kernels/reference.ts).
#pragma once

#include <cmath>

namespace maflow {

#define MAFLOW_INLINE inline __attribute__((always_inline))

enum class Act : int { Relu = 0, Tanh = 1, Elu = 2, Sigmoid = 3, Softplus = 4, Identity = 5 };

template <Act A>
static MAFLOW_INLINE float activate(float v) {
  if constexpr (A == Act::Relu) return v > 0.0f ? v : 0.0f;
  if constexpr (A == Act::Tanh) return std::tanh(v);
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
