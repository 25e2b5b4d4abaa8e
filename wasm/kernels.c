// maflow's WebAssembly SIMD128 kernels (the `wasm` backend; src/kernels/wasm.ts is the JavaScript side and
// src/kernels/kernels.ts the contract). Built by scripts/build-wasm.mjs with Debian's clang (wasm32-wasi target,
// -msimd128) and wasi-libc's libm for exp/log; no WASI imports remain. Every pointer is a byte offset into the linear
// memory that the JavaScript side owns and allocates from (parameters, gradients, optimiser state and scratch
// live there, so kernels run on them in place). A null pointer (0) stands for an absent operand.
//
// The GEMM follows the same staircase contract as the native addon: output unit j reads inputs [0, prefix[j]) and
// never the masked rest of its weight row (which may hold anything, NaN included). Transforms compute in double
// like the reference backend and round once on store.
#include <math.h>
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

typedef float f32;

enum { RELU = 0, TANH = 1, ELU = 2, SIGMOID = 3, SOFTPLUS = 4, IDENTITY = 5 };

static inline float activate(int act, float v) {
  switch (act) {
    case RELU: return v > 0 ? v : 0;
    case TANH: return (float)tanh((double)v);
    case ELU: return v > 0 ? v : (float)expm1((double)v);
    case SIGMOID: return (float)(1 / (1 + exp(-(double)v)));
    case SOFTPLUS: {
      const double d = v;
      return (float)(d > 0 ? d + log1p(exp(-d)) : log1p(exp(d)));
    }
    default: return v;
  }
}

static inline float derivativeFromOutput(int act, float y) {
  switch (act) {
    case RELU: return y > 0 ? 1.0f : 0.0f;
    case TANH: return 1 - y * y;
    case ELU: return y > 0 ? 1.0f : y + 1;
    case SIGMOID: return y * (1 - y);
    case SOFTPLUS: return (float)(-expm1(-(double)y));
    default: return 1;
  }
}

// ---- staircase GEMM ----
// Register-blocked outer-product micro-kernels in the manner of native/gemm*.cc, 4 lanes wide: a tile of MR = 4 rows ×
// 4·nv columns (nv = 2: 8 accumulators, which with the 2 panel vectors, the broadcast and the product fit x64's 16
// vector registers under V8) takes one rank-1 update per reduction step. The operand shared by all row tiles is packed
// into a panel of KC reductions on the stack (16 KiB: no heap, safe on any thread), its masked entries zeroed, so no
// masked weight (which may hold NaN) is ever read into a sum. Every output element is the plain sequential float sum
// start + Σ_k a_k·b_k in the reference's order (in the relaxed build each step one madd, fused where the CPU has FMA),
// whatever the tiling: a unit sums the same in a sequential step as in the parallel pass.

#define MR 4
/** A 512-wide hidden layer's whole reduction in one block: half the accumulator loads and stores of 256, 4–8 % faster. */
#define KC 512
/** Rows per block of the forward pass: the block's inputs stay in L2 while every panel runs over them. */
#define MC 128

