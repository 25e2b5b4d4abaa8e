import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/core/rng.ts';
import { DataError } from '../../src/io/data-error.ts';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '../../src/io/safetensors.ts';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors-file.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Assembles a file from a header string and raw buffer bytes, independently of the encoder. */
function assemble(header: string, buffer: number[], declaredLength?: number): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

function messageOf(bytes: Uint8Array): string {
  try {
    decodeSafetensors(bytes, 'm.safetensors');
  } catch (error) {
    assert.ok(error instanceof DataError, String(error));
    assert.equal(error.file, 'm.safetensors');
    return error.message;
  }
  assert.fail('expected an error');
}

test('encodeSafetensors produces exactly the bytes of the spec, laid out 8-byte types first', () => {
  const bytes = encodeSafetensors({
    b: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) },
    a: { dtype: 'I64', shape: [1], data: new BigInt64Array([5n]) },
  }, { format: 'pt' });
  const header = '{"__metadata__":{"format":"pt"},"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
    '"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}';
  const padding = (8 - (header.length % 8)) % 8;
  const expected = [
    ...[header.length + padding, 0, 0, 0, 0, 0, 0, 0],
    ...Array.from(header, (c) => c.charCodeAt(0)),
    ...new Array<number>(padding).fill(0x20),
    5, 0, 0, 0, 0, 0, 0, 0, // 5n as little-endian i64
    0, 0, 0x80, 0x3f, // 1.0f = 0x3f800000
    0, 0, 0, 0xc0, // -2.0f = 0xc0000000
  ];
  assert.equal(header.length + padding, 144);
  assert.deepEqual(Array.from(bytes), expected);
});

test('decodeSafetensors reads a file written with the Python standard library', () => {
  const { tensors, metadata } = readSafetensors(join(fixtures, 'hand-made.safetensors'));
  assert.deepEqual({ ...metadata }, { format: 'pt', note: 'hand made' });
  assert.deepEqual(Object.keys(tensors).sort(), ['bias', 'order', 'step', 'weight']);
  assert.deepEqual(tensors.weight.shape, [2, 2]);
  assert.deepEqual(Array.from(tensors.weight.data as Float32Array), [1, 2, 3.5, -4]);
  assert.ok(tensors.bias.data instanceof Float64Array);
  assert.deepEqual(Array.from(tensors.bias.data), [-0.5]);
  assert.deepEqual(tensors.step.shape, []);
  assert.deepEqual(Array.from(tensors.step.data as BigInt64Array), [42n]);
  assert.deepEqual(Array.from(tensors.order.data as Int32Array), [2, 0, -1]);
});

test('encode and decode round-trip all dtypes, empty tensors and metadata', () => {
  const rng = new Rng(13);
  const tensors: Record<string, SafetensorsTensor> = {
    'layers.0.weight': { dtype: 'F32', shape: [3, 4], data: Float32Array.from({ length: 12 }, () => rng.normal()) },
    'layers.0.bias': { dtype: 'F64', shape: [4], data: Float64Array.from({ length: 4 }, () => rng.normal()) },
    degrees: { dtype: 'I32', shape: [5], data: Int32Array.from({ length: 5 }, () => rng.int(100) - 50) },
    seed: { dtype: 'I64', shape: [], data: new BigInt64Array([-(2n ** 60n)]) },
    empty: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
  };
  const metadata = { config: JSON.stringify({ hiddenUnits: [8, 8] }), version: '1', 'ünï': 'cödé' };
  const dir = mkdtempSync(join(tmpdir(), 'maflow-st-'));
  const path = join(dir, 'model.safetensors');
  writeSafetensors(path, tensors, metadata);
  const bytes = readFileSync(path);
  assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header padded to 8 bytes');
  const back = readSafetensors(path);
  assert.deepEqual({ ...back.metadata }, metadata);
  for (const [name, tensor] of Object.entries(tensors)) {
    assert.equal(back.tensors[name].dtype, tensor.dtype);
    assert.deepEqual(back.tensors[name].shape, tensor.shape);
    assert.deepEqual(Array.from(back.tensors[name].data as ArrayLike<unknown>), Array.from(tensor.data as ArrayLike<unknown>));
  }
});

