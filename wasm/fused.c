// The wasm backend's fused training pass of a MAF layer (Kernels.staircaseTrainForward / staircaseTrainBackward in
// src/kernels/kernels.ts): the layer kernels of kernels.c run back to back in one call, in the order and with the
// arithmetic of MaskedLinear.forward / backward, so the result equals the wasm backend's layer-by-layer composition;
// what the call saves is a JavaScript round trip per layer and per gradient (descriptor reads, operand lookups and the
// JavaScript loops between the calls). Compiled into the same module as kernels.c (scripts/build-wasm.mjs).
//
// The network arrives as a table in the linear memory, LAYER_WORDS int32 words per layer (the hidden layers, then the
// output layer): inDim, outDim, activation code, then byte offsets of weight, prefix, bias, context weight (0: none),
// dWeight, dBias, dContextWeight (0: none), and the accumulate and accumulateContext flags (read by the backward pass).
#include <stdint.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(#name)))

typedef float f32;

enum { IDENTITY = 5, LAYER_WORDS = 12, MAX_HIDDEN = 64, PASS_ROWS = 128 };

// kernels.c
void prefix_gemm(int batch, int inDim, int outDim, const f32* x, const f32* w, const int32_t* prefix, const f32* bias,
                 f32* out, int accumulate, int act, int outStart, int outEnd);
void prefix_gemm_backward_input(int batch, int inDim, int outDim, const f32* dOut, const f32* w, const int32_t* prefix,
                                f32* dIn, int accumulate, int inStart, int inEnd);
void prefix_gemm_backward_weight(int batch, int inDim, int outDim, const f32* dOut, const f32* x, const int32_t* prefix,
                                 f32* dW, f32* dBias, int accumulate, int outStart, int outEnd);
void activation_backward(int act, int n, const f32* y, const f32* dOut, f32* dIn);
void affine_transform(int inverse, int batch, int features, int dStart, int dEnd, const f32* in, const f32* params,
                      f32* out, double* logDet, int accumulate, double bound, int shiftOnly);
void affine_backward(int inverse, int batch, int features, const f32* params, const f32* z, const f32* dOutput,
                     const double* dLogDet, f32* dInput, f32* dParams, double bound, int shiftOnly);
int spline_transform(int inverse, int batch, int features, int dStart, int dEnd, const f32* in, const f32* params, f32* out,
                     double* logDet, int accumulateLogDet, int K, double B, double minW, double minH, double minD);

typedef struct {
  int inDim, outDim, act;
  const f32* w;
  const int32_t* prefix;
  const f32* bias;
  const f32* contextWeight;
  f32* dWeight;
  f32* dBias;
  f32* dContextWeight;
  int accumulate, accumulateContext;
} Layer;

static Layer layerAt(const int32_t* table, int l) {
  const int32_t* t = table + l * LAYER_WORDS;
  const Layer layer = {t[0], t[1], t[2], (const f32*)(uintptr_t)t[3], (const int32_t*)(uintptr_t)t[4],
                       (const f32*)(uintptr_t)t[5], (const f32*)(uintptr_t)t[6], (f32*)(uintptr_t)t[7],
                       (f32*)(uintptr_t)t[8], (f32*)(uintptr_t)t[9], t[10], t[11]};
  return layer;
}

// out = act(W · in + W_c · c + b), as MaskedLinear.forward.
static void layerForward(const Layer* s, int batch, int C, const f32* context, const f32* input, f32* out, int act) {
  if (s->contextWeight != 0 && context != 0) {
    prefix_gemm(batch, C, s->outDim, context, s->contextWeight, 0, s->bias, out, 0, IDENTITY, 0, s->outDim);
    prefix_gemm(batch, s->inDim, s->outDim, input, s->w, s->prefix, 0, out, 1, act, 0, s->outDim);
  } else {
    prefix_gemm(batch, s->inDim, s->outDim, input, s->w, s->prefix, s->bias, out, 0, act, 0, s->outDim);
  }
}

// Where a pass keeps each layer's output: a_l (then, residual, h_l) per hidden layer, then θ, each block `rows` rows of
// its width, a task's rows starting at `row` (threads split a pass by rows; the layout stays that of the whole batch).
typedef struct {
  f32* a[MAX_HIDDEN];
  f32* h[MAX_HIDDEN];
  f32* params;
} Views;

static void viewsOf(const int32_t* table, int L, int residual, f32* base, int rows, int row, Views* v) {
  int64_t offset = 0;
  for (int l = 0; l < L; ++l) {
    const int64_t n = layerAt(table, l).outDim;
    v->a[l] = base + offset + row * n;
    offset += rows * n;
    if (residual) {
      v->h[l] = base + offset + row * n;
      offset += rows * n;
    } else {
      v->h[l] = v->a[l];
    }
  }
  v->params = base + offset + (int64_t)row * layerAt(table, L).outDim;
}