static inline int min_i(int a, int b) { return a < b ? a : b; }
static inline int clamp_i(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
static inline int prefixOf(const int32_t* prefix, int j, int full) { return prefix ? prefix[j] : full; }
#define INLINE static inline __attribute__((always_inline))

// Partial vectors by lane loads and stores, reading and writing only their lanes' floats. (A copy through a stack array
// became memory.copy / memory.fill, which V8 runs as calls into its runtime: tens of cycles per partial tile row.)

/** `lanes` (≤ 4) floats from p as a vector (the rest 0); 4 is a plain load. */
INLINE v128_t loadLanes(const f32* p, int lanes) {
  if (lanes >= 4) return wasm_v128_load(p);
  if (lanes <= 0) return wasm_f32x4_splat(0);
  if (lanes == 1) return wasm_v128_load32_zero(p);
  const v128_t two = wasm_v128_load64_zero(p);
  return lanes == 2 ? two : wasm_v128_load32_lane(p + 2, two, 2);
}

INLINE void storeLanes(f32* p, v128_t v, int lanes) {
  if (lanes >= 4) {
    wasm_v128_store(p, v);
  } else if (lanes == 1) {
    wasm_v128_store32_lane(p, v, 0);
  } else if (lanes >= 2) {
    wasm_v128_store64_lane(p, v, 0);
    if (lanes == 3) wasm_v128_store32_lane(p + 2, v, 2);
  }
}

/** relu as pmax(0, v) (= v > 0 ? v : 0, NaN → 0 as the scalar form). */
INLINE v128_t relu4(v128_t v) { return wasm_f32x4_pmax(wasm_f32x4_splat(0), v); }

// acc + a·b of the GEMM tiles. The relaxed-SIMD build (MAFLOW_RELAXED_SIMD=1, -mrelaxed-simd) makes it one
// f32x4.relaxed_madd, which engines run as a fused multiply-add where the CPU has one (half the vector operations of a
// reduction step; each step's sum then rounds once instead of twice) and as mul + add elsewhere. clang 14 spells it
// __builtin_wasm_fma_f32x4(a, b, c) and encodes it with the proposal's early opcode, which scripts/build-wasm.mjs
// renumbers to the standard one; engines evaluate it as a·b + c.
#ifndef MAFLOW_RELAXED_SIMD
#define MAFLOW_RELAXED_SIMD 0
#endif
#if MAFLOW_RELAXED_SIMD
INLINE v128_t madd(v128_t acc, v128_t a, v128_t b) { return __builtin_wasm_fma_f32x4(a, b, acc); }
#else
INLINE v128_t madd(v128_t acc, v128_t a, v128_t b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
#endif

/** Which build this is (1: relaxed SIMD), so that the JavaScript side can say which binary it runs. */
EXPORT(relaxed_simd)
int relaxed_simd(void) { return MAFLOW_RELAXED_SIMD; }

// A load at a constant byte offset from p, as the offset field of the wasm instruction. clang 14 folds no offset into
// a wasm load here (each becomes an i32.add of its own, which V8 keeps as one more instruction per load); several
// loads off one pointer then cost one address between them. `off` must be a constant once inlined and unrolled.
INLINE v128_t loadAt(const f32* p, const int off) {
  v128_t v;
  __asm__("local.get %1\n\tv128.load %2\n\tlocal.set %0" : "=r"(v) : "r"(p), "i"(off));
  return v;
}
INLINE v128_t splatAt(const f32* p, const int off) {
  v128_t v;
  __asm__("local.get %1\n\tv128.load32_splat %2\n\tlocal.set %0" : "=r"(v) : "r"(p), "i"(off));
  return v;
}

/**
 * Forward steps k in [k, kEnd) of vector v: acc[r][v] += x[r·ldx + k]·panel[k·stride + 4v …]; `masked`: a lane whose
 * column's prefix (relative to the block, pv) is ≤ k is left out, so an input beyond a column's prefix (an unfilled one
 * in a sequential step, NaN perhaps) never reaches its sum. The relaxed build keeps its lane's sum as it was instead
 * (a bitselect after the madd), so that a live lane steps by the same fused madd as in forwardTile's unmasked loop.
 */
INLINE void forwardSteps(const int mr, const int v, const int masked, const f32* x, int ldx, const f32* panel,
                         const int stride, int k, int kEnd, v128_t pv, v128_t acc[MR][2]) {
  for (; k < kEnd; ++k) {
    const v128_t b = wasm_v128_load(panel + stride * k + 4 * v);
    const v128_t m = masked ? wasm_i32x4_gt(pv, wasm_i32x4_splat(k)) : b;
    for (int r = 0; r < mr; ++r) {
      const v128_t a = wasm_v128_load32_splat(x + r * ldx + k);
      if (MAFLOW_RELAXED_SIMD) {
        const v128_t sum = madd(acc[r][v], a, b);
        acc[r][v] = masked ? wasm_v128_bitselect(sum, acc[r][v], m) : sum;
      } else {
        const v128_t ab = wasm_f32x4_mul(a, b);
        acc[r][v] = wasm_f32x4_add(acc[r][v], masked ? wasm_v128_and(ab, m) : ab);
      }
    }
  }
}

/**
 * Forward tile over a block of kc steps, p = the 8 columns' prefixes relative to the block (non-decreasing): both
 * vectors together while every column is live, then each vector alone (a staircase step inside the panel), masked
 * only where its own columns' prefixes end, so that no more than 4 accumulators and 1 mask are live in any loop.
 */
INLINE void forwardTile(const int mr, const int nv, const f32* x, int ldx, const f32* panel, const int* p, int kc,
                        v128_t pv0, v128_t pv1, v128_t acc[MR][2]) {
  const int stride = 4 * nv;
  const int full = clamp_i(p[0], 0, kc);
  for (int k = 0; k < full; ++k) {
    const v128_t b0 = loadAt(panel + stride * k, 0);
    const v128_t b1 = nv > 1 ? loadAt(panel + stride * k, 16) : b0;
    for (int r = 0; r < mr; ++r) {
      const v128_t a = wasm_v128_load32_splat(x + r * ldx + k);
      acc[r][0] = madd(acc[r][0], a, b0);
      if (nv > 1) acc[r][1] = madd(acc[r][1], a, b1);
    }
  }
  forwardSteps(mr, 0, 1, x, ldx, panel, stride, full, clamp_i(p[3], 0, kc), pv0, acc);
  if (nv > 1) {
    forwardSteps(mr, 1, 0, x, ldx, panel, stride, full, clamp_i(p[4], 0, kc), pv1, acc);
    forwardSteps(mr, 1, 1, x, ldx, panel, stride, clamp_i(p[4], 0, kc), clamp_i(p[7], 0, kc), pv1, acc);
  }
}

typedef struct {
  int inDim, outDim, nc, kc, first, last, accumulate, act;
  int p[8];  // the columns' prefixes relative to the block (0 past the last column)
  v128_t pv0, pv1;
  const f32* bias;  // at the panel's first column, or null
} ForwardBlock;

/**
 * mr rows (x, out at the block's first row, column and reduction) of one panel block; `whole`: the panel's 4·nv columns
 * are all stored (plain vector loads and stores). The last block applies relu here; the other activations are applied
 * to the stored sums afterwards (forwardPanel), which keeps the libm calls out of the tile loops.
 */
INLINE void forwardRowsBody(const int mr, const int nv, const int whole, const ForwardBlock* blk, const f32* x, const f32* panel,
                            f32* out) {
  v128_t acc[MR][2];
  for (int r = 0; r < mr; ++r) {
    for (int v = 0; v < nv; ++v) {
      const int lanes = whole ? 4 : blk->nc - 4 * v;
      const f32* o = out + r * blk->outDim + 4 * v;
      acc[r][v] = !blk->first || blk->accumulate ? loadLanes(o, lanes)
                  : blk->bias ? loadLanes(blk->bias + 4 * v, lanes) : wasm_f32x4_splat(0);
    }
  }
  forwardTile(mr, nv, x, blk->inDim, panel, blk->p, blk->kc, blk->pv0, blk->pv1, acc);
  for (int r = 0; r < mr; ++r) {
    for (int v = 0; v < nv; ++v) {
      const v128_t y = blk->last && blk->act == RELU ? relu4(acc[r][v]) : acc[r][v];
      storeLanes(out + r * blk->outDim + 4 * v, y, whole ? 4 : blk->nc - 4 * v);
    }
  }
}

// Each tile shape its own small function: V8 allocates registers per function, and one function holding every
// shape spilled the accumulators.
#define COMMA_ARGS(...) __VA_ARGS__
#define NOINLINE static __attribute__((noinline))
#define SPECIALISE(name, body, params, args)                                                          \
  NOINLINE void name##_4_2 params { body(4, 2, args); } NOINLINE void name##_3_2 params { body(3, 2, args); } \
  NOINLINE void name##_2_2 params { body(2, 2, args); } NOINLINE void name##_1_2 params { body(1, 2, args); } \
  NOINLINE void name##_4_1 params { body(4, 1, args); } NOINLINE void name##_3_1 params { body(3, 1, args); } \
  NOINLINE void name##_2_1 params { body(2, 1, args); } NOINLINE void name##_1_1 params { body(1, 1, args); }
#define PICK(name, mr, nv, call)                                          \
  do {                                                                    \
    if (nv == 2) {                                                        \
      if (mr == 4) name##_4_2 call; else if (mr == 3) name##_3_2 call;    \
      else if (mr == 2) name##_2_2 call; else name##_1_2 call;            \
    } else {                                                              \
      if (mr == 4) name##_4_1 call; else if (mr == 3) name##_3_1 call;    \
      else if (mr == 2) name##_2_1 call; else name##_1_1 call;            \
    }                                                                     \
  } while (0)

SPECIALISE(forwardRows, forwardRowsBody, (const ForwardBlock* blk, const f32* x, const f32* panel, f32* out), COMMA_ARGS(0, blk, x, panel, out))

/** Every whole tile of MR rows in one call (a short reduction, as in a MADE's first layer, costs little more than the call). */
INLINE void forwardTilesBody(const int nv, const int whole, const ForwardBlock* blk, const f32* x, const f32* panel, f32* out,
                             int tiles) {
  const int inDim = blk->inDim, outDim = blk->outDim;
  for (int t = 0; t < tiles; ++t) forwardRowsBody(MR, nv, whole, blk, x + t * MR * inDim, panel, out + t * MR * outDim);
}
#define FORWARD_TILES(name, nv, whole) \
  NOINLINE void name(const ForwardBlock* blk, const f32* x, const f32* panel, f32* out, int tiles) { forwardTilesBody(nv, whole, blk, x, panel, out, tiles); }
FORWARD_TILES(forwardTiles_2, 2, 1)
FORWARD_TILES(forwardTiles_1, 1, 1)
FORWARD_TILES(forwardTiles_2_part, 2, 0)
FORWARD_TILES(forwardTiles_1_part, 1, 0)

/**
 * The forward panel of columns [0, nc) of w (at the block's first reduction k0, rows ldw apart) over kc reductions:
 * panel[k·width + c] = w[c, k] within column c's prefix p[c] (absolute), 0 past it and in the columns past nc. Four
 * columns whose prefixes all cover 4 reductions go by a 4×4 transpose of vector loads; the rest element by element.
 */
INLINE void packForwardPanel(const int width, const f32* w, int ldw, const int32_t* p, int k0, int kc, int nc, f32* panel) {
  for (int g = 0; g < width; g += 4) {
    int k = 0;
    if (g + 4 <= nc) {
      // p is non-decreasing: column g's prefix bounds the group's.
      const int live = clamp_i(p[g] - k0, 0, kc) & ~3;
      const f32* r0 = w + g * ldw;
      for (; k < live; k += 4) {
        const v128_t a0 = wasm_v128_load(r0 + k), a1 = wasm_v128_load(r0 + ldw + k), a2 = wasm_v128_load(r0 + 2 * ldw + k),
                     a3 = wasm_v128_load(r0 + 3 * ldw + k);
        const v128_t t0 = wasm_i32x4_shuffle(a0, a1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a0, a1, 2, 6, 3, 7),
                     t2 = wasm_i32x4_shuffle(a2, a3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(a2, a3, 2, 6, 3, 7);
        f32* d = panel + k * width + g;
        wasm_v128_store(d, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
        wasm_v128_store(d + width, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
        wasm_v128_store(d + 2 * width, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
        wasm_v128_store(d + 3 * width, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
      }
    }
    for (int c = g; c < g + 4; ++c) {
      const int len = c < nc ? clamp_i(p[c] - k0, 0, kc) : 0;
      const f32* wr = w + c * ldw;
      int kk = k;
      for (; kk < len; ++kk) panel[kk * width + c] = wr[kk];
      for (; kk < kc; ++kk) panel[kk * width + c] = 0;
    }
  }
}

/** Columns [j, j + nc) (nc ≤ 4·nv) of `rows` rows: panels of KC reductions packed, then every row tile over them. */
INLINE void forwardPanel(const int nv, int rows, int inDim, int outDim, const f32* x, const f32* w,
                         const int32_t* prefix, const f32* bias, f32* out, int accumulate, int act, int j, int nc,
                         f32* panel) {
  const int width = 4 * nv;
  int32_t p[8] __attribute__((aligned(16)));
  // Columns past nc take the last one's prefix (p stays non-decreasing); their panel entries are 0, never stored.
  for (int c = 0; c < 8; ++c) p[c] = prefixOf(prefix, j + min_i(c, nc - 1), inDim);
  const int pMax = p[nc - 1];
  ForwardBlock blk = {inDim, outDim, nc, 0, 1, 0, accumulate, act, {0}, wasm_i32x4_splat(0), wasm_i32x4_splat(0),
                      bias ? bias + j : 0};
  for (int k0 = 0;; k0 += KC) {
    const int kc = clamp_i(pMax - k0, 0, KC);
    packForwardPanel(width, w + j * inDim + k0, inDim, p, k0, kc, nc, panel);
    const v128_t base = wasm_i32x4_splat(k0);
    blk.pv0 = wasm_i32x4_sub(wasm_v128_load(p), base);
    blk.pv1 = wasm_i32x4_sub(wasm_v128_load(p + 4), base);
    for (int c = 0; c < 8; ++c) blk.p[c] = p[c] - k0;
    blk.kc = kc;
    blk.first = k0 == 0;
    blk.last = k0 + KC >= pMax;
    const int tiles = rows / MR, b = tiles * MR;
    if (nc == width) {
      if (nv == 2) forwardTiles_2(&blk, x + k0, panel, out + j, tiles);
      else forwardTiles_1(&blk, x + k0, panel, out + j, tiles);
    } else {
      if (nv == 2) forwardTiles_2_part(&blk, x + k0, panel, out + j, tiles);
      else forwardTiles_1_part(&blk, x + k0, panel, out + j, tiles);
    }
    if (b < rows) PICK(forwardRows, rows - b, nv, (&blk, x + b * inDim + k0, panel, out + b * outDim + j));
    if (blk.last && act != RELU && act != IDENTITY) {
      for (int r = 0; r < rows; ++r)
        for (int c = 0; c < nc; ++c) out[r * outDim + j + c] = activate(act, out[r * outDim + j + c]);
    }
    if (blk.last) break;
  }
}

// out[b, j] = act((accumulate ? out[b, j] : bias[j] or 0) + Σ_{i < prefix[j]} x[b, i]·w[j, i]) for j in
// [outStart, outEnd): column panels of 8 (the last one 4 wide when 4 or fewer columns remain), rows in blocks of MC.
EXPORT(prefix_gemm)
void prefix_gemm(int batch, int inDim, int outDim, const f32* x, const f32* w, const int32_t* prefix, const f32* bias,
                 f32* out, int accumulate, int act, int outStart, int outEnd) {
  f32 panel[KC * 8] __attribute__((aligned(16)));
  for (int b0 = 0; b0 < batch; b0 += MC) {
    const int rows = min_i(MC, batch - b0);
    const f32* xb = x + b0 * inDim;
    f32* ob = out + b0 * outDim;
    for (int j = outStart; j < outEnd;) {
      const int left = outEnd - j;
      if (left > 4) {
        forwardPanel(2, rows, inDim, outDim, xb, w, prefix, bias, ob, accumulate, act, j, min_i(8, left), panel);
        j += min_i(8, left);
      } else {
        forwardPanel(1, rows, inDim, outDim, xb, w, prefix, bias, ob, accumulate, act, j, left, panel);
        j += left;
      }
    }
  }
}

/** Backward-input tile: acc[r][v] += Σ_{jj < jc} dOut[r·ldd + jj]·panel[jj·4nv + 4v …], of which `cols` columns are stored. */
INLINE void backwardInputRowsBody(const int mr, const int nv, const f32* dOut, int outDim, const f32* panel, int jc,
                              f32* dIn, int inDim, int start, int cols) {
  v128_t acc[MR][2];
  for (int r = 0; r < mr; ++r)
    for (int v = 0; v < nv; ++v) acc[r][v] = start ? wasm_f32x4_splat(0) : loadLanes(dIn + r * inDim + 4 * v, cols - 4 * v);
  for (int jj = 0; jj < jc; ++jj) {
    const v128_t b0 = loadAt(panel + 4 * nv * jj, 0);
    const v128_t b1 = nv > 1 ? loadAt(panel + 4 * nv * jj, 16) : b0;
    for (int r = 0; r < mr; ++r) {
      const v128_t a = wasm_v128_load32_splat(dOut + r * outDim + jj);
      acc[r][0] = madd(acc[r][0], a, b0);
      if (nv > 1) acc[r][1] = madd(acc[r][1], a, b1);
    }
  }
  for (int r = 0; r < mr; ++r)
    for (int v = 0; v < nv; ++v) storeLanes(dIn + r * inDim + 4 * v, acc[r][v], cols - 4 * v);
}

SPECIALISE(backwardInputRows, backwardInputRowsBody, (const f32* dOut, int outDim, const f32* panel, int jc, f32* dIn, int inDim, int start, int cols),
           COMMA_ARGS(dOut, outDim, panel, jc, dIn, inDim, start, cols))

/** Every whole tile of MR rows in one call. */
INLINE void backwardInputTilesBody(const int nv, const f32* dOut, int outDim, const f32* panel, int jc, f32* dIn, int inDim,
                                   int start, int tiles, int cols) {
  for (int t = 0; t < tiles; ++t)
    backwardInputRowsBody(MR, nv, dOut + t * MR * outDim, outDim, panel, jc, dIn + t * MR * inDim, inDim, start, cols);
}
// Whole panels with a constant width (plain vector loads and stores), and the last columns of a row.
NOINLINE void backwardInputTiles_2(const f32* dOut, int outDim, const f32* panel, int jc, f32* dIn, int inDim, int start, int tiles) {
  backwardInputTilesBody(2, dOut, outDim, panel, jc, dIn, inDim, start, tiles, 8);
}
NOINLINE void backwardInputTiles_1(const f32* dOut, int outDim, const f32* panel, int jc, f32* dIn, int inDim, int start, int tiles) {
  backwardInputTilesBody(1, dOut, outDim, panel, jc, dIn, inDim, start, tiles, 4);
}
NOINLINE void backwardInputTiles_last(const f32* dOut, int outDim, const f32* panel, int jc, f32* dIn, int inDim, int start, int tiles,
                                      int cols) {
  backwardInputTilesBody(1, dOut, outDim, panel, jc, dIn, inDim, start, tiles, cols);
}

/**
 * Input columns [i0, i0 + cols) (cols ≤ 4·nv; fewer only for the last columns): the units reading column i0 (a suffix),
 * packed in blocks of KC with masked weights (and the columns past cols) 0.
 */
INLINE void backwardInputPanel(const int nv, int batch, int inDim, int outDim, const f32* dOut, const f32* w,
                               const int32_t* prefix, f32* dIn, int accumulate, int i0, int cols, f32* panel) {
  const int width = 4 * nv;
  int jStart = 0;
  if (prefix) while (jStart < outDim && prefix[jStart] <= i0) ++jStart;
  for (int j0 = jStart;; j0 += KC) {
    const int jc = clamp_i(outDim - j0, 0, KC);
    for (int jj = 0; jj < jc; ++jj) {
      const int pj = prefixOf(prefix, j0 + jj, inDim);
      const f32* row = w + (j0 + jj) * inDim + i0;
      f32* dst = panel + jj * width;
      if (cols == width && pj >= i0 + width) {
        wasm_v128_store(dst, wasm_v128_load(row));
        if (nv > 1) wasm_v128_store(dst + 4, wasm_v128_load(row + 4));
      } else {
        for (int c = 0; c < width; ++c) dst[c] = c < cols && i0 + c < pj ? row[c] : 0;
      }
    }
    const int start = j0 == jStart && !accumulate;
    const f32* g = dOut + j0;
    f32* d = dIn + i0;
    const int tiles = batch / MR, b = tiles * MR;
    if (nv == 2) backwardInputTiles_2(g, outDim, panel, jc, d, inDim, start, tiles);
    else if (cols == 4) backwardInputTiles_1(g, outDim, panel, jc, d, inDim, start, tiles);
    else backwardInputTiles_last(g, outDim, panel, jc, d, inDim, start, tiles, cols);
    if (b < batch) PICK(backwardInputRows, batch - b, nv, (g + b * outDim, outDim, panel, jc, d + b * inDim, inDim, start, cols));
    if (j0 + KC >= outDim) break;
  }
}

// dIn[b, i] (+)= Σ_{j : prefix[j] > i} dOut[b, j]·w[j, i] for inputs i in [inStart, inEnd) (threads split the inputs):
// input columns in panels of 8 (then 4, then the last fewer than 4), each over the suffix of units that read it.
EXPORT(prefix_gemm_backward_input)
void prefix_gemm_backward_input(int batch, int inDim, int outDim, const f32* dOut, const f32* w, const int32_t* prefix,
                                f32* dIn, int accumulate, int inStart, int inEnd) {
  f32 panel[KC * 8] __attribute__((aligned(16)));
  int i0 = inStart;
  for (; i0 + 8 <= inEnd; i0 += 8) backwardInputPanel(2, batch, inDim, outDim, dOut, w, prefix, dIn, accumulate, i0, 8, panel);
  for (; i0 < inEnd; i0 += 4) backwardInputPanel(1, batch, inDim, outDim, dOut, w, prefix, dIn, accumulate, i0, min_i(4, inEnd - i0), panel);
}

/**
 * Backward-weight tile: units [j, j + mr) (g = dOut at row b0, unit j; w = dW at unit j, input i0) × the panel's 4·nv
 * inputs, summed over its kb rows onto 0 (start) or dW, stored within each unit's prefix p[r] only.
 */
INLINE void backwardWeightTileBody(const int mr, const int nv, const int whole, int kb, int inDim, int outDim, const f32* g,
                                   const f32* panel, const int* p, f32* w, int start, int i0) {
  v128_t acc[MR][2];
  for (int r = 0; r < mr; ++r)
    for (int v = 0; v < nv; ++v) {
      acc[r][v] = start ? wasm_f32x4_splat(0) : loadLanes(w + r * inDim + 4 * v, whole ? 4 : clamp_i(p[r] - i0 - 4 * v, 0, 4));
    }
  for (int bb = 0; bb < kb; ++bb, g += outDim, panel += 4 * nv) {
    const v128_t b0 = loadAt(panel, 0);
    const v128_t b1 = nv > 1 ? loadAt(panel, 16) : b0;
    for (int r = 0; r < mr; ++r) {
      const v128_t a = splatAt(g, 4 * r);
      acc[r][0] = madd(acc[r][0], a, b0);
      if (nv > 1) acc[r][1] = madd(acc[r][1], a, b1);
    }
  }
  for (int r = 0; r < mr; ++r)
    for (int v = 0; v < nv; ++v) {
      const int lanes = whole ? 4 : clamp_i(p[r] - i0 - 4 * v, 0, 4);
      if (lanes > 0) storeLanes(w + r * inDim + 4 * v, acc[r][v], lanes);
    }
}

SPECIALISE(backwardWeightTile, backwardWeightTileBody, (int kb, int inDim, int outDim, const f32* g, const f32* panel, const int* p, f32* w, int start, int i0),
           COMMA_ARGS(0, kb, inDim, outDim, g, panel, p, w, start, i0))
// A whole tile (every unit reads all the panel's inputs): plain vector loads and stores.
NOINLINE void backwardWeightTile_whole_2(int kb, int inDim, int outDim, const f32* g, const f32* panel, f32* w, int start) {
  backwardWeightTileBody(MR, 2, 1, kb, inDim, outDim, g, panel, 0, w, start, 0);
}
NOINLINE void backwardWeightTile_whole_1(int kb, int inDim, int outDim, const f32* g, const f32* panel, f32* w, int start) {
  backwardWeightTileBody(MR, 1, 1, kb, inDim, outDim, g, panel, 0, w, start, 0);
}

/**
 * Inputs [i0, i0 + 4·nv) of dW's units [jLo, jHi) that read them (a suffix): the inputs' columns packed by blocks of KC
 * rows into a contiguous panel (rows of x lie inDim apart, which the L1 cache holds few of at once), then every tile of
 * MR units over it.
 */
INLINE void backwardWeightPanel(const int nv, int batch, int inDim, int outDim, const f32* dOut, const f32* x,
                                const int32_t* prefix, f32* dW, int accumulate, int i0, int cols, int jLo, int jHi, f32* panel) {
  const int width = 4 * nv;
  int jStart = jLo;
  if (prefix) while (jStart < jHi && prefix[jStart] <= i0) ++jStart;
  if (jStart >= jHi) return;
  for (int b0 = 0;; b0 += KC) {
    const int kb = clamp_i(batch - b0, 0, KC);
    for (int bb = 0; bb < kb; ++bb) {
      const f32* row = x + (b0 + bb) * inDim + i0;
      wasm_v128_store(panel + bb * width, loadLanes(row, cols));
      if (nv > 1) wasm_v128_store(panel + bb * width + 4, loadLanes(row + 4, cols - 4));
    }
    const int start = b0 == 0 && !accumulate;
    for (int j = jStart; j < jHi; j += MR) {
      const int mr = min_i(MR, jHi - j);
      int p[MR];
      for (int r = 0; r < MR; ++r) p[r] = r < mr ? prefixOf(prefix, j + r, inDim) : 0;
      const f32* g = dOut + b0 * outDim + j;
      f32* wj = dW + j * inDim + i0;
      // p is non-decreasing: the tile's first unit reads the fewest inputs.
      if (mr == MR && cols == width && p[0] >= i0 + width) {
        if (nv == 2) backwardWeightTile_whole_2(kb, inDim, outDim, g, panel, wj, start);
        else backwardWeightTile_whole_1(kb, inDim, outDim, g, panel, wj, start);
      } else {
        PICK(backwardWeightTile, mr, nv, (kb, inDim, outDim, g, panel, p, wj, start, i0));
      }
    }
    if (b0 + KC >= batch) break;
  }
}

/** dW of units [jLo, jHi): input panels of 8, then 4, then the last inputs (fewer than 4; a unit's prefix stops its stores). */
static void backwardWeightUnits(int batch, int inDim, int outDim, const f32* dOut, const f32* x, const int32_t* prefix,
                                f32* dW, int accumulate, int jLo, int jHi) {
  f32 panel[KC * 8] __attribute__((aligned(16)));
  int i0 = 0;
  for (; i0 + 8 <= inDim; i0 += 8) backwardWeightPanel(2, batch, inDim, outDim, dOut, x, prefix, dW, accumulate, i0, 8, jLo, jHi, panel);
  for (; i0 < inDim; i0 += 4) backwardWeightPanel(1, batch, inDim, outDim, dOut, x, prefix, dW, accumulate, i0, min_i(4, inDim - i0), jLo, jHi, panel);
}

// dW[j, i] (+)= Σ_b dOut[b, j]·x[b, i] for i < prefix[j]; dBias[j] (+)= Σ_b dOut[b, j]; for output units j in
// [outStart, outEnd) (threads split the units). Masked entries untouched.
EXPORT(prefix_gemm_backward_weight)
void prefix_gemm_backward_weight(int batch, int inDim, int outDim, const f32* dOut, const f32* x, const int32_t* prefix,
                                 f32* dW, f32* dBias, int accumulate, int outStart, int outEnd) {
  backwardWeightUnits(batch, inDim, outDim, dOut, x, prefix, dW, accumulate, outStart, outEnd);
  if (dBias) {
    if (!accumulate) __builtin_memset(dBias + outStart, 0, sizeof(f32) * (size_t)(outEnd - outStart));
    for (int b = 0; b < batch; ++b) {
      const f32* gb = dOut + b * outDim;
      int k = outStart;
      for (; k + 4 <= outEnd; k += 4) wasm_v128_store(dBias + k, wasm_f32x4_add(wasm_v128_load(dBias + k), wasm_v128_load(gb + k)));
      for (; k < outEnd; ++k) dBias[k] += gb[k];
    }
  }
}

EXPORT(activation_rows)
void activation_rows(int act, int rows, int cols, int colStart, int colEnd, const f32* x, f32* out) {
  for (int r = 0; r < rows; ++r) {
    const int64_t o = (int64_t)r * cols;
    for (int c = colStart; c < colEnd; ++c) out[o + c] = activate(act, x[o + c]);
  }
}

EXPORT(activation_backward)
void activation_backward(int act, int n, const f32* y, const f32* dOut, f32* dIn) {
  if (act == RELU) {
    const v128_t zero = wasm_f32x4_splat(0);
    int k = 0;
    for (; k + 4 <= n; k += 4) {
      const v128_t mask = wasm_f32x4_gt(wasm_v128_load(y + k), zero);
      wasm_v128_store(dIn + k, wasm_v128_and(wasm_v128_load(dOut + k), mask));
    }
    for (; k < n; ++k) dIn[k] = y[k] > 0 ? dOut[k] : 0.0f * dOut[k];
    return;
  }
  for (int k = 0; k < n; ++k) dIn[k] = dOut[k] * derivativeFromOutput(act, y[k]);
}

static inline double softClip(double r, double bound) { return isinf(bound) ? r : bound * tanh(r / bound); }

static inline double softClipDerivative(double s, double bound) {
  if (isinf(bound)) return 1;
  const double t = s / bound;
  return 1 - t * t;
}

// ---- two doubles at a time, for the affine transformer (libm's exp and tanh, one element per call, were half its time) ----

/** v as a value clang cannot see through: a constant made once before a loop, not rebuilt (3 instructions under V8) per use. */
INLINE v128_t opaque(v128_t v) {
  __asm__("" : "+r"(v));
  return v;
}

/** The constants of exp_f64x2 and tanh_f64x2, made once per call. */
typedef struct { v128_t c[14], log2e, shift, ln2hi, ln2lo, bias, one, two, twenty, sign; } ExpConstants;

static inline ExpConstants expConstants(void) {
  // k! for k ≤ 13 are exact doubles, so each 1/k! is correctly rounded.
  static const double factorial[14] = {1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600, 6227020800.0};
  ExpConstants k;
  for (int i = 0; i < 14; ++i) k.c[i] = opaque(wasm_f64x2_splat(1 / factorial[i]));
  k.log2e = opaque(wasm_f64x2_splat(1.44269504088896338700e+00));
  k.shift = opaque(wasm_f64x2_splat(0x1.8p52));
  k.ln2hi = opaque(wasm_f64x2_splat(6.93147180369123816490e-01));
  k.ln2lo = opaque(wasm_f64x2_splat(1.90821492927058770002e-10));
  k.bias = opaque(wasm_i64x2_splat(1023));
  k.one = opaque(wasm_f64x2_splat(1));
  k.two = opaque(wasm_f64x2_splat(2));
  k.twenty = opaque(wasm_f64x2_splat(20));
  k.sign = opaque(wasm_f64x2_splat(-0.0));
  return k;
}

/**
 * e^x of two doubles, |x| ≤ 708 (the callers check): x = n·ln 2 + r with |r| ≤ ln 2 / 2 (n rounded by adding
 * 1.5·2^52, whose low bits then hold it; n·ln2hi exact: ln2hi has 32 significant bits), e^r by its Taylor polynomial of
 * degree 13 (truncation below 5e-18 relative), times 2^n set in the exponent bits; within a few ulps of libm's exp.
 */
static inline v128_t exp_f64x2(const ExpConstants* k, v128_t x) {
  const v128_t big = wasm_f64x2_add(wasm_f64x2_mul(x, k->log2e), k->shift);
  const v128_t n = wasm_f64x2_sub(big, k->shift);
  v128_t r = wasm_f64x2_sub(x, wasm_f64x2_mul(n, k->ln2hi));
  r = wasm_f64x2_sub(r, wasm_f64x2_mul(n, k->ln2lo));
  // Estrin's scheme (depth 4 instead of Horner's 13: the pass is bound by this chain's latency, not by its flops).
  const v128_t r2 = wasm_f64x2_mul(r, r), r4 = wasm_f64x2_mul(r2, r2), r8 = wasm_f64x2_mul(r4, r4);
  v128_t q[7];
  for (int i = 0; i < 7; ++i) q[i] = wasm_f64x2_add(k->c[2 * i], wasm_f64x2_mul(k->c[2 * i + 1], r));
  const v128_t q0 = wasm_f64x2_add(q[0], wasm_f64x2_mul(q[1], r2)), q1 = wasm_f64x2_add(q[2], wasm_f64x2_mul(q[3], r2)),
               q2 = wasm_f64x2_add(q[4], wasm_f64x2_mul(q[5], r2)), q3 = q[6];
  const v128_t lo = wasm_f64x2_add(q0, wasm_f64x2_mul(q1, r4)), hi = wasm_f64x2_add(q2, wasm_f64x2_mul(q3, r4));
  const v128_t poly = wasm_f64x2_add(lo, wasm_f64x2_mul(hi, r8));
  return wasm_f64x2_mul(poly, wasm_i64x2_shl(wasm_i64x2_add(big, k->bias), 52));
}

/** tanh of two doubles (not NaN): 1 − 2/(e^{2|t|} + 1) with |t| capped at 20 (tanh is 1 in double from 19.1), t's sign. */
static inline v128_t tanh_f64x2(const ExpConstants* k, v128_t t) {
  const v128_t a = wasm_f64x2_pmin(k->twenty, wasm_v128_andnot(t, k->sign));
  const v128_t e = exp_f64x2(k, wasm_f64x2_add(a, a));
  const v128_t th = wasm_f64x2_sub(k->one, wasm_f64x2_div(k->two, wasm_f64x2_add(e, k->one)));
  return wasm_v128_or(th, wasm_v128_and(t, k->sign));
}

/** Features d, d + 1 of a row: mr = (m_d, r_d, m_{d+1}, r_{d+1}), t = r / bound (not NaN); stores them, returns s. */
INLINE v128_t affinePair(const int inverse, const ExpConstants* ek, v128_t vb, v128_t mr, v128_t t, const f32* in, f32* out) {
  const v128_t m = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(mr, mr, 0, 2, 0, 2));
  const v128_t sv = wasm_f64x2_mul(vb, tanh_f64x2(ek, t));
  const v128_t v = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(in));
  const v128_t o = inverse ? wasm_f64x2_mul(wasm_f64x2_sub(v, m), exp_f64x2(ek, wasm_f64x2_neg(sv)))
                           : wasm_f64x2_add(wasm_f64x2_mul(v, exp_f64x2(ek, sv)), m);
  wasm_v128_store64_lane(out, wasm_f32x4_demote_f64x2_zero(o), 0);
  return sv;
}

INLINE v128_t rawLogScales(v128_t mr, v128_t vb) {
  return wasm_f64x2_div(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(mr, mr, 1, 3, 1, 3)), vb);
}

INLINE int finite2(v128_t t) { return wasm_i64x2_all_true(wasm_f64x2_eq(t, t)); }

INLINE double addTerms(const int inverse, double sum, v128_t sv) {
  const double s0 = wasm_f64x2_extract_lane(sv, 0), s1 = wasm_f64x2_extract_lane(sv, 1);
  return inverse ? sum - s0 - s1 : sum + s0 + s1;
}

// z = (x − m)·exp(−s) (inverse = 1) or x = z·exp(s) + m (inverse = 0) over features [dStart, dEnd). With a soft clip
// of at most 700, features go two at a time, two pairs per step where they can (independent chains for the core to
// overlap); a pair whose raw log-scales hold a NaN goes the scalar way. logDet sums the same s in the same order.
INLINE void affineTransformBody(const int inverse, int batch, int features, int dStart, int dEnd, const f32* in,
                                const f32* params, f32* out, double* logDet, int accumulateLogDet, double bound, int shiftOnly) {
  const int stride = shiftOnly ? features : 2 * features;
  const int pairs = !shiftOnly && bound <= 700;
  const v128_t vb = opaque(wasm_f64x2_splat(bound));
  const ExpConstants ek = expConstants();
  for (int b = 0; b < batch; ++b) {
    double sum = 0;
    int d = dStart;
    const int64_t row = (int64_t)b * features;
    const f32* pr = params + (int64_t)b * stride;
    for (; pairs && d + 4 <= dEnd; d += 4) {
      const v128_t mr0 = wasm_v128_load(pr + 2 * d), mr1 = wasm_v128_load(pr + 2 * d + 4);
      const v128_t t0 = rawLogScales(mr0, vb), t1 = rawLogScales(mr1, vb);
      if (!(finite2(t0) && finite2(t1))) break;
      const v128_t s0 = affinePair(inverse, &ek, vb, mr0, t0, in + row + d, out + row + d);
      const v128_t s1 = affinePair(inverse, &ek, vb, mr1, t1, in + row + d + 2, out + row + d + 2);
      sum = addTerms(inverse, addTerms(inverse, sum, s0), s1);
    }
    for (; pairs && d + 2 <= dEnd; d += 2) {
      const v128_t mr = wasm_v128_load(pr + 2 * d);
      const v128_t t = rawLogScales(mr, vb);
      if (!finite2(t)) break;
      sum = addTerms(inverse, sum, affinePair(inverse, &ek, vb, mr, t, in + row + d, out + row + d));
    }
    for (; d < dEnd; ++d) {
      const int64_t k = (int64_t)b * features + d;
      const f32* p = params + (int64_t)b * stride;
      if (shiftOnly) {
        out[k] = inverse ? (float)((double)in[k] - p[d]) : (float)((double)in[k] + p[d]);
      } else {
        const double m = p[2 * d];
        const double s = softClip(p[2 * d + 1], bound);
        if (inverse) {
          out[k] = (float)((in[k] - m) * exp(-s));
          sum -= s;
        } else {
          out[k] = (float)(in[k] * exp(s) + m);
          sum += s;
        }
      }
    }
    if (logDet) logDet[b] = accumulateLogDet ? logDet[b] + sum : sum;
  }
}

EXPORT(affine_transform)
void affine_transform(int inverse, int batch, int features, int dStart, int dEnd, const f32* in, const f32* params,
                      f32* out, double* logDet, int accumulateLogDet, double bound, int shiftOnly) {
  if (inverse) affineTransformBody(1, batch, features, dStart, dEnd, in, params, out, logDet, accumulateLogDet, bound, shiftOnly);
  else affineTransformBody(0, batch, features, dStart, dEnd, in, params, out, logDet, accumulateLogDet, bound, shiftOnly);
}

// The backward passes of affine_transform over all features; z is the inverse's output or the forward's input.
EXPORT(affine_backward)
void affine_backward(int inverse, int batch, int features, const f32* params, const f32* z, const f32* dOutput,
                     const double* dLogDet, f32* dInput, f32* dParams, double bound, int shiftOnly) {
  const int stride = shiftOnly ? features : 2 * features;
  const int pairs = !shiftOnly && bound <= 700;
  const v128_t vb = opaque(wasm_f64x2_splat(bound));
  const ExpConstants ek = expConstants();
  for (int b = 0; b < batch; ++b) {
    const double gl = dLogDet ? dLogDet[b] : 0;
    const v128_t vgl = wasm_f64x2_splat(gl);
    int d = 0;
    // Two features at a time, as affine_transform (a pair with a NaN raw log-scale goes the scalar way).
    for (; pairs && d + 2 <= features; d += 2) {
      const int64_t k = (int64_t)b * features + d;
      const v128_t mr = wasm_v128_load(params + (int64_t)b * stride + 2 * d);
      const v128_t t = rawLogScales(mr, vb);
      if (!finite2(t)) break;
      const v128_t sv = wasm_f64x2_mul(vb, tanh_f64x2(&ek, t));
      const v128_t u = wasm_f64x2_div(sv, vb);
      const v128_t derivative = wasm_f64x2_sub(ek.one, wasm_f64x2_mul(u, u));
      const v128_t g = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(dOutput + k));
      const v128_t zv = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(z + k));
      v128_t dm, ds;
      const v128_t e = exp_f64x2(&ek, inverse ? wasm_f64x2_neg(sv) : sv);
      if (inverse) {
        dm = wasm_f64x2_mul(wasm_f64x2_neg(g), e);
        ds = wasm_f64x2_mul(wasm_f64x2_sub(wasm_f64x2_mul(wasm_f64x2_neg(g), zv), vgl), derivative);
      } else {
        dm = g;
        ds = wasm_f64x2_mul(wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_mul(g, zv), e), vgl), derivative);
      }
      wasm_v128_store64_lane(dInput + k, wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(g, e)), 0);
      wasm_v128_store(dParams + (int64_t)b * stride + 2 * d,
                      wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(dm), wasm_f32x4_demote_f64x2_zero(ds), 0, 4, 1, 5));
    }
    for (; d < features; ++d) {
      const int64_t k = (int64_t)b * features + d;
      const f32* p = params + (int64_t)b * stride;
      f32* dp = dParams + (int64_t)b * stride;
      const double g = dOutput[k];
      if (shiftOnly) {
        dInput[k] = (float)g;
        dp[d] = (float)(inverse ? -g : g);
        continue;
      }
      const double s = softClip(p[2 * d + 1], bound);
      if (inverse) {
        const double e = exp(-s);
        dInput[k] = (float)(g * e);
        dp[2 * d] = (float)(-g * e);
        dp[2 * d + 1] = (float)((-g * z[k] - gl) * softClipDerivative(s, bound));
      } else {
        const double e = exp(s);
        dInput[k] = (float)(g * e);
        dp[2 * d] = (float)g;
        dp[2 * d + 1] = (float)((g * z[k] * e + gl) * softClipDerivative(s, bound));
      }
    }
  }
}

