/**
 * Node's synchronous wasm loader (the browser build never imports this file): the backend compiled and instantiated
 * on the calling thread, from the binary in the package's wasm/ folder, read from disk and checked against the
 * SHA-256 that scripts/build-wasm.mjs recorded. Node's backend chooser (`selectBackend`) and the bench use it; the
 * asynchronous `loadWasmBackend` imports the binary's base64 module instead, which also works in a bundle.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoots } from './package-roots.ts';
import { WASM_BINARIES, type WasmBuild } from './wasm-binaries.ts';
import { checkedBinary, createWasmBackendSync, type WasmBackendOptions, type WasmKernels } from './wasm.ts';

/**
 * `loadWasmBackend` compiled synchronously (Node allows it for modules of any size): one thread, since workers start
 * asynchronously.
 * @throws when WebAssembly SIMD128 is unavailable, `threads` is not 1, or the binary is missing or not maflow's.
 */
export function loadWasmBackendSync(options: WasmBackendOptions = {}): WasmKernels {
  return createWasmBackendSync(options, readWasmBinary);
}

/** The build's binary from wasm/ under the first package root that has it, checked. */
function readWasmBinary(build: WasmBuild): Uint8Array {
  const { file } = WASM_BINARIES[build];
  const roots = packageRoots();
  for (const root of roots) {
    const binary = path.join(root, 'wasm', file);
    if (!existsSync(binary)) continue;
    const bytes = readFileSync(binary);
    return checkedBinary(build, bytes, createHash('sha256').update(bytes).digest('hex'), binary);
  }
  throw new Error(`wasm backend: ${file} is not in wasm/ under ${roots.join(' or ')} (reinstall maflow; where the package's ` +
    "files are not beside the code, as in a bundle, await useBackend('wasm'), which imports the binary's module)");
}
