// N-API entry points: validate the JS arguments (types, lengths, prefix well-formedness) so that no call can read
// or write out of bounds, then run the kernel on the typed arrays' memory in place (zero copy; subarray views'
// byte offsets are honoured by napi_get_typedarray_info). Argument order mirrors src/kernels/kernels.ts; the
// activation is passed as its index in ACTIVATIONS.
#include <napi.h>

#include <chrono>
#include <string>
#include <vector>

#include "elementwise.h"
#include "gemm.h"
#include "staircase-affine.h"
#include "thread-pool.h"

namespace {

using maflow::Act;

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* method, size_t count) : info_(info), method_(method) {
    if (info.Length() < count) fail("expected " + std::to_string(count) + " arguments, got " + std::to_string(info.Length()));
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw Napi::TypeError::New(info_.Env(), std::string("maflow native ") + method_ + ": " + message);
  }

  int integer(size_t i, const char* name, int min = 0) const {
    if (!info_[i].IsNumber()) fail(std::string(name) + " must be a number");
    const double v = info_[i].As<Napi::Number>().DoubleValue();
    if (!(v >= min && v <= 2147483647.0) || v != static_cast<double>(static_cast<int64_t>(v))) {
      fail(std::string(name) + " must be an integer >= " + std::to_string(min) + ", got " + std::to_string(v));
    }
    return static_cast<int>(v);
  }

  double number(size_t i, const char* name) const {
    if (!info_[i].IsNumber()) fail(std::string(name) + " must be a number");
    return info_[i].As<Napi::Number>().DoubleValue();
  }

  bool boolean(size_t i, const char* name) const {
    if (!info_[i].IsBoolean()) fail(std::string(name) + " must be a boolean");
    return info_[i].As<Napi::Boolean>().Value();
  }

  Act activation(size_t i) const {
    const int code = integer(i, "activation");
    if (code > static_cast<int>(Act::Identity)) fail("unknown activation code " + std::to_string(code));
    return static_cast<Act>(code);
  }

  float* f32(size_t i, const char* name, int64_t need, bool nullable = false) const {
    return array<float>(i, name, need, nullable, napi_float32_array, "Float32Array");
  }

  double* f64(size_t i, const char* name, int64_t need, bool nullable = false) const {
    return array<double>(i, name, need, nullable, napi_float64_array, "Float64Array");
  }

  int32_t* i32(size_t i, const char* name, int64_t need, bool nullable = false) const {
    return array<int32_t>(i, name, need, nullable, napi_int32_array, "Int32Array");
  }

  // A staircase prefix [outDim] with values in [0, inDim], non-decreasing; null means dense.
  const int32_t* prefix(size_t i, int outDim, int inDim) const {
    const int32_t* p = i32(i, "prefix", outDim, true);
    if (p == nullptr) return nullptr;
    for (int j = 0; j < outDim; ++j) {
      if (p[j] < 0 || p[j] > inDim || (j > 0 && p[j] < p[j - 1])) {
        fail("prefix must be non-decreasing with values in [0, " + std::to_string(inDim) + "]; prefix[" +
             std::to_string(j) + "] = " + std::to_string(p[j]));
      }
    }
    return p;
  }

 private:
  template <typename T>
  T* array(size_t i, const char* name, int64_t need, bool nullable, napi_typedarray_type type,
           const char* typeName) const {
    const Napi::Value value = info_[i];
    if (nullable && (value.IsNull() || value.IsUndefined())) return nullptr;
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
      fail(std::string(name) + " must be a " + typeName + (nullable ? " or null" : ""));
    }
    Napi::TypedArrayOf<T> typed = value.As<Napi::TypedArrayOf<T>>();
    if (static_cast<int64_t>(typed.ElementLength()) < need) {
      fail(std::string(name) + " needs at least " + std::to_string(need) + " elements, got " +
           std::to_string(typed.ElementLength()));
    }
    return typed.Data();
  }

  const Napi::CallbackInfo& info_;
  const char* method_;
};

