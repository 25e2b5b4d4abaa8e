// N-API entry points. Each kernel takes one descriptor object whose properties are named as in src/kernels/kernels.ts
// (PrefixGemmOp, TransformOp, …); Op reads and validates them (types, lengths, staircase well-formedness) so that no
// call can read or write out of bounds, then the kernel runs on the typed arrays' memory in place (zero copy;
// subarray views' byte offsets are honoured by napi_get_typedarray_info). Property keys are created once per name
// and kept, since creating a key string per read cost more than the read.
#include <napi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "elementwise.h"
#include "gemm.h"
#include "staircase.h"
#include "staircase-train.h"
#include "tensor-list.h"
#include "thread-pool.h"
#include "transformer.h"

namespace {

using maflow::Act;

const char* const kActivations[] = {"relu", "tanh", "elu", "sigmoid", "softplus", "identity"};

// Interned property keys: one string per distinct name (the names are string literals), kept as elements of an array
// held by a reference (Node-API 8 cannot reference a string itself).
napi_value key(napi_env env, const char* name) {
  thread_local std::unordered_map<const char*, uint32_t> index;
  thread_local napi_ref holder = nullptr;
  napi_value keys, value;
  if (holder == nullptr || napi_get_reference_value(env, holder, &keys) != napi_ok || keys == nullptr) {
    napi_create_array(env, &keys);
    napi_create_reference(env, keys, 1, &holder);
    index.clear();
  }
  auto found = index.find(name);
  if (found != index.end()) {
    napi_get_element(env, keys, found->second, &value);
    return value;
  }
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &value);
  const uint32_t i = static_cast<uint32_t>(index.size());
  napi_set_element(env, keys, i, value);
  index[name] = i;
  return value;
}

class Op {
 public:
  Op(const Napi::CallbackInfo& info, const char* method) : env_(info.Env()), method_(method) {
    if (info.Length() < 1 || !info[0].IsObject()) fail("expected one descriptor object");
    object_ = info[0].As<Napi::Object>();
  }

  Op(Napi::Env env, Napi::Object object, std::string method) : env_(env), object_(object), method_(std::move(method)) {}

  napi_env env() const { return env_; }
  napi_value value() const { return object_; }
  const std::string& method() const { return method_; }

  [[noreturn]] void fail(const std::string& message) const {
    throw Napi::TypeError::New(env_, std::string("maflow native ") + method_ + ": " + message);
  }

  Napi::Value get(const char* name) const {
    napi_value value;
    if (napi_get_property(env_, object_, key(env_, name), &value) != napi_ok) fail(std::string("cannot read ") + name);
    return Napi::Value(env_, value);
  }

  Napi::Object object(const char* name) const {
    const Napi::Value v = get(name);
    if (!v.IsObject()) fail(std::string(name) + " must be an object");
    return v.As<Napi::Object>();
  }

  int integer(const char* name, int min = 0) const { return integerValue(get(name), name, min); }

  // An optional integer (undefined → fallback).
  int integerOr(const char* name, int fallback, int min = 0) const {
    const Napi::Value v = get(name);
    return v.IsUndefined() ? fallback : integerValue(v, name, min);
  }

