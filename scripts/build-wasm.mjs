// Builds the wasm backend's kernels from wasm/kernels.c (and wasm/fused.c, the fused training pass) with Debian 12's toolchain (apt-get install -y clang lld
// wasi-libc libclang-rt-14-dev-wasm32 llvm-14: clang 14's wasm32-wasi target, wasm-ld, wasi-libc's libm for exp and
// log, compiler-rt's builtins, llvm-objdump), in four variants:
// - wasm/maflow-kernels.wasm, single-threaded, on an ordinary memory, and
// - wasm/maflow-kernels-threads.wasm, the same sources on a shared memory (atomics, --shared-memory, a stack pointer the
//   JavaScript side sets per thread), which workers instantiate on the caller's memory where SharedArrayBuffer exists;
// - wasm/maflow-kernels-relaxed.wasm and wasm/maflow-kernels-threads-relaxed.wasm, both again with relaxed SIMD (the
//   GEMM tiles' multiply-adds as f32x4.relaxed_madd: fused where the CPU has FMA), which the backend loads where the
//   engine validates relaxed SIMD (Chromium, Node ≥ 22), the others elsewhere;
// - src/kernels/wasm-binaries/<variant>.ts, one module per variant holding it in base64, and src/kernels/wasm-binaries.ts,
//   the small index the backend imports: each variant's file, size and SHA-256 and a dynamic `import()` of its module.
//   The backend imports only the variant it instantiates (and checks its SHA-256), so a bundler puts each variant in its
//   own chunk and a page fetches one; base64 modules rather than `.wasm` assets because a module needs no bundler
//   configuration and no asset URL to resolve (Node ESM and CommonJS, browsers, esbuild, Vite, webpack, Deno, workers).
//   Node's synchronous loader reads the .wasm file itself (src/kernels/wasm-sync.ts).
// The build is reproducible (no paths, no debug info, no timestamps): `--check` rebuilds into memory and fails when
// any shipped file differs from what the sources give (test/kernels/wasm-build.test.ts runs it; CI has no clang
// until that test installs it). `--out DIR` writes every file under DIR instead (the check uses it).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sources = ['kernels.c', 'fused.c'].map((file) => path.join(root, 'wasm', file));
/** Where the generated modules go: the index, and a folder of one base64 module per variant. */
const kernelsDir = path.join(root, 'src', 'kernels');
const INDEX_MODULE = 'wasm-binaries.ts';
const MODULE_DIR = 'wasm-binaries';
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

/** The variants: file name, key in wasm-binaries.ts, extra flags. */
const VARIANTS = [
  { file: 'maflow-kernels.wasm', key: 'simd128', flags: [], what: "The wasm backend's binary" },
  { file: 'maflow-kernels-threads.wasm', key: 'threads', flags: THREAD_FLAGS,
    what: "The wasm backend's shared-memory binary (threads)" },
  { file: 'maflow-kernels-relaxed.wasm', key: 'relaxed', flags: RELAXED_FLAGS,
    what: "The wasm backend's binary with relaxed SIMD" },
  { file: 'maflow-kernels-threads-relaxed.wasm', key: 'threadsRelaxed', flags: [...THREAD_FLAGS, ...RELAXED_FLAGS],
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

const HEADER = '// Generated by scripts/build-wasm.mjs from wasm/kernels.c and wasm/fused.c: do not edit (npm run build:wasm rebuilds it).';

/** A variant's module name under src/kernels/wasm-binaries/: its file's, without `.wasm`. */
const moduleName = (file) => file.replace(/\.wasm$/, '.ts');

/**
 * The generated TypeScript modules, as `{ path relative to src/kernels/: text }`: one per variant holding its `bytes`
 * (in VARIANTS' order) in base64, and the index with their sizes, SHA-256 and loaders.
 */
export function binaryModules(binaries) {
  const modules = {};
  const entries = VARIANTS.map(({ file, key, what }, v) => {
    const bytes = binaries[v];
    const sha = createHash('sha256').update(bytes).digest('hex');
    const lines = bytes.toString('base64').match(/.{1,116}/g) ?? [];
    modules[`${MODULE_DIR}/${moduleName(file)}`] = `${HEADER}
/** ${what}: wasm/${file} in base64 (${bytes.length} bytes, SHA-256 ${sha}). */
export const WASM_BINARY_BASE64 =
${lines.map((line, i) => `  '${line}'${i === lines.length - 1 ? ';' : ' +'}`).join('\n')}
`;
    return `  /** ${what}. */
  ${key}: {
    file: '${file}', bytes: ${bytes.length}, sha256: '${sha}',
    load: () => import('./${MODULE_DIR}/${moduleName(file)}'),
  },`;
  });
  modules[INDEX_MODULE] = `${HEADER}
/**
 * One build of the wasm backend's kernels: its file in the package's wasm/ folder, its size and SHA-256, and \`load\`,
 * which imports the module holding it in base64 (a chunk of its own in a bundle, fetched only when it is instantiated).
 */
export interface WasmBinary {
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly load: () => Promise<{ readonly WASM_BINARY_BASE64: string }>;
}

/** The builds: one thread or threads (a shared memory), each in SIMD128 and with relaxed SIMD. */
export const WASM_BINARIES = {
${entries.join('\n')}
} as const satisfies Record<string, WasmBinary>;

/** The name of a build in \`WASM_BINARIES\`. */
export type WasmBuild = keyof typeof WASM_BINARIES;
`;
  return modules;
}

function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const outIndex = args.indexOf('--out');
  const binaries = VARIANTS.map(({ flags }) => compileKernels(flags));
  const modules = binaryModules(binaries);
  const wasmFiles = VARIANTS.map(({ file }) => path.join(root, 'wasm', file));
  if (check) {
    const differs = (file, expected) => !existsSync(file) || !readFileSync(file).equals(Buffer.from(expected));
    const stale = wasmFiles.filter((file, v) => differs(file, binaries[v]));
    for (const [name, text] of Object.entries(modules)) if (differs(path.join(kernelsDir, name), text)) stale.push(path.join(kernelsDir, name));
    const shipped = readdirSync(path.join(kernelsDir, MODULE_DIR)).map((name) => `${MODULE_DIR}/${name}`);
    for (const name of shipped) if (!(name in modules)) stale.push(path.join(kernelsDir, name));
    if (stale.length > 0) {
      console.error(`maflow: ${stale.map((file) => path.relative(root, file)).join(', ')} differ from what wasm/kernels.c compiles to; run npm run build:wasm and commit the result`);
      process.exit(1);
    }
    console.log(`maflow: the shipped wasm binary matches its sources (${binaries.map((b) => b.length).join(', ')} bytes)`);
    return;
  }
  const dir = outIndex >= 0 ? path.resolve(args[outIndex + 1]) : undefined;
  const wasmOuts = dir === undefined ? wasmFiles : VARIANTS.map(({ file }) => path.join(dir, file));
  const moduleRoot = dir ?? kernelsDir;
  rmSync(path.join(moduleRoot, MODULE_DIR), { recursive: true, force: true });
  mkdirSync(path.join(moduleRoot, MODULE_DIR), { recursive: true });
  wasmOuts.forEach((file, v) => writeFileSync(file, binaries[v]));
  for (const [name, text] of Object.entries(modules)) writeFileSync(path.join(moduleRoot, name), text);
  console.log(`maflow: wrote ${wasmOuts.map((file, v) => `${path.relative(root, file)} (${binaries[v].length} bytes)`).join(', ')}` +
    ` and ${Object.keys(modules).map((name) => path.relative(root, path.join(moduleRoot, name))).join(', ')}`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