int64_t product(int a, int b) { return static_cast<int64_t>(a) * b; }

Napi::Value PrefixGemm(const Napi::CallbackInfo& info) {
  Args args(info, "prefixGemm", 12);
  const int batch = args.integer(0, "batch"), inDim = args.integer(1, "inDim"), outDim = args.integer(2, "outDim");
  const float* x = args.f32(3, "x", product(batch, inDim));
  const float* w = args.f32(4, "w", product(outDim, inDim));
  const int32_t* prefix = args.prefix(5, outDim, inDim);
  const float* bias = args.f32(6, "bias", outDim, true);
  float* out = args.f32(7, "out", product(batch, outDim));
  const bool accumulate = args.boolean(8, "accumulate");
  const Act act = args.activation(9);
  const int outStart = args.integer(10, "outStart"), outEnd = args.integer(11, "outEnd");
  if (outStart > outEnd || outEnd > outDim) {
    args.fail("need 0 <= outStart <= outEnd <= outDim, got [" + std::to_string(outStart) + ", " +
              std::to_string(outEnd) + ") with outDim " + std::to_string(outDim));
  }
  maflow::prefixGemm(batch, inDim, outDim, x, w, prefix, bias, out, accumulate, act, outStart, outEnd);
  return info.Env().Undefined();
}

Napi::Value PrefixGemmBackwardInput(const Napi::CallbackInfo& info) {
  Args args(info, "prefixGemmBackwardInput", 8);
  const int batch = args.integer(0, "batch"), inDim = args.integer(1, "inDim"), outDim = args.integer(2, "outDim");
  const float* dOut = args.f32(3, "dOut", product(batch, outDim));
  const float* w = args.f32(4, "w", product(outDim, inDim));
  const int32_t* prefix = args.prefix(5, outDim, inDim);
  float* dIn = args.f32(6, "dIn", product(batch, inDim));
  maflow::prefixGemmBackwardInput(batch, inDim, outDim, dOut, w, prefix, dIn, args.boolean(7, "accumulate"));
  return info.Env().Undefined();
}

Napi::Value PrefixGemmBackwardWeight(const Napi::CallbackInfo& info) {
  Args args(info, "prefixGemmBackwardWeight", 9);
  const int batch = args.integer(0, "batch"), inDim = args.integer(1, "inDim"), outDim = args.integer(2, "outDim");
  const float* dOut = args.f32(3, "dOut", product(batch, outDim));
  const float* x = args.f32(4, "x", product(batch, inDim));
  const int32_t* prefix = args.prefix(5, outDim, inDim);
  float* dW = args.f32(6, "dW", product(outDim, inDim));
  float* dBias = args.f32(7, "dBias", outDim, true);
  maflow::prefixGemmBackwardWeight(batch, inDim, outDim, dOut, x, prefix, dW, dBias, args.boolean(8, "accumulate"));
  return info.Env().Undefined();
}

Napi::Value Activation(const Napi::CallbackInfo& info) {
  Args args(info, "activation", 7);
  const Act act = args.activation(0);
  const int rows = args.integer(1, "rows"), cols = args.integer(2, "cols");
  const int colStart = args.integer(3, "colStart"), colEnd = args.integer(4, "colEnd");
  if (colStart > colEnd || colEnd > cols) args.fail("need 0 <= colStart <= colEnd <= cols");
  const float* x = args.f32(5, "x", product(rows, cols));
  float* out = args.f32(6, "out", product(rows, cols));
  maflow::activation(act, rows, cols, colStart, colEnd, x, out);
  return info.Env().Undefined();
}

Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  Args args(info, "activationBackward", 5);
  const Act act = args.activation(0);
  const int n = args.integer(1, "n");
  maflow::activationBackward(act, n, args.f32(2, "y", n), args.f32(3, "dOut", n), args.f32(4, "dIn", n));
  return info.Env().Undefined();
}

