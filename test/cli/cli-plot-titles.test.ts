/**
 * `maflow plot` and `maflow diagnose --plot` as a user runs them: titles name the files' base names (not their
 * paths), `--columns` chooses the pair plot's columns, and a default that drops columns says so on stderr.
 */
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { saveModel } from '../../src/io/model-file.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { assertUserError, pngFileSize, runInProcess, tempDir } from './cli-harness.ts';

const { dir, remove } = tempDir('plot-titles');
const at = (name: string): string => join(dir, name);
const columns = Array.from({ length: 8 }, (_, i) => `c${i}`);

/** The PNG's concatenated IDAT bytes, inflated: two figures with different text differ here. */
function pixels(path: string): Buffer {
  const png = readFileSync(path);
  const parts: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    if (png.subarray(offset + 4, offset + 8).toString('latin1') === 'IDAT') parts.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  return inflateSync(Buffer.concat(parts));
}

before(() => {
  saveModel(at('wide.safetensors'), createMaf({ features: 8, layers: 1, hiddenUnits: [8], rng: new Rng(0) }), { columns });
  const rng = new Rng(1);
  writeMatrix(at('wide.csv'), { rows: 50, cols: 8, data: Float64Array.from({ length: 400 }, () => rng.normal()) }, { columns });
});
after(remove);

describe('maflow plot: pair plots', () => {
  it('says on stderr that the default shows the first 6 of 8 columns', async () => {
    const result = await runInProcess(['plot', at('wide.safetensors'), '--data', at('wide.csv'), '-n', '50', '--out', at('default.png')]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /the pair plot shows the first 6 of 8 columns; choose others with --columns/);
    assert.deepEqual(pngFileSize(at('default.png')), { width: 900, height: 936 });
  });

  it('--columns draws the named or 0-based columns, and refuses unknown ones naming the option', async () => {
    const result = await runInProcess(['plot', at('wide.safetensors'), '-n', '50', '--columns', 'c7,2,c4', '--out', at('chosen.png')]);
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /first 6/);
    assert.deepEqual(pngFileSize(at('chosen.png')), { width: 660, height: 696 });
    assertUserError(await runInProcess(['plot', at('wide.safetensors'), '--columns', 'c9', '--out', at('bad.png')]),
      /--columns: unknown column "c9"; the columns are/);
    saveModel(at('flat.safetensors'), createMaf({ features: 2, layers: 1, hiddenUnits: [4], rng: new Rng(0) }));
    assertUserError(await runInProcess(['plot', at('flat.safetensors'), '--columns', '0,1', '--out', at('flat.png')]),
      /--columns: this model has 2 columns, drawn as a density/);
  });

  it('titles the figure with the base names of the model and data files, not their paths', async () => {
    // Same files under a longer path: if the title held the path, the pixels would differ.
    const nested = at('a/much/longer/directory/path');
    await import('node:fs').then((fs) => {
      fs.mkdirSync(nested, { recursive: true });
      fs.copyFileSync(at('wide.safetensors'), join(nested, 'wide.safetensors'));
      fs.copyFileSync(at('wide.csv'), join(nested, 'wide.csv'));
    });
    const near = await runInProcess(['plot', at('wide.safetensors'), '--data', at('wide.csv'), '-n', '50', '--out', at('near.png')]);
    const far = await runInProcess(['plot', join(nested, 'wide.safetensors'), '--data', join(nested, 'wide.csv'), '-n', '50',
      '--out', at('far.png')]);
    assert.deepEqual([near.status, far.status], [0, 0], near.stderr + far.stderr);
    assert.ok(pixels(at('near.png')).equals(pixels(at('far.png'))), 'the same figure from either path');
  });
});