  double number(const char* name) const {
    const Napi::Value v = get(name);
    if (!v.IsNumber()) fail(std::string(name) + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
  }

  bool flag(const char* name) const {
    const Napi::Value v = get(name);
    if (v.IsUndefined()) return false;
    if (!v.IsBoolean()) fail(std::string(name) + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }

  std::string string(const char* name) const {
    const Napi::Value v = get(name);
    if (!v.IsString()) fail(std::string(name) + " must be a string");
    return v.As<Napi::String>().Utf8Value();
  }

  // An activation name (undefined → identity).
  Act activation(const char* name = "activation") const {
    const Napi::Value v = get(name);
    if (v.IsUndefined()) return Act::Identity;
    if (v.IsString()) {
      char text[16];
      size_t length = 0;
      napi_get_value_string_utf8(env_, v, text, sizeof text, &length);
      for (int code = 0; code <= static_cast<int>(Act::Identity); ++code) {
        if (std::strcmp(text, kActivations[code]) == 0) return static_cast<Act>(code);
      }
    }
    fail(std::string(name) + " must be one of relu, tanh, elu, sigmoid, softplus, identity");
  }

  float* f32(const char* name, int64_t need, bool nullable = false) const {
    return array<float>(get(name), name, need, nullable, napi_float32_array, "Float32Array");
  }

  double* f64(const char* name, int64_t need, bool nullable = false) const {
    return array<double>(get(name), name, need, nullable, napi_float64_array, "Float64Array");
  }

  int32_t* i32(const char* name, int64_t need, bool nullable = false) const {
    return array<int32_t>(get(name), name, need, nullable, napi_int32_array, "Int32Array");
  }

  // A staircase prefix [outDim] with values in [0, inDim], non-decreasing; null means dense.
  const int32_t* prefix(const char* name, int outDim, int inDim, bool nullable = true) const {
    const int32_t* p = i32(name, outDim, nullable);
    if (p != nullptr) checkStaircase(p, outDim, inDim, name);
    return p;
  }

  void checkStaircase(const int32_t* p, int n, int max, const std::string& name) const {
    for (int j = 0; j < n; ++j) {
      if (p[j] < 0 || p[j] > max || (j > 0 && p[j] < p[j - 1])) {
        fail(name + " must be non-decreasing with values in [0, " + std::to_string(max) + "]; entry " +
             std::to_string(j) + " = " + std::to_string(p[j]));
      }
    }
  }

  // A TransformerKernel description.
  maflow::Transformer transformer(const char* name = "transformer") const {
    const Op t(env_, object(name), method_ + " " + name);
    maflow::Transformer out;
    const std::string kind = t.string("kind");
    // The bin fields of the spline kinds; whether they are in range.
    const auto readBins = [&]() {
      out.bins = t.integer("bins", 1);
      out.minBinWidth = t.number("minBinWidth");
      out.minBinHeight = t.number("minBinHeight");
      out.minDerivative = t.number("minDerivative");
      return out.minBinWidth >= 0 && out.minBinWidth * out.bins < 1 && out.minBinHeight >= 0 &&
             out.minBinHeight * out.bins < 1 && out.minDerivative >= 0 && out.minDerivative < 1;
    };
    if (kind == "affine") {
      out.kind = maflow::TransformerKind::Affine;
      out.bound = t.number("logScaleBound");
      out.shiftOnly = t.flag("shiftOnly");
      if (!(out.bound > 0)) t.fail("logScaleBound must be > 0");
    } else if (kind == "spline") {
      out.kind = maflow::TransformerKind::Spline;
      out.tailBound = t.number("tailBound");
      if (!readBins() || !(out.tailBound > 0)) {
        t.fail("needs tailBound > 0, minimum bin sizes in [0, 1/bins) and minDerivative in [0, 1)");
      }
    } else if (kind == "circular-spline") {
      out.kind = maflow::TransformerKind::CircularSpline;
      if (!readBins()) t.fail("needs minimum bin sizes in [0, 1/bins) and minDerivative in [0, 1)");
      const Napi::Value flags = t.get("circular");
      if (!flags.IsTypedArray() || flags.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
        t.fail("circular must be an Int32Array");
      }
      out.circular = flags.As<Napi::Int32Array>().Data();
      out.circularCount = static_cast<int>(flags.As<Napi::Int32Array>().ElementLength());
    } else if (kind == "bernstein") {
      out.kind = maflow::TransformerKind::Bernstein;
      out.degree = t.integer("degree", 1);
      out.polyBound = t.number("bound");
      if (!(out.polyBound > 0 && std::isfinite(out.polyBound))) t.fail("bound must be a positive finite number");
    } else if (kind == "naf") {
      out.kind = maflow::TransformerKind::Naf;
      out.hiddenUnits = t.integer("hiddenUnits", 1);
      out.blocks = t.integer("blocks", 1);
    } else if (kind == "umnn") {
      out.kind = maflow::TransformerKind::Umnn;
      out.hiddenUnits = t.integer("hiddenUnits", 1);
      out.intervals = t.integer("intervals", 2);
      if (out.intervals % 2 != 0) t.fail("intervals must be even");
    } else {
      t.fail("kind must be 'affine', 'spline', 'circular-spline', 'bernstein', 'naf' or 'umnn', got '" + kind + "'");
    }
    return out;
  }

  // A circular spline's flags must cover the layer's features.
  void checkFeatures(const maflow::Transformer& t, int features) const {
    if (t.kind == maflow::TransformerKind::CircularSpline && t.circularCount != features) {
      fail("transformer.circular has " + std::to_string(t.circularCount) + " flags, expected one per feature (" +
           std::to_string(features) + ")");
    }
  }

  // One napi call for a typed array operand (type, length and data at once): the wrappers' separate checks made
  // about five, some 30 ns each, per operand of every call.
  template <typename T>
  T* array(const Napi::Value& value, const std::string& name, int64_t need, bool nullable,
           napi_typedarray_type type, const char* typeName) const {
    napi_typedarray_type actual = napi_int8_array;
    size_t length = 0;
    void* data = nullptr;
    const bool typed = napi_get_typedarray_info(env_, value, &actual, &length, &data, nullptr, nullptr) == napi_ok;
    if (!typed && nullable && (value.IsNull() || value.IsUndefined())) return nullptr;
    if (!typed || actual != type) fail(name + " must be a " + typeName + (nullable ? " or null" : ""));
    if (static_cast<int64_t>(length) < need) {
      fail(name + " needs at least " + std::to_string(need) + " elements, got " + std::to_string(length));
    }
    return static_cast<T*>(data);
  }

 private:
  int integerValue(const Napi::Value& v, const char* name, int min) const {
    if (!v.IsNumber()) fail(std::string(name) + " must be a number");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= min && d <= 2147483647.0) || d != static_cast<double>(static_cast<int64_t>(d))) {
      fail(std::string(name) + " must be an integer >= " + std::to_string(min) + ", got " + std::to_string(d));
    }
    return static_cast<int>(d);
  }

