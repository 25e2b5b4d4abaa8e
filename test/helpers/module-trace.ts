/**
 * A Node `--import` hook that records every module a child process loads: each resolved URL, one per line, appended
 * to the file that the child's `TRACE_FILE` names. Tests that check what an import or a command pulls in (the plotting
 * stack, one build of the wasm kernels) start the child with the flags `moduleTracer(dir)` returns and read the file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Writes the hook into `dir`; returns the node flags that load it (`--import <file URL>`, any working directory). */
export function moduleTracer(dir: string): string[] {
  writeFileSync(join(dir, 'trace-hooks.mjs'), `
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      appendFileSync(process.env.TRACE_FILE, resolved.url + '\\n');
      return resolved;
    }
  `);
  writeFileSync(join(dir, 'trace.mjs'), "import { register } from 'node:module'; register('./trace-hooks.mjs', import.meta.url);");
  return ['--import', pathToFileURL(join(dir, 'trace.mjs')).href];
}