// out[b, s:e] = (below or 0)[b, s:e] + a[b, s:e]: a residual layer's sum over the units [s, e).
static void addColumns(int batch, int n, int s, int e, const f32* below, const f32* a, f32* h) {
  for (int b = 0; b < batch; ++b) {
    for (int64_t i = (int64_t)b * n + s, end = (int64_t)b * n + e; i < end; ++i) h[i] = (below == 0 ? 0.0f : below[i]) + a[i];
  }
}

// z = τ⁻¹(x; θ) (inverse) or x = τ(u; θ) over features [d0, d1); kind 0: affine, 1: spline. Returns 1 for a bad spline.
static int transform(int kind, int inverse, int batch, int D, int d0, int d1, const f32* in, const f32* params, f32* out,
                     double* logDet, double bound, int shiftOnly, int bins, double tailBound, double minW, double minH,
                     double minD) {
  if (kind == 0) {
    affine_transform(inverse, batch, D, d0, d1, in, params, out, logDet, 1, bound, shiftOnly);
    return 0;
  }
  return spline_transform(inverse, batch, D, d0, d1, in, params, out, logDet, 1, bins, tailBound, minW, minH, minD);
}

// The forward half: a_l (then, residual, h_l) per hidden layer and θ into `saved` (laid out for `savedRows` rows, these
// `batch` rows from `savedRow` on), z = τ⁻¹(x; θ), logDet accumulated. Also the whole parallel (density) pass, with a
// work buffer as `saved`. kind 0: affine (bound, shiftOnly); 1: spline (bins, tailBound, minW, minH, minD). Returns 1
// for a bad spline.
//
// The rows go through the whole network PASS_ROWS at a time (prefix_gemm's own row block), so that a large pass keeps
// each block's layer outputs in cache from one layer to the next instead of writing every layer out to memory and
// reading it back (a MADE's narrow first and output layers ran at half speed on a 10 000-row pass for it). Rows are
// independent: the sums are those of the whole batch at once.
EXPORT(staircase_train_forward)
int staircase_train_forward(int batch, int D, int C, int residual, int L, const int32_t* table, const f32* context,
                            const f32* x, f32* z, double* logDet, f32* saved, int savedRows, int savedRow, int kind,
                            double bound, int shiftOnly, int bins, double tailBound, double minW, double minH, double minD) {
  const Layer out = layerAt(table, L);
  for (int r0 = 0; r0 < batch; r0 += PASS_ROWS) {
    const int rows = batch - r0 < PASS_ROWS ? batch - r0 : PASS_ROWS;
    const f32* c = context == 0 ? 0 : context + (int64_t)r0 * C;
    const f32* xr = x + (int64_t)r0 * D;
    Views v;
    viewsOf(table, L, residual, saved, savedRows, savedRow + r0, &v);
    const f32* input = xr;
    for (int l = 0; l < L; ++l) {
      const Layer s = layerAt(table, l);
      layerForward(&s, rows, C, c, input, v.a[l], s.act);
      if (residual) addColumns(rows, s.outDim, 0, s.outDim, l == 0 ? 0 : v.h[l - 1], v.a[l], v.h[l]);
      input = v.h[l];
    }
    layerForward(&out, rows, C, c, input, v.params, IDENTITY);
    if (transform(kind, 1, rows, D, 0, D, xr, v.params, z + (int64_t)r0 * D, logDet + r0, bound, shiftOnly, bins, tailBound,
                  minW, minH, minD)) {
      return 1;
    }
  }
  return 0;
}

// A layer's accumulator before the sequential steps: the context term with the bias, or the bias in every row.
static void layerStart(const Layer* s, int batch, int C, const f32* context, f32* out) {
  if (s->contextWeight != 0 && context != 0) {
    prefix_gemm(batch, C, s->outDim, context, s->contextWeight, 0, s->bias, out, 0, IDENTITY, 0, s->outDim);
    return;
  }
  for (int b = 0; b < batch; ++b) memcpy(out + (int64_t)b * s->outDim, s->bias, sizeof(f32) * (size_t)s->outDim);
}