  Napi::Env env_;
  Napi::Object object_;
  std::string method_;
};

int64_t product(int a, int b) { return static_cast<int64_t>(a) * b; }

Napi::Value PrefixGemm(const Napi::CallbackInfo& info) {
  Op op(info, "prefixGemm");
  const int batch = op.integer("batch"), inDim = op.integer("inDim"), outDim = op.integer("outDim");
  const float* x = op.f32("x", product(batch, inDim));
  const float* w = op.f32("weight", product(outDim, inDim));
  const int32_t* prefix = op.prefix("prefix", outDim, inDim);
  const float* bias = op.f32("bias", outDim, true);
  float* out = op.f32("out", product(batch, outDim));
  const bool accumulate = op.flag("accumulate");
  const Act act = op.activation();
  const int outStart = op.integerOr("outStart", 0), outEnd = op.integerOr("outEnd", outDim);
  if (outStart > outEnd || outEnd > outDim) {
    op.fail("need 0 <= outStart <= outEnd <= outDim, got [" + std::to_string(outStart) + ", " +
            std::to_string(outEnd) + ") with outDim " + std::to_string(outDim));
  }
  maflow::prefixGemm(batch, inDim, outDim, x, w, prefix, bias, out, accumulate, act, outStart, outEnd);
  return info.Env().Undefined();
}

Napi::Value PrefixGemmBackwardInput(const Napi::CallbackInfo& info) {
  Op op(info, "prefixGemmBackwardInput");
  const int batch = op.integer("batch"), inDim = op.integer("inDim"), outDim = op.integer("outDim");
  const float* dOut = op.f32("dOut", product(batch, outDim));
  const float* w = op.f32("weight", product(outDim, inDim));
  const int32_t* prefix = op.prefix("prefix", outDim, inDim);
  float* dIn = op.f32("dIn", product(batch, inDim));
  maflow::prefixGemmBackwardInput(batch, inDim, outDim, dOut, w, prefix, dIn, op.flag("accumulate"));
  return info.Env().Undefined();
}

Napi::Value PrefixGemmBackwardWeight(const Napi::CallbackInfo& info) {
  Op op(info, "prefixGemmBackwardWeight");
  const int batch = op.integer("batch"), inDim = op.integer("inDim"), outDim = op.integer("outDim");
  const float* dOut = op.f32("dOut", product(batch, outDim));
  const float* x = op.f32("x", product(batch, inDim));
  const int32_t* prefix = op.prefix("prefix", outDim, inDim);
  float* dW = op.f32("dWeight", product(outDim, inDim));
  float* dBias = op.f32("dBias", outDim, true);
  maflow::prefixGemmBackwardWeight(batch, inDim, outDim, dOut, x, prefix, dW, dBias, op.flag("accumulate"));
  return info.Env().Undefined();
}

Napi::Value Activation(const Napi::CallbackInfo& info) {
  Op op(info, "activation");
  const Act act = op.activation();
  const int rows = op.integer("rows"), cols = op.integer("cols");
  const int colStart = op.integerOr("colStart", 0), colEnd = op.integerOr("colEnd", cols);
  if (colStart > colEnd || colEnd > cols) op.fail("need 0 <= colStart <= colEnd <= cols");
  maflow::activation(act, rows, cols, colStart, colEnd, op.f32("x", product(rows, cols)), op.f32("out", product(rows, cols)));
  return info.Env().Undefined();
}

Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  Op op(info, "activationBackward");
  const Act act = op.activation();
  const int n = op.integer("n");
  maflow::activationBackward(act, n, op.f32("y", n), op.f32("dOut", n), op.f32("dIn", n));
  return info.Env().Undefined();
}

// An inversion report [4] (entries, iterations, worst residual, unconverged), accumulated; null = none.
struct ReportOut {
  double* target;
  maflow::InversionReport report;
  explicit ReportOut(double* t) : target(t) {}
  maflow::InversionReport* get() { return target == nullptr ? nullptr : &report; }
  void write() const {
    if (target == nullptr) return;
    target[0] += report.entries, target[1] += report.iterations, target[3] += report.unconverged;
    target[2] = std::max(target[2], report.maxResidual);
  }
};

// transformInverse / transformForward share their descriptor.
Napi::Value Transform(const Napi::CallbackInfo& info, bool inverse) {
  Op op(info, inverse ? "transformInverse" : "transformForward");
  const maflow::Transformer t = op.transformer();
  const int batch = op.integer("batch"), features = op.integer("features");
  op.checkFeatures(t, features);
  const int dStart = op.integerOr("dStart", 0), dEnd = op.integerOr("dEnd", features);
  if (dStart > dEnd || dEnd > features) op.fail("need 0 <= dStart <= dEnd <= features");
  const float* in = op.f32("input", product(batch, features));
  const float* params = op.f32("params", product(batch, features) * t.paramsPerFeature());
  float* out = op.f32("output", product(batch, features));
  double* logDet = op.f64("logDet", batch, true);
  if (inverse) {
    maflow::transformInverse(t, batch, features, dStart, dEnd, in, params, out, logDet, op.flag("accumulateLogDet"));
  } else {
    ReportOut report(op.f64("inversion", 4, true));
    maflow::transformForward(t, batch, features, dStart, dEnd, in, params, out, logDet, op.flag("accumulateLogDet"),
                             report.get());
    report.write();
  }
  return info.Env().Undefined();
}