test('encodeSafetensors rejects inconsistent tensors', () => {
  assert.throws(() => encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }),
    { message: 'encodeSafetensors: tensor "w" has shape [3] (3 values) but 2 values' });
  assert.throws(() => encodeSafetensors({ w: { dtype: 'F64', shape: [2], data: new Float32Array(2) } }),
    { message: 'encodeSafetensors: tensor "w" is F64 but its data is a Float32Array' });
  assert.throws(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [0], data: new Float32Array(0) } }), /reserved/);
});

test('decodeSafetensors rejects corrupt files, naming the file and the tensor', () => {
  const good = encodeSafetensors({
    a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) },
    b: { dtype: 'F32', shape: [1], data: new Float32Array([3]) },
  });
  const entry = (dtype: string, shape: number[], offsets: number[]): string =>
    `{"dtype":"${dtype}","shape":${JSON.stringify(shape)},"data_offsets":${JSON.stringify(offsets)}}`;
  const eight = [0, 0, 0, 0, 0, 0, 0, 0];
  const cases: [Uint8Array, string | RegExp][] = [
    [good.subarray(0, 5), 'm.safetensors: not a safetensors file: 5 bytes, too short for the 8-byte header length'],
    [good.subarray(0, 40), /^m\.safetensors: not a safetensors file or truncated: the header length \d+ is larger than the 32 bytes after it$/],
    [(() => { const b = good.slice(); b[7] = 0x40; return b; })(), /header length \d{19} exceeds the limit of 100000000 bytes/],
    [good.subarray(0, good.length - 4), 'm.safetensors: tensor "b": "data_offsets" [8, 12] run past the end of the 8-byte data buffer (truncated file?)'],
    [assemble('{"a": ', []), /^m\.safetensors: the safetensors header is not valid JSON/],
    [assemble('[1, 2]', []), 'm.safetensors: the safetensors header is not a JSON object'],
    [assemble(`{"a":${entry('BF16', [2], [0, 4])}}`, [0, 0, 0, 0]), 'm.safetensors: tensor "a": dtype BF16 is not supported (maflow reads F32, F64, I32, I64)'],
    [assemble(`{"a":${entry('X9', [2], [0, 4])}}`, [0, 0, 0, 0]), 'm.safetensors: tensor "a": unknown dtype "X9"'],
    [assemble(`{"a":${entry('F32', [3], [0, 8])}}`, eight), 'm.safetensors: tensor "a": shape [3] of F32 needs 12 bytes but "data_offsets" [0, 8] span 8'],
    [assemble(`{"a":${entry('F32', [2], [0, 8])},"b":${entry('F32', [1], [4, 8])}}`, eight), 'm.safetensors: tensors "a" and "b" overlap (bytes 4..8 of the data buffer)'],
    [assemble(`{"a":${entry('F32', [1], [0, 4])},"b":${entry('F32', [0], [8, 8])}}`, eight), 'm.safetensors: bytes 4..8 of the data buffer belong to no tensor (a gap before "b")'],
    [assemble(`{"a":${entry('F32', [1], [4, 8])}}`, eight), 'm.safetensors: bytes 0..4 of the data buffer belong to no tensor (a gap before "a")'],
    [assemble(`{"a":${entry('F32', [1], [0, 4])}}`, eight), 'm.safetensors: the data buffer has 8 bytes but the tensors cover only 4'],
    [assemble(`{"a":${entry('F32', [1], [4, 0])}}`, eight), 'm.safetensors: tensor "a": "data_offsets" [4, 0] ends before it begins'],
    [assemble(`{"a":${entry('F32', [-1], [0, 0])}}`, []), /tensor "a": "shape" must be an array of non-negative integers, got \[-1\]/],
    [assemble('{"a":{"dtype":"F32","shape":[1]}}', []), /tensor "a": "data_offsets" must be \[begin, end\]/],
    [assemble('{"__metadata__":{"version":1}}', []), 'm.safetensors: safetensors metadata "version" must be a string, got 1'],
    [assemble('{"__metadata__":"v1"}', []), 'm.safetensors: the safetensors "__metadata__" is not an object of strings'],
    [assemble('{"a":[]}', []), 'm.safetensors: tensor "a": the header entry is not an object'],
  ];
  for (const [bytes, expected] of cases) {
    const message = messageOf(bytes);
    if (typeof expected === 'string') assert.equal(message, expected);
    else assert.match(message, expected);
  }
});