// The sequential (base → data) pass, Kernels.staircaseSequential for the affine and spline transformers: feature by
// feature, the units of degree d of every hidden layer (degreeStarts: D + 1 entries per hidden layer), the output
// units of feature d, then x[:, d] = τ(u[:, d]; θ_d), logDet accumulated; the order and arithmetic of the composition
// of the layer kernels. `work` is laid out as staircase_train_forward's `saved` (for workRows rows, these from workRow).
EXPORT(staircase_sequential)
int staircase_sequential(int batch, int D, int C, int residual, int L, const int32_t* table, const int32_t* degreeStarts,
                         const f32* context, const f32* u, f32* x, double* logDet, f32* work, int workRows, int workRow,
                         int kind, double bound, int shiftOnly, int bins, double tailBound, double minW, double minH,
                         double minD) {
  Views v;
  viewsOf(table, L, residual, work, workRows, workRow, &v);
  const Layer out = layerAt(table, L);
  const int P = out.outDim / D;
  for (int l = 0; l < L; ++l) {
    const Layer s = layerAt(table, l);
    layerStart(&s, batch, C, context, v.a[l]);
  }
  layerStart(&out, batch, C, context, v.params);
  for (int d = 0; d < D; ++d) {
    for (int l = 0; l < L; ++l) {
      const Layer s = layerAt(table, l);
      const int start = degreeStarts[l * (D + 1) + d], end = degreeStarts[l * (D + 1) + d + 1];
      if (start == end) continue;
      prefix_gemm(batch, s.inDim, s.outDim, l == 0 ? x : v.h[l - 1], s.w, s.prefix, 0, v.a[l], 1, s.act, start, end);
      if (residual) addColumns(batch, s.outDim, start, end, l == 0 ? 0 : v.h[l - 1], v.a[l], v.h[l]);
    }
    prefix_gemm(batch, out.inDim, out.outDim, v.h[L - 1], out.w, out.prefix, 0, v.params, 1, IDENTITY, d * P, (d + 1) * P);
    if (transform(kind, 0, batch, D, d, d + 1, u, v.params, x, logDet, bound, shiftOnly, bins, tailBound, minW, minH, minD)) return 1;
  }
  return 0;
}

// One layer's gradients from dOut (the pre-activation gradient): weights, context weights, dContext, then dIn.
static void layerBackward(const Layer* s, int batch, int C, const f32* context, const f32* input, const f32* dOut,
                          f32* dIn, f32* dContext) {
  prefix_gemm_backward_weight(batch, s->inDim, s->outDim, dOut, input, s->prefix, s->dWeight, s->dBias, s->accumulate, 0, s->outDim);
  if (s->contextWeight != 0 && context != 0) {
    if (s->dContextWeight != 0) {
      prefix_gemm_backward_weight(batch, C, s->outDim, dOut, context, 0, s->dContextWeight, 0, s->accumulateContext, 0, s->outDim);
    }
    if (dContext != 0) prefix_gemm_backward_input(batch, C, s->outDim, dOut, s->contextWeight, 0, dContext, 1, 0, C);
  }
  prefix_gemm_backward_input(batch, s->inDim, s->outDim, dOut, s->w, s->prefix, dIn, 0, 0, s->inDim);
}

// The backward half of the affine transformer's pass: dX (overwritten), dContext (accumulated, may be 0) and every
// layer's gradients. `work` holds batch·(D·P + 3·width) floats, width the largest layer width.
EXPORT(staircase_train_backward)
void staircase_train_backward(int batch, int D, int C, int residual, int L, const int32_t* table, const f32* context,
                              const f32* x, const f32* z, const f32* saved, const f32* dZ, const double* dLogDet,
                              f32* dX, f32* dContext, f32* work, int width, double bound, int shiftOnly) {
  const Layer out = layerAt(table, L);
  Views v;
  viewsOf(table, L, residual, (f32*)saved, batch, 0, &v);
  f32* const* a = v.a;
  f32* const* h = v.h;
  const f32* params = v.params;
  f32* dParams = work;
  f32* dh = dParams + (int64_t)batch * out.outDim;
  f32* dIn = dh + (int64_t)batch * width;
  f32* dA = dIn + (int64_t)batch * width;
  affine_backward(1, batch, D, params, z, dZ, dLogDet, dX, dParams, bound, shiftOnly);
  layerBackward(&out, batch, C, context, h[L - 1], dParams, dh, dContext);
  for (int l = L - 1; l >= 0; --l) {
    const Layer s = layerAt(table, l);
    const int64_t n = (int64_t)batch * s.outDim;
    f32* grad = dh;
    if (residual) grad = memcpy(dA, dh, sizeof(f32) * n);
    if (s.act != IDENTITY) activation_backward(s.act, (int)n, a[l], grad, grad);
    layerBackward(&s, batch, C, context, l == 0 ? x : h[l - 1], grad, dIn, dContext);
    // The skip connection h_l = h_{l−1} + … passes dh straight through.
    if (residual && l > 0) {
      for (int64_t i = 0; i < n; ++i) dIn[i] += dh[i];
    }
    f32* swap = dh;
    dh = dIn, dIn = swap;
  }
  // x reaches z twice: directly through τ⁻¹ and through the conditioner.
  for (int64_t i = 0; i < (int64_t)batch * D; ++i) dX[i] += dh[i];
}
