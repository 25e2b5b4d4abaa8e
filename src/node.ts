/**
 * The Node.js entry point: everything in the browser-safe barrel, with the kernel backend chosen at start-up
 * (the native addon when it loads, else the reference backend with one line on stderr; `MAFLOW_BACKEND` forces one).
 */
import { selectBackend } from './kernels/select.ts';

selectBackend();

export * from './index.ts';
export { selectBackend } from './kernels/select.ts';
export { loadNativeBackend } from './kernels/native.ts';