Napi::Value TransformInverse(const Napi::CallbackInfo& info) { return Transform(info, true); }
Napi::Value TransformForward(const Napi::CallbackInfo& info) { return Transform(info, false); }

// The backward passes exist natively for the affine and the monotone transformers (the JS wrapper sends the
// splines' to the reference).
Napi::Value TransformBackward(const Napi::CallbackInfo& info, bool inverse) {
  Op op(info, inverse ? "transformInverseBackward" : "transformForwardBackward");
  const maflow::Transformer t = op.transformer();
  if (t.kind != maflow::TransformerKind::Affine && !t.monotone()) {
    op.fail("the spline transformers have no native backward pass");
  }
  const int batch = op.integer("batch"), features = op.integer("features");
  const int64_t n = product(batch, features), nParams = n * t.paramsPerFeature();
  const float* params = op.f32("params", nParams);
  if (t.monotone()) {
    // The monotone backward reads x: the inverse's input, the forward's output.
    const float* x = op.f32(inverse ? "input" : "output", n);
    maflow::monotoneBackward(t, inverse, batch, features, x, params, op.f32("dOutput", n), op.f64("dLogDet", batch, true),
                             op.f32("dInput", n), op.f32("dParams", nParams));
    return info.Env().Undefined();
  }
  // The affine backward reads z: the inverse's output, the forward's input.
  const float* z = op.f32(inverse ? "output" : "input", n);
  const float* upstream = op.f32("dOutput", n);
  const double* dLogDet = op.f64("dLogDet", batch, true);
  float* downstream = op.f32("dInput", n);
  float* dParams = op.f32("dParams", nParams);
  (inverse ? maflow::affineInverseBackward : maflow::affineForwardBackward)(batch, features, params, z, upstream,
                                                                           dLogDet, downstream, dParams, t.bound,
                                                                           t.shiftOnly);
  return info.Env().Undefined();
}

Napi::Value TransformInverseBackward(const Napi::CallbackInfo& info) { return TransformBackward(info, true); }
Napi::Value TransformForwardBackward(const Napi::CallbackInfo& info) { return TransformBackward(info, false); }

Napi::Value GatherColumns(const Napi::CallbackInfo& info) {
  Op op(info, "gatherColumns");
  const int rows = op.integer("rows"), cols = op.integer("cols");
  const float* x = op.f32("x", product(rows, cols));
  const int32_t* index = op.i32("index", cols);
  for (int i = 0; i < cols; ++i) {
    if (index[i] < 0 || index[i] >= cols) {
      op.fail("index entries must lie in [0, " + std::to_string(cols) + "); index[" + std::to_string(i) +
              "] = " + std::to_string(index[i]));
    }
  }
  float* out = op.f32("out", product(rows, cols));
  if (out == x && cols > 0 && rows > 0) op.fail("out must not alias x");
  maflow::gatherColumns(rows, cols, x, index, out);
  return info.Env().Undefined();
}

Napi::Value ColumnMoments(const Napi::CallbackInfo& info) {
  Op op(info, "columnMoments");
  const int batch = op.integer("batch"), cols = op.integer("cols");
  maflow::columnMoments(batch, cols, op.f32("x", product(batch, cols)), op.f64("mean", cols), op.f64("variance", cols));
  return info.Env().Undefined();
}

Napi::Value BatchNormApply(const Napi::CallbackInfo& info) {
  Op op(info, "batchNormApply");
  const int batch = op.integer("batch"), cols = op.integer("cols");
  maflow::batchNormApply(batch, cols, op.f32("x", product(batch, cols)), op.f64("mean", cols),
                         op.f64("variance", cols), op.number("eps"), op.f32("logGamma", cols), op.f32("beta", cols),
                         op.f32("out", product(batch, cols)));
  return info.Env().Undefined();
}

Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  Op op(info, "batchNormBackward");
  const int batch = op.integer("batch"), cols = op.integer("cols");
  maflow::batchNormBackward(batch, cols, op.f32("x", product(batch, cols)), op.f64("mean", cols),
                            op.f64("variance", cols), op.number("eps"), op.f32("logGamma", cols),
                            op.f32("dOut", product(batch, cols)), op.number("dLogDetSum"),
                            op.f32("dX", product(batch, cols)), op.f32("dLogGamma", cols), op.f32("dBeta", cols));
  return info.Env().Undefined();
}