test('decodeSafetensors accepts a header padded with spaces and an empty file body', () => {
  const { tensors, metadata } = decodeSafetensors(assemble('{}      ', []));
  assert.deepEqual(Object.keys(tensors), []);
  assert.deepEqual(Object.keys(metadata), []);
});

test('decodeSafetensors caps the header at the reference implementation\'s 100 MB before reading it', () => {
  // A 40-byte file that declares a 100,000,001-byte header: refused for its size, as huggingface/safetensors does
  // (HeaderTooLarge), before the truncation check and before any allocation.
  assert.equal(messageOf(assemble('{}', [], 100_000_001)),
    'm.safetensors: the safetensors header length 100000001 exceeds the limit of 100000000 bytes (not a safetensors file, or a corrupt one)');
  assert.match(messageOf(assemble('{}', [], 100_000_000)), /header length 100000000 is larger than the 2 bytes after it/);
});

test('decodeSafetensors refuses prototype keys as tensor names and metadata keys, and returns maps without a prototype', () => {
  const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
  const four = [0, 0, 128, 63];
  assert.equal(messageOf(assemble(`{"__proto__":${entry}}`, four)),
    'm.safetensors: tensor name "__proto__" is not allowed (a JavaScript prototype key; the file is corrupt or hostile)');
  assert.equal(messageOf(assemble(`{"constructor":${entry}}`, four)),
    'm.safetensors: tensor name "constructor" is not allowed (a JavaScript prototype key; the file is corrupt or hostile)');
  assert.equal(messageOf(assemble('{"__metadata__":{"__proto__":"x"}}', [])),
    'm.safetensors: metadata key "__proto__" is not allowed (a JavaScript prototype key; the file is corrupt or hostile)');
  assert.equal(messageOf(assemble('{"__metadata__":{"constructor":"x"}}', [])),
    'm.safetensors: metadata key "constructor" is not allowed (a JavaScript prototype key; the file is corrupt or hostile)');
  assert.throws(() => encodeSafetensors({ constructor: { dtype: 'F32' as const, shape: [1], data: new Float32Array(1) } }), /"constructor" cannot name a tensor/);
  assert.throws(() => encodeSafetensors({}, { prototype: 'x' }), /"prototype" cannot be a metadata key/);
  const { tensors, metadata } = decodeSafetensors(assemble(`{"__metadata__":{"a":"b"},"w":${entry}}`, four));
  assert.equal(Object.getPrototypeOf(tensors), null);
  assert.equal(Object.getPrototypeOf(metadata), null);
  assert.equal((tensors as Record<string, unknown>).toString, undefined, 'no inherited member answers to a tensor name');
  assert.equal(metadata.hasOwnProperty, undefined);
});


test('decodeSafetensors quotes hostile names and values from the header as short printable excerpts', () => {
  const name = `\u001b]0;owned\u0007${'n'.repeat(5000)}`;
  const badDtype = assemble(`{${JSON.stringify(name)}:{"dtype":"X9","shape":[1],"data_offsets":[0,4]}}`, [0, 0, 0, 0]);
  const huge = assemble(`{"__metadata__":{"k\u009b":${JSON.stringify(Array(100000).fill(1))}}}`, []);
  for (const [bytes, pattern] of [[badDtype, /^m\.safetensors: tensor "\\x1b\]0;owned\\x07n+…" \(5010 characters\): unknown dtype "X9"$/],
    [huge, /^m\.safetensors: safetensors metadata "k\\x9b" must be a string, got \[1,1,[1,]*… \(200001 characters\)$/]] as const) {
    assert.throws(() => decodeSafetensors(bytes, 'm.safetensors'), (error: unknown) => {
      const message = (error as Error).message;
      assert.match(message, pattern);
      assert.ok(message.length < 200, `short, got ${message.length}`);
      assert.doesNotMatch(message, /[\u0000-\u001f\u007f-\u009f]/);
      return true;
    });
  }
});