// ---- rational-quadratic spline (see native/spline.cc; the same arithmetic) ----

#define MAX_BINS 256
// One feature's knots: on the caller's stack, since threads share every static (the linear memory is shared).
typedef struct { double x[MAX_BINS + 1], y[MAX_BINS + 1], d[MAX_BINS + 1]; } Knots;

static void bins(const f32* raw, int K, double minBin, double B, double* knots) {
  double max = -INFINITY;
  for (int j = 0; j < K; ++j) max = raw[j] > max ? raw[j] : max;
  double total = 0;
  for (int j = 0; j < K; ++j) total += exp(raw[j] - max);
  knots[0] = -B;
  double cumulative = 0;
  for (int j = 0; j < K; ++j) {
    cumulative += minBin + (1 - K * minBin) * (exp(raw[j] - max) / total);
    knots[j + 1] = -B + 2 * B * cumulative;
  }
  knots[K] = B;
}

static void setKnots(Knots* kn, const f32* raw, int K, double B, double minW, double minH, double minD, double shift) {
  double* kd = kn->d;
  bins(raw, K, minW, B, kn->x);
  bins(raw + K, K, minH, B, kn->y);
  kd[0] = 1, kd[K] = 1;
  for (int j = 1; j < K; ++j) {
    double v = (double)raw[2 * K + j - 1] + shift;
    if (v > 1e6) v = 1e6;
    kd[j] = minD + (v > 0 ? v + log1p(exp(-v)) : log1p(exp(v)));
  }
}

