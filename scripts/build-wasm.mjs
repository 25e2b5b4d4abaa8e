// Builds the wasm backend's kernels from wasm/kernels.c (and wasm/fused.c, the fused training pass) with Debian 12's toolchain (apt-get install -y clang lld
// wasi-libc libclang-rt-14-dev-wasm32 llvm-14: clang 14's wasm32-wasi target, wasm-ld, wasi-libc's libm for exp and
// log, compiler-rt's builtins, llvm-objdump), in four variants:
// - wasm/maflow-kernels.wasm, single-threaded, on an ordinary memory, and
// - wasm/maflow-kernels-threads.wasm, the same sources on a shared memory (atomics, --shared-memory, a stack pointer the
//   JavaScript side sets per thread), which workers instantiate on the caller's memory where SharedArrayBuffer exists;
// - wasm/maflow-kernels-relaxed.wasm and wasm/maflow-kernels-threads-relaxed.wasm, both again with relaxed SIMD (the
//   GEMM tiles' multiply-adds as f32x4.relaxed_madd: fused where the CPU has FMA), which the backend loads where the
//   engine validates relaxed SIMD (Chromium, Node ≥ 22), the others elsewhere;
// - src/kernels/wasm-binary.ts, all in base64 with their SHA-256, which the backend instantiates (no asset to resolve:
//   it works in Node, browsers, bundles, Deno and workers alike).
// The build is reproducible (no paths, no debug info, no timestamps): `--check` rebuilds into memory and fails when
// any shipped file differs from what the sources give (test/kernels/wasm-build.test.ts runs it; CI has no clang
// until that test installs it). `--out DIR` writes every file under DIR instead (the check uses it).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sources = ['kernels.c', 'fused.c'].map((file) => path.join(root, 'wasm', file));
const moduleFile = path.join(root, 'src', 'kernels', 'wasm-binary.ts');
/** 64 KiB of stack, at the bottom of memory; the JS side allocates everything above __heap_base. */
const FLAGS = ['--target=wasm32-wasi', '--sysroot=/usr', '-O3', '-msimd128', '-mbulk-memory', '-mnontrapping-fptoint',
  '-fno-math-errno', '-ffp-contract=off', '-Wall', '-Wextra', '-Werror', '-nostartfiles', '-Wl,--no-entry',
  '-Wl,--import-memory', '-Wl,--stack-first', '-Wl,-z,stack-size=65536', '-Wl,--export=__heap_base', '-Wl,--strip-all',
  `-ffile-prefix-map=${root}=.`];
/**
 * The shared-memory variant: any memory up to 4 GiB is accepted; the first thread's stack is the same 64 KiB at the
 * bottom, and each worker sets the exported __stack_pointer to the top of a block the JS side allocated for it.
 */
const THREAD_FLAGS = ['-matomics', '-mmutable-globals', '-Wl,--shared-memory', '-Wl,--max-memory=4294967296',
  '-Wl,--export=__stack_pointer'];

/** The relaxed-SIMD variants: wasm/kernels.c's madd as f32x4.relaxed_madd. */
const RELAXED_FLAGS = ['-mrelaxed-simd', '-DMAFLOW_RELAXED_SIMD=1'];

/** The variants: file name, name in wasm-binary.ts, extra flags. */
const VARIANTS = [
  { file: 'maflow-kernels.wasm', constant: 'WASM_KERNELS', flags: [], what: "The wasm backend's binary" },
  { file: 'maflow-kernels-threads.wasm', constant: 'WASM_KERNELS_THREADS', flags: THREAD_FLAGS,
    what: "The wasm backend's shared-memory binary (threads)" },
  { file: 'maflow-kernels-relaxed.wasm', constant: 'WASM_KERNELS_RELAXED', flags: RELAXED_FLAGS,
    what: "The wasm backend's binary with relaxed SIMD" },
  { file: 'maflow-kernels-threads-relaxed.wasm', constant: 'WASM_KERNELS_THREADS_RELAXED', flags: [...THREAD_FLAGS, ...RELAXED_FLAGS],
    what: "The wasm backend's shared-memory binary (threads) with relaxed SIMD" },
];

const INSTALL = 'apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32 llvm-14';

/**
 * clang 14 encodes relaxed SIMD with the proposal's early opcodes, which no engine accepts any more; these are the
 * standard encodings (the relaxed-SIMD proposal's final opcode table, which V8 and SpiderMonkey ship). Both are the
 * 0xfd prefix and a 2-byte LEB128, so renumbering moves nothing. Only what kernels.c uses is listed.
 */
const RELAXED_OPCODES = new Map([['f32x4.fma', { from: [0xfd, 0xaf, 0x01], to: [0xfd, 0x85, 0x02] }]]);

/** Where the code section's contents begin in a module (what llvm-objdump's offsets count from). */
function codeSectionStart(bytes) {
  let p = 8;
  const leb = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[p++];
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    if (id === 10) return p;
    p += size;
  }
  throw new Error('build-wasm: the module has no code section');
}