// affineInverse / affineForward share their signature.
template <void (*Kernel)(int, int, int, int, const float*, const float*, float*, double*, bool, double, bool)>
Napi::Value Affine(const Napi::CallbackInfo& info, const char* method) {
  Args args(info, method, 11);
  const int batch = args.integer(0, "batch"), features = args.integer(1, "features");
  const int dStart = args.integer(2, "dStart"), dEnd = args.integer(3, "dEnd");
  if (dStart > dEnd || dEnd > features) args.fail("need 0 <= dStart <= dEnd <= features");
  const bool shiftOnly = args.boolean(10, "shiftOnly");
  const float* in = args.f32(4, "input", product(batch, features));
  const float* params = args.f32(5, "params", product(batch, features) * (shiftOnly ? 1 : 2));
  float* out = args.f32(6, "output", product(batch, features));
  double* logDet = args.f64(7, "logDet", batch, true);
  Kernel(batch, features, dStart, dEnd, in, params, out, logDet, args.boolean(8, "accumulateLogDet"),
         args.number(9, "logScaleBound"), shiftOnly);
  return info.Env().Undefined();
}

Napi::Value AffineInverse(const Napi::CallbackInfo& info) { return Affine<maflow::affineInverse>(info, "affineInverse"); }
Napi::Value AffineForward(const Napi::CallbackInfo& info) { return Affine<maflow::affineForward>(info, "affineForward"); }

template <void (*Kernel)(int, int, const float*, const float*, const float*, const double*, float*, float*, double,
                         bool)>
Napi::Value AffineBackward(const Napi::CallbackInfo& info, const char* method) {
  Args args(info, method, 10);
  const int batch = args.integer(0, "batch"), features = args.integer(1, "features");
  const bool shiftOnly = args.boolean(9, "shiftOnly");
  const int64_t n = product(batch, features), nParams = n * (shiftOnly ? 1 : 2);
  const float* params = args.f32(2, "params", nParams);
  const float* z = args.f32(3, "z", n);
  const float* upstream = args.f32(4, "upstream gradient", n);
  const double* dLogDet = args.f64(5, "dLogDet", batch, true);
  float* downstream = args.f32(6, "downstream gradient", n);
  float* dParams = args.f32(7, "dParams", nParams);
  Kernel(batch, features, params, z, upstream, dLogDet, downstream, dParams, args.number(8, "logScaleBound"),
         shiftOnly);
  return info.Env().Undefined();
}

Napi::Value AffineInverseBackward(const Napi::CallbackInfo& info) {
  return AffineBackward<maflow::affineInverseBackward>(info, "affineInverseBackward");
}
Napi::Value AffineForwardBackward(const Napi::CallbackInfo& info) {
  return AffineBackward<maflow::affineForwardBackward>(info, "affineForwardBackward");
}

Napi::Value GatherColumns(const Napi::CallbackInfo& info) {
  Args args(info, "gatherColumns", 5);
  const int rows = args.integer(0, "rows"), cols = args.integer(1, "cols");
  const float* x = args.f32(2, "x", product(rows, cols));
  const int32_t* index = args.i32(3, "index", cols);
  for (int i = 0; i < cols; ++i) {
    if (index[i] < 0 || index[i] >= cols) {
      args.fail("index entries must lie in [0, " + std::to_string(cols) + "); index[" + std::to_string(i) +
                "] = " + std::to_string(index[i]));
    }
  }
  float* out = args.f32(4, "out", product(rows, cols));
  if (out == x && cols > 0 && rows > 0) args.fail("out must not alias x");
  maflow::gatherColumns(rows, cols, x, index, out);
  return info.Env().Undefined();
}

Napi::Value ColumnMoments(const Napi::CallbackInfo& info) {
  Args args(info, "columnMoments", 5);
  const int batch = args.integer(0, "batch"), cols = args.integer(1, "cols");
  maflow::columnMoments(batch, cols, args.f32(2, "x", product(batch, cols)), args.f64(3, "mean", cols),
                        args.f64(4, "variance", cols));
  return info.Env().Undefined();
}