static int findBin(const double* knots, int K, double v) {
  int k = 0;
  while (k < K - 1 && v >= knots[k + 1]) ++k;
  return k;
}

typedef struct { double h, s, R, Dn, M; } Local;

static Local evaluate(const Knots* kn, double t, int k) {
  const double *kx = kn->x, *ky = kn->y, *kd = kn->d;
  Local L;
  const double w = kx[k + 1] - kx[k];
  L.h = ky[k + 1] - ky[k];
  L.s = L.h / w;
  double xi = (t - kx[k]) / w;
  xi = xi < 0 ? 0 : xi > 1 ? 1 : xi;
  const double d0 = kd[k], d1 = kd[k + 1], q = xi * (1 - xi);
  L.Dn = L.s + (d0 + d1 - 2 * L.s) * q;
  L.R = (L.s * xi * xi + d0 * q) / L.Dn;
  L.M = d1 * xi * xi + 2 * L.s * q + d0 * (1 - xi) * (1 - xi);
  return L;
}

static inline double logDerivative(Local L) { return 2 * log(L.s) + log(L.M) - 2 * log(L.Dn); }

static double root(const Knots* kn, int K, double y) {
  const double *kx = kn->x, *ky = kn->y, *kd = kn->d;
  const int k = findBin(ky, K, y);
  const double w = kx[k + 1] - kx[k], h = ky[k + 1] - ky[k], s = h / w;
  const double d0 = kd[k], d1 = kd[k + 1], dy = y - ky[k], sum = d0 + d1 - 2 * s;
  const double a = h * (s - d0) + dy * sum, b = h * d0 - dy * sum, c = -s * dy;
  const double disc = b * b - 4 * a * c;
  const double den = -b - sqrt(disc > 0 ? disc : 0);
  double xi = den == 0 ? 0 : (2 * c) / den;
  xi = xi < 0 ? 0 : xi > 1 ? 1 : xi;
  const double t = kx[k] + xi * w;
  const Local L = evaluate(kn, t, k);
  const double polished = t - (ky[k] + L.h * L.R - y) / exp(logDerivative(L));
  return polished >= kx[k] && polished <= kx[k + 1] ? polished : t;
}

