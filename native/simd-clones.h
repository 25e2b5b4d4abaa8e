// Run-time dispatch for the loops the compiler vectorises by itself (elementwise transforms, optimiser updates): one
// clone per x86 level, chosen by the CPU at load time. x86-64-v3 (AVX2 with FMA, BMI, F16C) rather than plain "avx2",
// which has no FMA: Horner steps of the exp and tanh polynomials were a multiply and an add each on every AVX2-only
// CPU (AMD Zen 2/3, Intel before Skylake-SP), where the avx512f clone already fuses them.
#pragma once

#if defined(__x86_64__) && !defined(__clang__)
#define MAFLOW_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#elif defined(__x86_64__)
// clang 14 accepts arch=x86-64-v3 here, but its resolver picked the default (SSE2) clone on a Zen 2 that has AVX2 + FMA.
#define MAFLOW_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MAFLOW_CLONES
#endif
