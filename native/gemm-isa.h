// The per-ISA entry points of the prefix GEMM (one translation unit each: gemm-avx512.cc, gemm-avx2.cc,
// gemm-generic.cc), chosen at run time by gemm.cc.
#pragma once

#include "gemm-job.h"

namespace maflow {
namespace gemm {

typedef void (*BlockFn)(const Job&, int, int, int, int);
typedef void (*PackFn)(const Job&, int, int, float*);
typedef void (*PackedFn)(const Job&, int, int, int, int, const float*);

void blockAvx512(const Job& job, int m0, int m1, int n0, int n1);
void packAvx512(const Job& job, int n0, int n1, float* bp);
void packedAvx512(const Job& job, int m0, int m1, int n0, int n1, const float* bp);
void blockAvx2(const Job& job, int m0, int m1, int n0, int n1);
void packAvx2(const Job& job, int n0, int n1, float* bp);
void packedAvx2(const Job& job, int m0, int m1, int n0, int n1, const float* bp);
void blockGeneric(const Job& job, int m0, int m1, int n0, int n1);
void packGeneric(const Job& job, int n0, int n1, float* bp);
void packedGeneric(const Job& job, int m0, int m1, int n0, int n1, const float* bp);

}  // namespace gemm
}  // namespace maflow