// x = τ(z) (inverse = 0) or z = τ⁻¹(x) (inverse = 1) over features [dStart, dEnd); identity outside [−B, B).
EXPORT(spline_transform)
int spline_transform(int inverse, int batch, int features, int dStart, int dEnd, const f32* in, const f32* params, f32* out,
                     double* logDet, int accumulateLogDet, int K, double B, double minW, double minH, double minD) {
  if (K < 1 || K > MAX_BINS) return 1;
  const double shift = log(expm1(1 - minD));
  const int P = 3 * K - 1;
  Knots kn;
  for (int b = 0; b < batch; ++b) {
    double sum = 0;
    for (int d = dStart; d < dEnd; ++d) {
      const int64_t i = (int64_t)b * features + d;
      const double v = in[i];
      if (!(v >= -B && v < B)) {
        out[i] = (float)v;
        continue;
      }
      setKnots(&kn, params + i * P, K, B, minW, minH, minD, shift);
      if (inverse) {
        const double t = root(&kn, K, v);
        out[i] = (float)t;
        sum -= logDerivative(evaluate(&kn, t, findBin(kn.x, K, t)));
      } else {
        const int k = findBin(kn.x, K, v);
        const Local L = evaluate(&kn, v, k);
        out[i] = (float)(kn.y[k] + L.h * L.R);
        sum += logDerivative(L);
      }
    }
    if (logDet) logDet[b] = accumulateLogDet ? logDet[b] + sum : sum;
  }
  return 0;
}

