/** Types of `build-demo.mjs` (a plain ES module so that `scripts/serve-demo.mjs` runs without a TypeScript loader). */
import type { Message } from 'esbuild';

export declare const DEMO_DIR: string;
export declare const DEMO_BUNDLE_NAME: string;
/** `code` and `path`: the entry's; `files`: every output (the entry and its chunks) by file name. */
export declare function buildDemo(options?: { minify?: boolean }): Promise<{ code: string; path: string; files: Map<string, string>; warnings: Message[] }>;
export declare function startDemoServer(): Promise<{ url: string; close: () => Promise<void> }>;