/**
 * `file`'s relaxed-SIMD instructions renumbered to their standard opcodes, found by LLVM 14's own disassembler (the
 * tables that encoded them), so that no other byte that happens to look alike is touched; throws on a relaxed
 * instruction with no standard opcode listed, or when there is none (the relaxed build must have some).
 */
function renumberRelaxed(file) {
  const bytes = readFileSync(file);
  const dis = spawnSync('llvm-objdump-14', ['-d', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (dis.error !== undefined) throw new Error(`llvm-objdump-14 not found (${dis.error.message}); install it with: ${INSTALL}`);
  if (dis.status !== 0) throw new Error(`llvm-objdump-14 failed:\n${dis.stderr}`);
  const start = codeSectionStart(bytes);
  let renumbered = 0;
  for (const [, offset, mnemonic] of dis.stdout.matchAll(/^ *([0-9a-f]+):(?: [0-9a-f]{2})+\s+(\S+)/gm)) {
    const opcode = RELAXED_OPCODES.get(mnemonic);
    if (opcode === undefined) {
      if (/fma|fms|laneselect|relaxed/.test(mnemonic)) throw new Error(`build-wasm: no standard opcode listed for clang 14's ${mnemonic}`);
      continue;
    }
    const at = start + parseInt(offset, 16);
    if (!opcode.from.every((b, i) => bytes[at + i] === b)) throw new Error(`build-wasm: ${mnemonic} at ${at} is not encoded as expected`);
    bytes.set(opcode.to, at);
    renumbered += 1;
  }
  if (renumbered === 0) throw new Error('build-wasm: the relaxed-SIMD build has no relaxed instruction');
  return bytes;
}

/** The binary compiled from the sources with `extra` flags, or throws with clang's message. */
export function compileKernels(extra = []) {
  const dir = mkdtempSync(path.join(tmpdir(), 'maflow-wasm-'));
  try {
    const out = path.join(dir, 'kernels.wasm');
    const result = spawnSync('clang', [...FLAGS, ...extra, '-o', out, ...sources, '-lm'], { encoding: 'utf8' });
    if (result.error !== undefined) throw new Error(`clang not found (${result.error.message}); install it with: ${INSTALL}`);
    if (result.status !== 0) throw new Error(`clang failed:\n${result.stderr}`);
    return extra.includes('-mrelaxed-simd') ? renumberRelaxed(out) : readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The TypeScript module holding each variant's `bytes` (in VARIANTS' order). */
export function binaryModule(binaries) {
  const constants = VARIANTS.map(({ file, constant, what }, v) => {
    const bytes = binaries[v];
    const sha = createHash('sha256').update(bytes).digest('hex');
    const lines = bytes.toString('base64').match(/.{1,116}/g) ?? [];
    return `/** SHA-256 of wasm/${file}. */
export const ${constant}_SHA256 = '${sha}';

/** ${what}, base64 (${bytes.length} bytes). */
export const ${constant}_BASE64 =
${lines.map((line, i) => `  '${line}'${i === lines.length - 1 ? ';' : ' +'}`).join('\n')}
`;
  });
  return `// Generated by scripts/build-wasm.mjs from wasm/kernels.c: do not edit (npm run build:wasm rebuilds it).
${constants.join('\n')}`;
}

function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const outIndex = args.indexOf('--out');
  const binaries = VARIANTS.map(({ flags }) => compileKernels(flags));
  const text = binaryModule(binaries);
  const wasmFiles = VARIANTS.map(({ file }) => path.join(root, 'wasm', file));
  if (check) {
    const stale = wasmFiles.filter((file, v) => !readFileSync(file).equals(binaries[v])).map((file) => path.relative(root, file));
    if (readFileSync(moduleFile, 'utf8') !== text) stale.push(path.relative(root, moduleFile));
    if (stale.length > 0) {
      console.error(`maflow: ${stale.join(', ')} differ from what wasm/kernels.c compiles to; run npm run build:wasm and commit the result`);
      process.exit(1);
    }
    console.log(`maflow: the shipped wasm binary matches its sources (${binaries.map((b) => b.length).join(', ')} bytes)`);
    return;
  }
  const dir = outIndex >= 0 ? path.resolve(args[outIndex + 1]) : undefined;
  const wasmOuts = dir === undefined ? wasmFiles : VARIANTS.map(({ file }) => path.join(dir, file));
  const moduleOut = dir === undefined ? moduleFile : path.join(dir, 'wasm-binary.ts');
  mkdirSync(path.dirname(moduleOut), { recursive: true });
  wasmOuts.forEach((file, v) => writeFileSync(file, binaries[v]));
  writeFileSync(moduleOut, text);
  console.log(`maflow: wrote ${wasmOuts.map((file, v) => `${path.relative(root, file)} (${binaries[v].length} bytes)`).join(', ')} and ${path.relative(root, moduleOut)}`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