// The TensorListLayout of a multi-tensor call: {rows, cols: Int32Array [T], staircases: (Int32Array | null)[T]}, each
// staircase [rows[t]] with entries in [0, cols[t]].
maflow::TensorList tensorList(const Napi::CallbackInfo& info, const Op& op, const char* method) {
  const Op layout(info.Env(), op.object("layout"), std::string(method) + " layout");
  const Napi::Value rows = layout.get("rows");
  if (!rows.IsTypedArray() || rows.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) layout.fail("rows must be an Int32Array");
  const int count = static_cast<int>(rows.As<Napi::Int32Array>().ElementLength());
  const int32_t* r = layout.i32("rows", count);
  const int32_t* c = layout.i32("cols", count);
  const Napi::Value staircases = layout.get("staircases");
  if (!staircases.IsArray() || staircases.As<Napi::Array>().Length() != static_cast<uint32_t>(count)) {
    layout.fail("staircases must be an array of " + std::to_string(count) + " (Int32Array or null)");
  }
  maflow::TensorList list;
  list.rows.assign(r, r + count);
  list.cols.assign(c, c + count);
  list.staircases.resize(count);
  const Napi::Array stairs = staircases.As<Napi::Array>();
  for (int t = 0; t < count; ++t) {
    const std::string name = "staircases[" + std::to_string(t) + "]";
    if (r[t] < 0 || c[t] < 0) layout.fail("rows and cols must be >= 0; tensor " + std::to_string(t));
    const int32_t* p = layout.array<int32_t>(stairs.Get(static_cast<uint32_t>(t)), name, r[t], true, napi_int32_array, "Int32Array");
    for (int j = 0; p != nullptr && j < r[t]; ++j) {
      if (p[j] < 0 || p[j] > c[t]) {
        layout.fail(name + " entries must lie in [0, " + std::to_string(c[t]) + "]; entry " + std::to_string(j) + " = " +
                    std::to_string(p[j]));
      }
    }
    list.staircases[t] = p;
  }
  return list;
}

// A slot of a multi-tensor call: an array of one Float32Array per tensor, tensor t with rows[t]·cols[t] elements
// (nullable: null gives an empty vector).
std::vector<float*> f32List(const Op& op, const char* name, const maflow::TensorList& list, bool nullable = false) {
  const Napi::Value value = op.get(name);
  if (nullable && value.IsNull()) return {};
  const int count = list.count();
  if (!value.IsArray() || value.As<Napi::Array>().Length() != static_cast<uint32_t>(count)) {
    op.fail(std::string(name) + " must be an array of " + std::to_string(count) + " Float32Arrays" + (nullable ? " or null" : ""));
  }
  const Napi::Array arrays = value.As<Napi::Array>();
  std::vector<float*> out(count);
  for (int t = 0; t < count; ++t) {
    out[t] = op.array<float>(arrays.Get(static_cast<uint32_t>(t)), std::string(name) + "[" + std::to_string(t) + "]", product(list.rows[t], list.cols[t]),
                             false, napi_float32_array, "Float32Array");
  }
  return out;
}

Napi::Value SumOfSquares(const Napi::CallbackInfo& info) {
  Op op(info, "sumOfSquares");
  const maflow::TensorList list = tensorList(info, op, "sumOfSquares");
  const std::vector<float*> x = f32List(op, "x", list);
  double* out = op.f64("out", list.count());
  maflow::sumOfSquares(list, x.data(), out);
  return info.Env().Undefined();
}

Napi::Value Axpby(const Napi::CallbackInfo& info) {
  Op op(info, "axpby");
  const maflow::TensorList list = tensorList(info, op, "axpby");
  const std::vector<float*> x = f32List(op, "x", list, true);
  const std::vector<float*> y = f32List(op, "y", list);
  maflow::axpby(list, op.number("alpha"), op.number("beta"), x.empty() ? nullptr : x.data(), y.data());
  return info.Env().Undefined();
}

// UpdatePassOp's fields of adamUpdate / sgdMomentumUpdate (each optional): gradScale, gradSquares, average, averageDecay.
struct UpdatePassOperands {
  maflow::UpdatePass pass;
  std::vector<float*> average;
  UpdatePassOperands(const Op& op, const maflow::TensorList& list) {
    const Napi::Value scale = op.get("gradScale");
    if (!scale.IsUndefined()) pass.gradScale = op.number("gradScale");
    pass.gradSquares = op.f64("gradSquares", list.count(), true);
    if (op.get("average").IsUndefined()) return;
    average = f32List(op, "average", list, true);
    if (average.empty()) return;
    pass.average = average.data();
    pass.averageDecay = op.number("averageDecay");
    if (!(pass.averageDecay >= 0 && pass.averageDecay < 1)) op.fail("averageDecay must be in [0, 1), got " + std::to_string(pass.averageDecay));
  }
};

Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  Op op(info, "adamUpdate");
  const maflow::TensorList list = tensorList(info, op, "adamUpdate");
  const std::vector<float*> param = f32List(op, "param", list), grad = f32List(op, "grad", list), m = f32List(op, "m", list),
                            v = f32List(op, "v", list);
  const UpdatePassOperands pass(op, list);
  maflow::adamUpdate(list, param.data(), grad.data(), m.data(), v.data(), op.number("lr"), op.number("beta1"),
                     op.number("beta2"), op.number("eps"), op.number("weightDecay"), op.number("step"), pass.pass);
  return info.Env().Undefined();
}