// An update pass's work besides the optimiser's (kernels.ts: UpdatePassOp): the gradients read as
// (float)(gradScale · grad), and after the step average ← decay·average + (1 − decay)·param, in double rounded once.
/** (float)(s · (double)x) lane by lane. */
INLINE v128_t scaledF32x4(v128_t x, double s) {
  const v128_t vs = wasm_f64x2_splat(s);
  const v128_t lo = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(vs, wasm_f64x2_promote_low_f32x4(x)));
  const v128_t hi = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(vs, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x, x, 2, 3, 0, 1))));
  return wasm_i32x4_shuffle(lo, hi, 0, 1, 4, 5);
}

/** (float)(d · (double)a + keep · (double)p) lane by lane. */
INLINE v128_t averagedF32x4(v128_t a, v128_t p, double d, double keep) {
  const v128_t vd = wasm_f64x2_splat(d), vk = wasm_f64x2_splat(keep);
  const v128_t a2 = wasm_i32x4_shuffle(a, a, 2, 3, 0, 1), p2 = wasm_i32x4_shuffle(p, p, 2, 3, 0, 1);
  const v128_t lo = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_add(wasm_f64x2_mul(vd, wasm_f64x2_promote_low_f32x4(a)),
                                                                wasm_f64x2_mul(vk, wasm_f64x2_promote_low_f32x4(p))));
  const v128_t hi = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_add(wasm_f64x2_mul(vd, wasm_f64x2_promote_low_f32x4(a2)),
                                                                wasm_f64x2_mul(vk, wasm_f64x2_promote_low_f32x4(p2))));
  return wasm_i32x4_shuffle(lo, hi, 0, 1, 4, 5);
}