Napi::Value BatchNormApply(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormApply", 9);
  const int batch = args.integer(0, "batch"), cols = args.integer(1, "cols");
  maflow::batchNormApply(batch, cols, args.f32(2, "x", product(batch, cols)), args.f64(3, "mean", cols),
                         args.f64(4, "variance", cols), args.number(5, "eps"), args.f32(6, "logGamma", cols),
                         args.f32(7, "beta", cols), args.f32(8, "out", product(batch, cols)));
  return info.Env().Undefined();
}

Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormBackward", 12);
  const int batch = args.integer(0, "batch"), cols = args.integer(1, "cols");
  maflow::batchNormBackward(batch, cols, args.f32(2, "x", product(batch, cols)), args.f64(3, "mean", cols),
                            args.f64(4, "variance", cols), args.number(5, "eps"), args.f32(6, "logGamma", cols),
                            args.f32(7, "dOut", product(batch, cols)), args.number(8, "dLogDetSum"),
                            args.f32(9, "dX", product(batch, cols)), args.f32(10, "dLogGamma", cols),
                            args.f32(11, "dBeta", cols));
  return info.Env().Undefined();
}

// adamStep(rows, cols, staircase Int32Array [rows] | null, param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step)
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Args args(info, "adamStep", 13);
  const int rows = args.integer(0, "rows"), cols = args.integer(1, "cols");
  const int32_t* staircase = args.i32(2, "staircase", rows, true);
  if (staircase != nullptr) {
    for (int r = 0; r < rows; ++r) {
      if (staircase[r] < 0 || staircase[r] > cols) {
        args.fail("staircase entries must lie in [0, " + std::to_string(cols) + "]; staircase[" + std::to_string(r) +
                  "] = " + std::to_string(staircase[r]));
      }
    }
  }
  const int64_t n = product(rows, cols);
  maflow::adamStep(rows, cols, staircase, args.f32(3, "param", n), args.f32(4, "grad", n), args.f32(5, "m", n),
                   args.f32(6, "v", n), args.number(7, "lr"), args.number(8, "beta1"), args.number(9, "beta2"),
                   args.number(10, "eps"), args.number(11, "weightDecay"), args.number(12, "step"));
  return info.Env().Undefined();
}

// A JS array's element i as a typed array of `type` with at least `need` elements (the sampler's per-layer arrays).
template <typename T>
T* element(const Args& args, const Napi::Array& list, uint32_t i, const char* name, int64_t need,
           napi_typedarray_type type, const char* typeName) {
  const Napi::Value value = list.Get(i);
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    args.fail(std::string(name) + "[" + std::to_string(i) + "] must be a " + typeName);
  }
  Napi::TypedArrayOf<T> typed = value.As<Napi::TypedArrayOf<T>>();
  if (static_cast<int64_t>(typed.ElementLength()) < need) {
    args.fail(std::string(name) + "[" + std::to_string(i) + "] needs at least " + std::to_string(need) +
              " elements, got " + std::to_string(typed.ElementLength()));
  }
  return typed.Data();
}

void checkPrefix(const Args& args, const int32_t* p, int outDim, int inDim, const std::string& name) {
  for (int j = 0; j < outDim; ++j) {
    if (p[j] < 0 || p[j] > inDim || (j > 0 && p[j] < p[j - 1])) {
      args.fail(name + " must be non-decreasing with values in [0, " + std::to_string(inDim) + "]; entry " +
                std::to_string(j) + " = " + std::to_string(p[j]));
    }
  }
}