Napi::Value SgdMomentumUpdate(const Napi::CallbackInfo& info) {
  Op op(info, "sgdMomentumUpdate");
  const maflow::TensorList list = tensorList(info, op, "sgdMomentumUpdate");
  const std::vector<float*> param = f32List(op, "param", list), grad = f32List(op, "grad", list),
                            velocity = f32List(op, "velocity", list);
  const UpdatePassOperands pass(op, list);
  maflow::sgdMomentumUpdate(list, param.data(), grad.data(), velocity.data(), op.number("lr"), op.number("momentum"),
                            op.number("weightDecay"), pass.pass);
  return info.Env().Undefined();
}

// What the staircase kernels read of a StaircaseNetwork (src/kernels/kernels.ts), validated.
struct ParsedNetwork {
  int features = 0, contextFeatures = 0;
  bool residual = false;
  maflow::Transformer transformer;
  std::vector<maflow::StaircaseLayer> hidden;
  maflow::StaircaseLayer output{};
};

ParsedNetwork parseNetwork(const Op& network) {
  ParsedNetwork out;
  out.features = network.integer("features", 1);
  out.contextFeatures = network.integer("contextFeatures");
  out.transformer = network.transformer();
  network.checkFeatures(out.transformer, out.features);
  out.residual = network.flag("residual");
  const int D = out.features, C = out.contextFeatures, P = out.transformer.paramsPerFeature();
  const Napi::Value hiddenValue = network.get("hidden");
  if (!hiddenValue.IsArray() || hiddenValue.As<Napi::Array>().Length() < 1) network.fail("hidden must be an array of >= 1 layers");
  const Napi::Array hidden = hiddenValue.As<Napi::Array>();
  const int L = static_cast<int>(hidden.Length());
  int previous = D;
  for (int l = 0; l <= L; ++l) {
    const std::string which = l < L ? "hidden[" + std::to_string(l) + "]" : std::string("output");
    const Napi::Value layerValue = l < L ? hidden.Get(static_cast<uint32_t>(l)) : network.get("output");
    if (!layerValue.IsObject()) network.fail(which + " must be a layer object");
    const Op s(network.env(), layerValue.As<Napi::Object>(), network.method() + "." + which);
    maflow::StaircaseLayer layer{};
    layer.inDim = s.integer("inDim");
    layer.outDim = s.integer("outDim", 1);
    if (layer.inDim != previous) {
      s.fail("inDim " + std::to_string(layer.inDim) + ", expected " + std::to_string(previous));
    }
    if (l == L && layer.outDim != D * P) {
      s.fail("outDim " + std::to_string(layer.outDim) + ", expected " + std::to_string(D * P) + " (features · params per feature)");
    }
    if (out.residual && l > 0 && l < L && layer.outDim != layer.inDim) s.fail("residual layers need equal widths");
    layer.act = l < L ? s.activation() : Act::Identity;
    layer.w = s.f32("weight", product(layer.outDim, layer.inDim));
    layer.prefix = s.prefix("prefix", layer.outDim, layer.inDim, false);
    layer.bias = s.f32("bias", layer.outDim);
    layer.contextWeight = C == 0 ? nullptr : s.f32("contextWeight", product(layer.outDim, C), true);
    if (l < L) {
      int32_t* starts = s.i32("degreeStarts", D + 1);
      s.checkStaircase(starts, D + 1, layer.outDim, "degreeStarts");
      layer.starts = starts;
      out.hidden.push_back(layer);
    } else {
      out.output = layer;
    }
    previous = layer.outDim;
  }
  return out;
}

// A ParsedNetwork wrapped on its network object, with the address of this build's kOwner: another build of the addon
// loaded in the same process (a different layout) does not take it for its own.
const char kOwner = 0;
struct WrappedNetwork {
  const char* owner = &kOwner;
  ParsedNetwork network;
};

// Whether `value` is frozen (Object.isFrozen, looked up once per thread and kept by a reference).
bool isFrozen(napi_env env, napi_value value) {
  thread_local napi_ref holder = nullptr;
  napi_value isFrozenFunction = nullptr, result;
  if (holder == nullptr || napi_get_reference_value(env, holder, &isFrozenFunction) != napi_ok || isFrozenFunction == nullptr) {
    napi_value global, object;
    napi_get_global(env, &global);
    napi_get_named_property(env, global, "Object", &object);
    napi_get_named_property(env, object, "isFrozen", &isFrozenFunction);
    napi_create_reference(env, isFrozenFunction, 1, &holder);
  }
  bool frozen = false;
  napi_value receiver;
  napi_get_undefined(env, &receiver);
  if (napi_call_function(env, receiver, isFrozenFunction, 1, &value, &result) == napi_ok) napi_get_value_bool(env, result, &frozen);
  return frozen;
}

// Whether the network, its hidden array, every layer and the transformer are frozen: then nothing the kernels read of
// it can change (a typed array's contents aside, which are read at every call anyway).
bool frozenThrough(const Op& network) {
  const napi_env env = network.env();
  if (!isFrozen(env, network.value())) return false;
  const Napi::Value hidden = network.get("hidden");
  if (!hidden.IsArray() || !isFrozen(env, hidden)) return false;
  const Napi::Array layers = hidden.As<Napi::Array>();
  for (uint32_t l = 0; l < layers.Length(); ++l) {
    if (!isFrozen(env, layers.Get(l))) return false;
  }
  return isFrozen(env, network.get("output")) && isFrozen(env, network.get("transformer"));
}