// One Adam step over the live entries (row r: [0, staircase[r]) when a staircase is given), in float like native,
// with the gradients scaled by gradScale and the moving average (average null: none) in the same pass.
EXPORT(adam_step)
void adam_step(int rows, int cols, const int32_t* staircase, f32* param, const f32* grad, f32* m, f32* v, double lr,
               double beta1, double beta2, double eps, double weightDecay, double step, double gradScale, f32* average,
               double averageDecay) {
  const float c1 = (float)(1 - pow(beta1, step)), c2 = (float)(1 - pow(beta2, step));
  const float b1 = (float)beta1, b2 = (float)beta2, wd = (float)weightDecay, rate = (float)lr, e = (float)eps;
  // 1 − β in double, then rounded: 1 − 0.999f in float is 4.7e-5 away from 0.001.
  const float keep1 = (float)(1.0 - beta1), keep2 = (float)(1.0 - beta2);
  const double keepAverage = 1.0 - averageDecay;
  const int scaled = gradScale != 1;
  const v128_t vb1 = wasm_f32x4_splat(b1), vb1c = wasm_f32x4_splat(keep1), vb2 = wasm_f32x4_splat(b2),
               vb2c = wasm_f32x4_splat(keep2), vwd = wasm_f32x4_splat(wd), vc1 = wasm_f32x4_splat(c1),
               vc2 = wasm_f32x4_splat(c2), vlr = wasm_f32x4_splat(rate), ve = wasm_f32x4_splat(e);
  for (int r = 0; r < rows; ++r) {
    const int64_t o = (int64_t)r * cols;
    const int n = staircase ? staircase[r] : cols;
    int k = 0;
    for (; k + 4 <= n; k += 4) {
      const v128_t p = wasm_v128_load(param + o + k);
      const v128_t raw = wasm_v128_load(grad + o + k);
      const v128_t g = wasm_f32x4_add(scaled ? scaledF32x4(raw, gradScale) : raw, wasm_f32x4_mul(vwd, p));
      const v128_t mk = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m + o + k)), wasm_f32x4_mul(vb1c, g));
      const v128_t vk = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(v + o + k)), wasm_f32x4_mul(vb2c, wasm_f32x4_mul(g, g)));
      wasm_v128_store(m + o + k, mk);
      wasm_v128_store(v + o + k, vk);
      const v128_t update = wasm_f32x4_div(wasm_f32x4_mul(vlr, wasm_f32x4_div(mk, vc1)),
                                           wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vk, vc2)), ve));
      const v128_t next = wasm_f32x4_sub(p, update);
      wasm_v128_store(param + o + k, next);
      if (average) {
        wasm_v128_store(average + o + k, averagedF32x4(wasm_v128_load(average + o + k), next, averageDecay, keepAverage));
      }
    }
    for (; k < n; ++k) {
      const float g = (scaled ? (float)(gradScale * grad[o + k]) : grad[o + k]) + wd * param[o + k];
      m[o + k] = b1 * m[o + k] + keep1 * g;
      v[o + k] = b2 * v[o + k] + keep2 * g * g;
      param[o + k] -= (rate * (m[o + k] / c1)) / (sqrtf(v[o + k] / c2) + e);
      if (average) average[o + k] = (f32)(averageDecay * average[o + k] + keepAverage * param[o + k]);
    }
  }
}