// staircaseSequentialAffine(batch, features, contextFeatures, context | null, dims Int32Array [(L + 1)·2: inDim,
//   outDim per layer, the output layer last], acts Int32Array [L], weights Float32Array[L + 1],
//   prefixes Int32Array[L + 1], biases Float32Array[L + 1], contextWeights (Float32Array | null)[L + 1],
//   starts Int32Array[L], residual, u, x, logDet, logScaleBound, shiftOnly);
// staircaseParallelAffine: the same arguments with (x, z) in place of (u, x), z written.
Napi::Value StaircaseAffine(const Napi::CallbackInfo& info, bool parallel) {
  Args args(info, parallel ? "staircaseParallelAffine" : "staircaseSequentialAffine", 17);
  maflow::StaircaseAffine job;
  job.parallel = parallel;
  job.batch = args.integer(0, "batch");
  job.features = args.integer(1, "features", 1);
  job.contextFeatures = args.integer(2, "contextFeatures");
  const int D = job.features, C = job.contextFeatures;
  job.context = args.f32(3, "context", product(job.batch, C), true);
  if (!info[4].IsTypedArray() || !info[5].IsTypedArray()) args.fail("dims and acts must be Int32Arrays");
  const Napi::Int32Array dims = info[4].As<Napi::Int32Array>();
  const Napi::Int32Array acts = info[5].As<Napi::Int32Array>();
  const int L = static_cast<int>(acts.ElementLength());
  if (L < 1 || static_cast<int>(dims.ElementLength()) != 2 * (L + 1)) {
    args.fail("need dims [2·(L + 1)] and acts [L] with L >= 1 hidden layers");
  }
  for (int i = 6; i <= 10; ++i) {
    const int need = i == 10 ? L : L + 1;
    if (!info[i].IsArray() || static_cast<int>(info[i].As<Napi::Array>().Length()) != need) {
      args.fail("argument " + std::to_string(i) + " must be an array of " + std::to_string(need) + " entries");
    }
  }
  job.residual = args.boolean(11, "residual");
  job.shiftOnly = args.boolean(16, "shiftOnly");
  const int P = job.shiftOnly ? 1 : 2;
  int previous = D;
  for (int l = 0; l <= L; ++l) {
    maflow::StaircaseLayer layer{};
    const std::string which = l < L ? "layer " + std::to_string(l) : std::string("output layer");
    layer.inDim = dims[2 * l];
    layer.outDim = dims[2 * l + 1];
    if (layer.inDim != previous) {
      args.fail(which + " has inDim " + std::to_string(layer.inDim) + ", expected " + std::to_string(previous));
    }
    if (l == L && layer.outDim != D * P) {
      args.fail("output layer has outDim " + std::to_string(layer.outDim) + ", expected " + std::to_string(D * P));
    }
    if (layer.outDim < 1) args.fail(which + " needs outDim >= 1");
    if (job.residual && l > 0 && l < L && layer.outDim != layer.inDim) args.fail("residual layers need equal widths");
    layer.act = l < L ? static_cast<maflow::Act>(acts[l]) : maflow::Act::Identity;
    if (l < L && (acts[l] < 0 || acts[l] > static_cast<int>(maflow::Act::Identity))) args.fail("unknown activation code");
    layer.w = element<float>(args, info[6].As<Napi::Array>(), l, "weights", product(layer.outDim, layer.inDim),
                             napi_float32_array, "Float32Array");
    int32_t* prefix = element<int32_t>(args, info[7].As<Napi::Array>(), l, "prefixes", layer.outDim,
                                       napi_int32_array, "Int32Array");
    checkPrefix(args, prefix, layer.outDim, layer.inDim, "prefixes[" + std::to_string(l) + "]");
    layer.prefix = prefix;
    layer.bias = element<float>(args, info[8].As<Napi::Array>(), l, "biases", layer.outDim, napi_float32_array,
                                "Float32Array");
    const Napi::Value contextWeight = info[9].As<Napi::Array>().Get(static_cast<uint32_t>(l));
    layer.contextWeight = contextWeight.IsNull() || contextWeight.IsUndefined() || C == 0
        ? nullptr
        : element<float>(args, info[9].As<Napi::Array>(), l, "contextWeights", product(layer.outDim, C),
                         napi_float32_array, "Float32Array");
    if (l < L) {
      int32_t* starts = element<int32_t>(args, info[10].As<Napi::Array>(), l, "degreeStarts", D + 1,
                                         napi_int32_array, "Int32Array");
      checkPrefix(args, starts, D + 1, layer.outDim, "degreeStarts[" + std::to_string(l) + "]");
      layer.starts = starts;
      job.hidden.push_back(layer);
    } else {
      job.output = layer;
    }
    previous = layer.outDim;
  }
  if (parallel) {
    job.x = args.f32(12, "x", product(job.batch, D));
    job.u = args.f32(13, "z", product(job.batch, D));
  } else {
    job.u = args.f32(12, "u", product(job.batch, D));
    job.x = args.f32(13, "x", product(job.batch, D));
  }
  job.logDet = args.f64(14, "logDet", job.batch);
  job.bound = args.number(15, "logScaleBound");
  maflow::staircaseAffine(job);
  return info.Env().Undefined();
}