// The network of a staircase call. A network frozen through (Made's are) is parsed at its first call and what was read
// is kept on the object (napi_wrap, freed with it): a power-sized MAF layer's network is ~45 property and typed-array
// reads, and parsing it at every call cost 10 % of a training step. A network object that is not frozen is parsed at
// every call. `local` holds the network parsed for this call alone.
const ParsedNetwork& networkOf(const Op& op, const std::string& method, ParsedNetwork& local) {
  const Op network(op.env(), op.object("network"), method + " network");
  void* data = nullptr;
  const bool wrapped = napi_unwrap(op.env(), network.value(), &data) == napi_ok && data != nullptr;
  const auto* kept = static_cast<const WrappedNetwork*>(data);
  if (wrapped && kept->owner == &kOwner) return kept->network;
  local = parseNetwork(network);
  // An object wraps one value: one wrapped by another build keeps that build's, and this one parses it every call.
  if (wrapped || !frozenThrough(network)) return local;
  auto* made = new WrappedNetwork{&kOwner, local};
  const auto free = [](napi_env, void* data, void*) { delete static_cast<WrappedNetwork*>(data); };
  if (napi_wrap(op.env(), network.value(), made, free, nullptr, nullptr) != napi_ok) {
    delete made;
    return local;
  }
  return made->network;
}

// The descriptor of staircaseSequential / staircaseParallel / staircaseTrainForward / staircaseTrainBackward:
// {network: {features, contextFeatures, hidden: StaircaseHiddenLayer[], output, residual, transformer}, batch, context,
// input, output, logDet} (the training pass's backward half has no logDet: withLogDet false).
maflow::StaircasePass parseStaircase(const Op& op, const char* method, bool parallel, bool withLogDet = true) {
  ParsedNetwork local;
  const ParsedNetwork& network = networkOf(op, method, local);
  maflow::StaircasePass job;
  job.parallel = parallel;
  job.batch = op.integer("batch");
  job.features = network.features;
  job.contextFeatures = network.contextFeatures;
  job.transformer = network.transformer;
  job.residual = network.residual;
  job.hidden = network.hidden;
  job.output = network.output;
  const int D = job.features, C = job.contextFeatures;
  job.context = op.f32("context", product(job.batch, C), true);
  if (parallel) {
    job.x = op.f32("input", product(job.batch, D));
    job.u = op.f32("output", product(job.batch, D));
  } else {
    job.u = op.f32("input", product(job.batch, D));
    job.x = op.f32("output", product(job.batch, D));
  }
  job.logDet = withLogDet ? op.f64("logDet", job.batch) : nullptr;
  return job;
}

Napi::Value Staircase(const Napi::CallbackInfo& info, bool parallel) {
  Op op(info, parallel ? "staircaseParallel" : "staircaseSequential");
  maflow::StaircasePass job = parseStaircase(op, parallel ? "staircaseParallel" : "staircaseSequential", parallel);
  ReportOut report(parallel ? nullptr : op.f64("inversion", 4, true));
  job.inversion = report.get();
  maflow::staircasePass(job);
  report.write();
  return info.Env().Undefined();
}

// Floats of StaircaseTrainForwardOp.saved (staircaseTrainSavedLength in src/kernels/kernels.ts).
int64_t savedLength(const maflow::StaircasePass& job) {
  int64_t width = job.output.outDim;
  for (const maflow::StaircaseLayer& layer : job.hidden) width += (job.residual ? 2 : 1) * layer.outDim;
  return width * job.batch;
}

// staircaseTrainForward({...StaircasePassOp, saved}).
Napi::Value StaircaseTrainForward(const Napi::CallbackInfo& info) {
  Op op(info, "staircaseTrainForward");
  const maflow::StaircasePass job = parseStaircase(op, "staircaseTrainForward", true);
  maflow::staircaseTrainForward(job, op.f32("saved", savedLength(job)));
  return info.Env().Undefined();
}