// The multi-tensor kernels' bodies (src/kernels/wasm.ts walks the list): one tensor's live entries, row r's
// [0, staircase[r]) with a staircase; masked entries are neither read nor written.

// A tensor's live entries as runs: without a staircase one run of every entry, else run r is row r's live prefix.
static inline int64_t live_runs(int rows, const int32_t* staircase) { return staircase == 0 ? 1 : rows; }
static inline int64_t run_start(int cols, const int32_t* staircase, int64_t r) { return staircase == 0 ? 0 : r * cols; }
static inline int64_t run_length(int rows, int cols, const int32_t* staircase, int64_t r) {
  return staircase == 0 ? (int64_t)rows * cols : staircase[r];
}

// Σ_live x², in double (two lanes of two partial sums each).
EXPORT(sum_of_squares)
double sum_of_squares(int rows, int cols, const int32_t* staircase, const f32* x) {
  v128_t lo = wasm_f64x2_splat(0), hi = wasm_f64x2_splat(0);
  double tail = 0;
  for (int64_t r = 0; r < live_runs(rows, staircase); ++r) {
    const f32* p = x + run_start(cols, staircase, r);
    const int64_t n = run_length(rows, cols, staircase, r);
    int64_t k = 0;
    for (; k + 4 <= n; k += 4) {
      const v128_t v = wasm_v128_load(p + k);
      const v128_t a = wasm_f64x2_promote_low_f32x4(v), b = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
      lo = wasm_f64x2_add(lo, wasm_f64x2_mul(a, a));
      hi = wasm_f64x2_add(hi, wasm_f64x2_mul(b, b));
    }
    for (; k < n; ++k) tail += (double)p[k] * p[k];
  }
  const v128_t s = wasm_f64x2_add(lo, hi);
  return wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1) + tail;
}

// y ← alpha·y + beta·x in double, rounded once (x null: y ← alpha·y; alpha 0: y is not read).
EXPORT(axpby)
void axpby(int rows, int cols, const int32_t* staircase, double alpha, double beta, const f32* x, f32* y) {
  for (int64_t r = 0; r < live_runs(rows, staircase); ++r) {
    const int64_t o = run_start(cols, staircase, r), n = run_length(rows, cols, staircase, r);
    for (int64_t k = o; k < o + n; ++k) {
      const double scaled = alpha == 0 ? 0 : alpha * y[k];
      y[k] = (f32)(x ? scaled + beta * x[k] : scaled);
    }
  }
}

// One step of SGD with heavy-ball momentum and L2 weight decay, in double like the reference backend, with the
// gradients scaled by gradScale and the moving average (average null: none) in the same pass.
EXPORT(sgd_momentum_step)
void sgd_momentum_step(int rows, int cols, const int32_t* staircase, f32* param, const f32* grad, f32* velocity, double lr,
                       double momentum, double weightDecay, double gradScale, f32* average, double averageDecay) {
  const double keepAverage = 1.0 - averageDecay;
  for (int64_t r = 0; r < live_runs(rows, staircase); ++r) {
    const int64_t o = run_start(cols, staircase, r), n = run_length(rows, cols, staircase, r);
    for (int64_t k = o; k < o + n; ++k) {
      const f32 g = gradScale != 1 ? (f32)(gradScale * grad[k]) : grad[k];
      const f32 b = (f32)(momentum * velocity[k] + g + weightDecay * param[k]);
      velocity[k] = b;
      param[k] = (f32)(param[k] - lr * b);
      if (average) average[k] = (f32)(averageDecay * average[k] + keepAverage * param[k]);
    }
  }
}
