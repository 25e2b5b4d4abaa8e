import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { DataError } from '../../src/io/data-error.ts';
import { encodeNpy, parseNpy, readNpy, writeNpy } from '../../src/io/npy.ts';

/** Builds .npy bytes by hand, independently of encodeNpy, the way numpy 1.x writes them. */
function handMade(header: string, payload: number[], { version = 1, itemSize = 8, bigEndian = false } = {}): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const padded = header.padEnd(Math.ceil((prefix + header.length + 1) / 64) * 64 - prefix - 1, ' ') + '\n';
  const bytes = new Uint8Array(prefix + padded.length + payload.length * itemSize);
  bytes.set([0x93, 78, 85, 77, 80, 89, version, 0]);
  const view = new DataView(bytes.buffer);
  if (version === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  for (let i = 0; i < padded.length; i++) bytes[prefix + i] = padded.charCodeAt(i);
  payload.forEach((v, i) => {
    if (itemSize === 8) view.setFloat64(prefix + padded.length + 8 * i, v, !bigEndian);
    else view.setFloat32(prefix + padded.length + 4 * i, v, !bigEndian);
  });
  return bytes;
}

function messageOf(bytes: Uint8Array): string {
  try {
    parseNpy(bytes, 'a.npy');
  } catch (error) {
    assert.ok(error instanceof DataError);
    assert.equal(error.file, 'a.npy');
    return error.message;
  }
  assert.fail('expected an error');
}

test('parseNpy reads 2-D float64 and 1-D float32 arrays', () => {
  const m = parseNpy(handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", [1, 2, 3, 4, 5, 6]));
  assert.deepEqual([m.rows, m.cols], [2, 3]);
  assert.ok(m.data instanceof Float64Array);
  assert.deepEqual(Array.from(m.data), [1, 2, 3, 4, 5, 6]);
  const v = parseNpy(handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", [0.5, -1, 2], { itemSize: 4 }));
  assert.deepEqual([v.rows, v.cols], [3, 1]);
  assert.ok(v.data instanceof Float32Array);
  assert.deepEqual(Array.from(v.data), [0.5, -1, 2]);
});

test('parseNpy reads format 2.0 and keys in any order', () => {
  const m = parseNpy(handMade('{"shape": (1, 2), "fortran_order": False, "descr": "<f8"}', [7, 8], { version: 2 }));
  assert.deepEqual(Array.from(m.data), [7, 8]);
});

test('parseNpy reads an empty (0, d) array', () => {
  const m = parseNpy(handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }", []));
  assert.deepEqual([m.rows, m.cols, m.data.length], [0, 4, 0]);
});

test('parseNpy rejects unsupported and corrupt files with clear messages', () => {
  const header = (descr: string, fortran: string, shape: string): string =>
    `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  assert.equal(messageOf(new Uint8Array([1, 2, 3])), 'a.npy: not a .npy file (it does not start with the magic string \\x93NUMPY)');
  assert.match(messageOf(handMade(header('<f8', 'True', '(2, 2)'), [1, 2, 3, 4])), /^a\.npy: Fortran-order arrays are not supported/);
  assert.match(messageOf(handMade(header('>f8', 'False', '(2,)'), [1, 2], { bigEndian: true })), /^a\.npy: big-endian data \('>f8'\) is not supported/);
  assert.match(messageOf(handMade(header('<i8', 'False', '(2,)'), [1, 2])), /^a\.npy: dtype '<i8' is not supported; expected float32 \('<f4'\) or float64 \('<f8'\)/);
  assert.equal(messageOf(handMade(header('<f8', 'False', '(1, 2, 2)'), [1, 2, 3, 4])), 'a.npy: expected a 1-D or 2-D array, got a 3-D array of shape (1, 2, 2)');
  assert.equal(messageOf(handMade(header('<f8', 'False', '()'), [1])), 'a.npy: expected a 1-D or 2-D array, got a 0-D array of shape ()');
  const full = handMade(header('<f8', 'False', '(2, 2)'), [1, 2, 3, 4]);
  assert.equal(messageOf(full.subarray(0, full.length - 3)), 'a.npy: truncated data: shape (2, 2) needs 32 bytes, the file has 29');
  assert.match(messageOf(full.subarray(0, 40)), /^a\.npy: truncated \.npy header/);
  assert.match(messageOf(handMade("{'descr': '<f8', 'shape': (2,)}", [1, 2])), /no boolean 'fortran_order'/);
  assert.match(messageOf(handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (2,) ", [1, 2])), /^a\.npy: invalid \.npy header/);
  const bad = full.slice();
  bad[6] = 9;
  assert.match(messageOf(bad), /unsupported \.npy format version 9\.0/);
});

test('encodeNpy writes the header numpy expects, padded to a multiple of 64 bytes', () => {
  const bytes = encodeNpy(matrix([[1, 2], [3, 4], [5, 6]], undefined, undefined, 'float64'));
  const expected = handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(bytes), Array.from(expected));
  assert.equal(bytes.length, 128 + 48);
  assert.equal(String.fromCharCode(bytes[127]), '\n');
});

test('writeNpy and readNpy round-trip float32 and float64 exactly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-npy-'));
  const rng = new Rng(21);
  for (const dtype of ['float32', 'float64'] as const) {
    const m = matrix(Array.from({ length: 35 }, () => rng.normal()), 7, 5, dtype);
    const path = join(dir, `${dtype}.npy`);
    writeNpy(path, m);
    const back = readNpy(path);
    assert.equal(back.data.constructor, m.data.constructor);
    assert.deepEqual([back.rows, back.cols], [7, 5]);
    assert.deepEqual(Array.from(back.data), Array.from(m.data));
    assert.equal(readFileSync(path).length, 128 + 35 * (dtype === "float32" ? 4 : 8));
  }
  assert.throws(() => readNpy(join(dir, 'missing.npy')), /missing\.npy: no such file$/);
});