// staircaseTrainBackward({network, batch, context, input, output, saved, dOutput, dLogDet, dInput, dContext,
// gradients: [{dWeight, dBias, dContextWeight, accumulate, accumulateContext}, …]}).
Napi::Value StaircaseTrainBackward(const Napi::CallbackInfo& info) {
  Op op(info, "staircaseTrainBackward");
  const maflow::StaircasePass job = parseStaircase(op, "staircaseTrainBackward", true, false);
  if (job.transformer.kind != maflow::TransformerKind::Affine) op.fail("only the affine transformer has a native backward pass");
  const int B = job.batch, D = job.features, C = job.contextFeatures;
  const float* saved = op.f32("saved", savedLength(job));
  const float* dZ = op.f32("dOutput", product(B, D));
  const double* dLogDet = op.f64("dLogDet", B, true);
  float* dX = op.f32("dInput", product(B, D));
  float* dContext = C == 0 ? nullptr : op.f32("dContext", product(B, C), true);
  const Napi::Value gradientsValue = op.get("gradients");
  const size_t layers = job.hidden.size() + 1;
  if (!gradientsValue.IsArray() || gradientsValue.As<Napi::Array>().Length() != layers) {
    op.fail("gradients must be an array of " + std::to_string(layers) + " layers (the hidden ones, then the output)");
  }
  const Napi::Array gradientsArray = gradientsValue.As<Napi::Array>();
  std::vector<maflow::LayerGradients> gradients;
  for (size_t l = 0; l < layers; ++l) {
    const maflow::StaircaseLayer& layer = l < job.hidden.size() ? job.hidden[l] : job.output;
    const Napi::Value entry = gradientsArray.Get(static_cast<uint32_t>(l));
    if (!entry.IsObject()) op.fail("gradients[" + std::to_string(l) + "] must be an object");
    const Op g(info.Env(), entry.As<Napi::Object>(), std::string("staircaseTrainBackward gradients[") + std::to_string(l) + "]");
    gradients.push_back({g.f32("dWeight", product(layer.outDim, layer.inDim)), g.f32("dBias", layer.outDim),
                         C == 0 ? nullptr : g.f32("dContextWeight", product(layer.outDim, C), true), g.flag("accumulate"),
                         g.flag("accumulateContext")});
  }
  maflow::staircaseTrainBackward(job, saved, dZ, dLogDet, dX, dContext, gradients);
  return info.Env().Undefined();
}

Napi::Value StaircaseSequential(const Napi::CallbackInfo& info) { return Staircase(info, false); }

Napi::Value StaircaseParallel(const Napi::CallbackInfo& info) { return Staircase(info, true); }

int positiveInteger(const Napi::CallbackInfo& info, size_t i, const char* method, const char* name, int min) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string("maflow native ") + method + ": " + name + " must be a number");
  }
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= min && v <= 2147483647.0) || v != static_cast<double>(static_cast<int64_t>(v))) {
    throw Napi::TypeError::New(info.Env(), std::string("maflow native ") + method + ": " + name +
                                               " must be an integer >= " + std::to_string(min));
  }
  return static_cast<int>(v);
}

// denseGemmGflops(m, n, k, seconds): GFLOP/s of a dense float32 GEMM (out = x·wᵀ, no bias, identity) run by the
// kernel itself, timed in C++ so that the figure contains no JS overhead. The best of repeated runs is reported.
Napi::Value DenseGemmGflops(const Napi::CallbackInfo& info) {
  const int m = positiveInteger(info, 0, "denseGemmGflops", "m", 1);
  const int n = positiveInteger(info, 1, "denseGemmGflops", "n", 1);
  const int k = positiveInteger(info, 2, "denseGemmGflops", "k", 1);
  if (info.Length() < 4 || !info[3].IsNumber()) throw Napi::TypeError::New(info.Env(), "maflow native denseGemmGflops: seconds must be a number");
  const double seconds = info[3].As<Napi::Number>().DoubleValue();
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
  maflow::ThreadPool& pool = maflow::ThreadPool::instance();
  pool.setSize(positiveInteger(info, 0, "setThreads", "threads", 1));
  return Napi::Number::New(info.Env(), pool.size());
}

Napi::Value Threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), maflow::ThreadPool::instance().size());
}

// The TransformerKernel kinds this build runs (an addon built before a kind existed leaves it to the reference loops).
Napi::Value TransformerKinds(const Napi::CallbackInfo& info) {
  const char* kinds[] = {"affine", "spline", "circular-spline", "bernstein", "naf", "umnn"};
  Napi::Array out = Napi::Array::New(info.Env(), sizeof kinds / sizeof kinds[0]);
  for (uint32_t i = 0; i < out.Length(); ++i) out.Set(i, Napi::String::New(info.Env(), kinds[i]));
  return out;
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
      {"transformInverse", TransformInverse},
      {"transformForward", TransformForward},
      {"transformInverseBackward", TransformInverseBackward},
      {"transformForwardBackward", TransformForwardBackward},
      {"gatherColumns", GatherColumns},
      {"columnMoments", ColumnMoments},
      {"batchNormApply", BatchNormApply},
      {"batchNormBackward", BatchNormBackward},
      {"sumOfSquares", SumOfSquares},
      {"axpby", Axpby},
      {"adamUpdate", AdamUpdate},
      {"sgdMomentumUpdate", SgdMomentumUpdate},
      {"staircaseSequential", StaircaseSequential},
      {"staircaseParallel", StaircaseParallel},
      {"staircaseTrainForward", StaircaseTrainForward},
      {"staircaseTrainBackward", StaircaseTrainBackward},
      {"denseGemmGflops", DenseGemmGflops},
      {"setThreads", SetThreads},
      {"threads", Threads},
      {"isa", Isa},
      {"transformerKinds", TransformerKinds},
      {"setIsa", SetIsa},
  };
  for (const auto& f : functions) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
  return exports;
}

}  // namespace

NODE_API_MODULE(maflow_native, Init)
