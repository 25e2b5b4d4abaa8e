/**
 * The native GEMM kernels by name (`isa/MRxNR`, as `NativeAddon.setIsa` accepts them and `isa()` reports them with the
 * reduction block, e.g. `avx512/8x48/kc512`): every forward register tile of every instruction set, in the order of the
 * tables in `native/gemm-avx512.cc`, `gemm-avx2.cc` and `gemm-generic.cc` (the first of each ISA is its default, except
 * avx512 on AMD Zen 4, which takes 4x24), then the bfloat16 products of `gemm-bf16.cc` (AVX512-BF16; only ever chosen
 * by name, or by MAFLOW_GEMM_PRECISION=bf16). The gemm bench measures each one this CPU runs;
 * `test/kernels/gemm-tiles.test.ts` checks each against the reference.
 */
export const GEMM_KERNEL_NAMES: readonly string[] = [
  'avx512/8x48', 'avx512/4x64', 'avx512/8x32', 'avx512/4x24', 'avx512/8x24',
  'avx2/4x24', 'avx2/6x16', 'avx2/3x32',
  'generic/4x8',
  'avx512bf16/8x32', 'avx512bf16/8x48',
];
