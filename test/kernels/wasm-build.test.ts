/**
 * The shipped wasm binaries (wasm/maflow-kernels*.wasm: plain and threads, each also in its relaxed-SIMD build, their
 * base64 modules in src/kernels/wasm-binaries/ and the index of their sizes and SHA-256, src/kernels/wasm-binaries.ts)
 * are what wasm/kernels.c compiles to: the test rebuilds them with
 * Debian's clang (installed here when missing, as on a fresh CI machine; llvm-objdump finds the relaxed instructions
 * to renumber) and fails when a byte differs, so a change to the C sources cannot ship without its binaries. When the
 * toolchain cannot be installed the test fails saying so.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { aptInstall } from '../helpers/apt-install.ts';

const root = path.resolve(import.meta.dirname, '../..');
const PACKAGES = ['clang', 'lld', 'wasi-libc', 'libclang-rt-14-dev-wasm32', 'llvm-14'];

/** Installs the toolchain when clang, wasm-ld, llvm-objdump, wasi-libc's libm or compiler-rt's wasm32 builtins are missing. */
function ensureToolchain(): string | null {
  const present = spawnSync('clang', ['--version']).status === 0 && spawnSync('wasm-ld', ['--version']).status === 0
    && spawnSync('llvm-objdump-14', ['--version']).status === 0
    && existsSync('/usr/lib/wasm32-wasi/libm.a') && existsSync('/usr/lib/llvm-14/lib/clang/14.0.6/lib/wasi/libclang_rt.builtins-wasm32.a');
  if (present) return null;
  const failure = aptInstall(PACKAGES);
  return failure === null ? null : `could not install the wasm toolchain: ${failure}`;
}

test('the shipped wasm binaries are what wasm/kernels.c compiles to (reproducible build)', { timeout: 600_000 }, () => {
  const failure = ensureToolchain();
  assert.equal(failure, null, failure ?? '');
  const check = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-wasm.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  assert.match(check.stdout, /the shipped wasm binary matches its sources/);
});
