// The per-ISA kernels of the prefix GEMM (one translation unit each: gemm-avx512.cc, gemm-avx2.cc, gemm-generic.cc),
// chosen at run time by gemm.cc: per ISA one backward kernel and a table of forward register tiles.
#pragma once

#include "gemm-job.h"

namespace maflow {
namespace gemm {

typedef void (*BlockFn)(const Job&, int, int, int, int);
typedef void (*PackFn)(const Job&, int, int, float*);
typedef void (*PackedFn)(const Job&, int, int, int, int, const float*);
typedef void (*LanesFn)(const LanesJob&);

// One forward register tile: MR rows × NR columns of accumulators (NR = a whole number of vectors of VL floats),
// with its reduction block kc. `forward` is the prefix GEMM forward (packs B itself); `pack` and `packed` are the
// sampler's pack-once / apply-many split of it, for this tile's panel layout (packedFloatsFor with vl and nr).
// `lanes` is the sampler's rows-in-lanes forward in vectors of the same width (tiles of `lanesColumns` columns; null:
// none, the sampler then runs `packed` on every range).
struct ForwardTile {
  const char* name;  // "MRxNR", e.g. "8x48"
  int mr, nr, vl, kc;
  BlockFn forward;
  PackFn pack;
  PackedFn packed;
  LanesFn lanes;
  int lanesColumns;
};

// One backward register tile (both backward GEMMs, input and weight gradient): MR rows × NR columns of accumulators
// in vectors of VL floats.
struct BackwardTile {
  int mr, nr, vl;
  BlockFn block;
};

// An instruction set's kernels: its backward tiles, each forward tile running with the backward tile of its vector
// width (the first when none has it), and the forward tiles, the first being the default (the fastest measured; see the
// table in gemm.cc), except on CPUs whose vectors of this ISA run as two halves (AMD Zen 4's 512-bit FMAs), which take
// `halfWidthTile` when it is not null.
struct IsaKernels {
  const char* name;  // "avx512", "avx2", "generic"
  const BackwardTile* backwards;
  int backwardCount;
  const ForwardTile* tiles;
  int tileCount;
  const char* halfWidthTile;
};

extern const IsaKernels kAvx512Kernels;
extern const IsaKernels kAvx2Kernels;
extern const IsaKernels kGenericKernels;
extern const IsaKernels kAvx512Bf16Kernels;  // bfloat16 products (gemm-bf16.cc), chosen by name only

}  // namespace gemm
}  // namespace maflow
