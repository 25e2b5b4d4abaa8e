/**
 * The architecture's layer order (DESIGN.md): core → kernels → nn → bijectors → distributions → flows → train →
 * io/data → cli. A module may import from its own layer or a lower one, never from a higher one.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const src = resolve(import.meta.dirname, '../../src');
const LAYERS: Record<string, number> = {
  core: 0, kernels: 1, nn: 2, bijectors: 3, distributions: 4, flows: 5, train: 6, io: 7, data: 7, cli: 8,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function layerOf(file: string): string | undefined {
  const top = relative(src, file).split(/[\\/]/);
  return top.length > 1 ? top[0] : undefined; // src/index.ts and src/node.ts are the barrels above every layer
}

test('no module imports from a higher layer', () => {
  const violations: string[] = [];
  const files = sourceFiles(src);
  assert.ok(files.length > 50, 'found the sources');
  for (const file of files) {
    const layer = layerOf(file);
    if (layer === undefined) continue;
    assert.ok(layer in LAYERS, `${relative(src, file)}: folder '${layer}' is not in the layer table`);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      const target = layerOf(resolve(dirname(file), match[1]));
      if (target === undefined) {
        violations.push(`${relative(src, file)} imports the barrel ${match[1]}`);
      } else if (LAYERS[target] > LAYERS[layer]) {
        violations.push(`${relative(src, file)} (${layer}) imports ${match[1]} (${target})`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