Napi::Value StaircaseSequentialAffine(const Napi::CallbackInfo& info) { return StaircaseAffine(info, false); }

Napi::Value StaircaseParallelAffine(const Napi::CallbackInfo& info) { return StaircaseAffine(info, true); }

// denseGemmGflops(m, n, k, seconds): GFLOP/s of a dense float32 GEMM (out = x·wᵀ, no bias, identity) run by the
// kernel itself, timed in C++ so that the figure contains no JS overhead. The best of repeated runs is reported.
Napi::Value DenseGemmGflops(const Napi::CallbackInfo& info) {
  Args args(info, "denseGemmGflops", 4);
  const int m = args.integer(0, "m", 1), n = args.integer(1, "n", 1), k = args.integer(2, "k", 1);
  const double seconds = args.number(3, "seconds");
  std::vector<float> x(product(m, k)), w(product(n, k)), out(product(m, n));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 17) / 17.0f - 0.5f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>((i * 104729) % 13) / 13.0f - 0.5f;
  using Clock = std::chrono::steady_clock;
  double best = 1e30;
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  do {
    const Clock::time_point start = Clock::now();
    maflow::prefixGemm(m, k, n, x.data(), w.data(), nullptr, nullptr, out.data(), false, Act::Identity, 0, n);
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  } while (Clock::now() < until);
  return Napi::Number::New(info.Env(), 2.0 * m * n * k / best / 1e9);
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Args args(info, "setThreads", 1);
  maflow::ThreadPool& pool = maflow::ThreadPool::instance();
  pool.setSize(args.integer(0, "threads", 1));
  return Napi::Number::New(info.Env(), pool.size());
}

Napi::Value Threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), maflow::ThreadPool::instance().size());
}

Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), maflow::gemmIsa()); }

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) {
    throw Napi::TypeError::New(info.Env(), "maflow native setIsa: isa must be a string");
  }
  return Napi::Boolean::New(info.Env(), maflow::setGemmIsa(info[0].As<Napi::String>().Utf8Value().c_str()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const struct {
    const char* name;
    Napi::Value (*fn)(const Napi::CallbackInfo&);
  } functions[] = {
      {"prefixGemm", PrefixGemm},
      {"prefixGemmBackwardInput", PrefixGemmBackwardInput},
      {"prefixGemmBackwardWeight", PrefixGemmBackwardWeight},
      {"activation", Activation},
      {"activationBackward", ActivationBackward},
      {"affineInverse", AffineInverse},
      {"affineForward", AffineForward},
      {"affineInverseBackward", AffineInverseBackward},
      {"affineForwardBackward", AffineForwardBackward},
      {"gatherColumns", GatherColumns},
      {"columnMoments", ColumnMoments},
      {"batchNormApply", BatchNormApply},
      {"batchNormBackward", BatchNormBackward},
      {"adamStep", AdamStep},
      {"staircaseSequentialAffine", StaircaseSequentialAffine},
      {"staircaseParallelAffine", StaircaseParallelAffine},
      {"denseGemmGflops", DenseGemmGflops},
      {"setThreads", SetThreads},
      {"threads", Threads},
      {"isa", Isa},
      {"setIsa", SetIsa},
  };
  for (const auto& f : functions) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
  return exports;
}

}  // namespace

NODE_API_MODULE(maflow_native, Init)
