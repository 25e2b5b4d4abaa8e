/**
 * Where maflow's package folder is, for the files that ship beside the compiled modules (the native addon, the wasm
 * binaries): candidate roots, most specific first, for a checkout, an installed package and an application bundle
 * (whose `import.meta.url` is the bundle's, so maflow is looked up from it and from the working directory).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Candidate package roots, most specific first, without duplicates. */
export function packageRoots(): string[] {
  const roots: string[] = [];
  const add = (root: string | undefined): void => {
    if (root !== undefined && !roots.includes(root)) roots.push(root);
  };
  const here = moduleFile();
  // dist/kernels/package-roots.js (or src/kernels/package-roots.ts in a checkout) sits two folders below the root.
  if (here !== undefined) add(path.resolve(path.dirname(here), '..', '..'));
  for (const from of [here, path.join(process.cwd(), 'index.js')]) {
    if (from === undefined) continue;
    try {
      add(path.dirname(createRequire(from).resolve('maflow/package.json')));
    } catch {
      // maflow is not installed where `from` can see it
    }
  }
  return roots;
}

/** This module's file, or undefined where a bundler replaced `import.meta.url` (a CommonJS bundle). */
export function moduleFile(): string | undefined {
  try {
    return fileURLToPath(import.meta.url);
  } catch {
    return undefined;
  }
}
