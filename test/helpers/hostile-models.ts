/**
 * Hostile and corrupt model files for the reader's tests (library and CLI): each is a small valid model file with one
 * thing made wrong, as a file from an untrusted source could be, with the message the reader must give.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { saveModel } from '../../src/io/model-file.ts';

export interface HostileModel {
  name: string;
  /** What was done to the file. */
  description: string;
  path: string;
  /** The one-line message (after the file name) the reader gives. */
  message: RegExp;
}

interface RawFile {
  header: Record<string, unknown>;
  metadata: Record<string, string>;
  buffer: Uint8Array;
}

function readRaw(path: string): RawFile {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
  return { header, metadata: header.__metadata__ as Record<string, string>, buffer: bytes.subarray(8 + length) };
}

/** Writes a safetensors file from a header given as JSON text (so that it may hold keys no encoder writes). */
function writeRaw(path: string, headerText: string, buffer: Uint8Array, declaredLength?: number): void {
  const json = Buffer.from(headerText, 'utf8');
  const out = Buffer.alloc(8 + json.length + buffer.length);
  out.writeBigUInt64LE(BigInt(declaredLength ?? json.length), 0);
  json.copy(out, 8);
  out.set(buffer, 8 + json.length);
  writeFileSync(path, out);
}

/** Sets every `key` in a JSON tree to `value`. */
function setEverywhere(node: unknown, key: string, value: unknown): void {
  if (Array.isArray(node)) node.forEach((item) => setEverywhere(item, key, value));
  else if (node !== null && typeof node === 'object') {
    for (const k of Object.keys(node)) {
      if (k === key) (node as Record<string, unknown>)[k] = value;
      else setEverywhere((node as Record<string, unknown>)[k], key, value);
    }
  }
}

/** Builds the hostile files in `dir` from one small valid model (a 3-feature MAF, random degrees, batch norm). */
export function writeHostileModels(dir: string): { good: string; models: HostileModel[] } {
  const good = join(dir, 'good.safetensors');
  saveModel(good, createMaf({ features: 3, layers: 2, hiddenUnits: [8], degrees: 'random', batchNorm: true, rng: new Rng(3) }),
    { columns: ['x1', 'x2', 'x3'] });
  const models: HostileModel[] = [];
  const add = (name: string, description: string, message: RegExp, write: (path: string, raw: RawFile) => void): void => {
    const path = join(dir, `${name}.safetensors`);
    write(path, readRaw(good));
    models.push({ name, description, path, message });
  };
  const withConfig = (edit: (config: Record<string, unknown>) => void) => (path: string, raw: RawFile): void => {
    const config = JSON.parse(raw.metadata.config) as Record<string, unknown>;
    edit(config);
    raw.metadata.config = JSON.stringify(config);
    writeRaw(path, JSON.stringify(raw.header), raw.buffer);
  };
  /** Overwrites the first F32 value of `tensor` with `value`. */
  const withValue = (tensor: string, value: number, dtype: 'F32' | 'F64') => (path: string, raw: RawFile): void => {
    const entry = raw.header[tensor] as { data_offsets: [number, number] };
    const buffer = Buffer.from(raw.buffer);
    if (dtype === 'F32') buffer.writeFloatLE(value, entry.data_offsets[0]);
    else buffer.writeDoubleLE(value, entry.data_offsets[0]);
    writeRaw(path, JSON.stringify(raw.header), buffer);
  };
  add('huge-features', 'every `features` in the config set to 1e9 (a few KB file)',
    /config\.base\.features is 1000000000, larger than the file's largest tensor \(\d+ values\): the config does not describe these tensors/,
    withConfig((config) => setEverywhere(config, 'features', 1e9)));
  add('huge-layers', 'hidden layers of 1000 units in a file with tensors for 8',
    /the config implies \d{7,} parameter and buffer values, far more than the \d+ the file holds/,
    withConfig((config) => setEverywhere(config, 'hiddenUnits', [1000, 1000])));
  add('fractional-size', 'a hidden width of 2.5',
    /config\.bijector\.bijectors\[0\]\.made\.hiddenUnits\[0\] must be a non-negative integer, got 2\.5/,
    withConfig((config) => {
      const made = ((config.bijector as { bijectors: Array<{ made: { hiddenUnits: number[] } }> }).bijectors[0]).made;
      made.hiddenUnits = [2.5];
    }));
  add('unsorted-degrees', "a MADE's hidden degrees not sorted",
    /invalid config: Made: hiddenDegrees\[0\] must be sorted/,
    withConfig((config) => {
      const made = ((config.bijector as { bijectors: Array<{ made: { hiddenDegrees: number[][] } }> }).bijectors[0]).made;
      made.hiddenDegrees = [[...made.hiddenDegrees[0]].sort((a, b) => b - a)];
      if (new Set(made.hiddenDegrees[0]).size < 2) throw new Error('the fixture needs two distinct degrees');
    }));
  add('nan-weight', 'a NaN in a weight tensor',
    /tensor 'bijector\.bijectors\.0\.made\.hidden\.0\.weight' holds NaN at index 0 \(flat, of \[8, 3\]\): model weights must be finite/,
    withValue('bijector.bijectors.0.made.hidden.0.weight', Number.NaN, 'F32'));
  add('infinite-weight', 'an Infinity in a bias tensor',
    /tensor 'bijector\.bijectors\.3\.made\.output\.bias' holds Infinity at index 0 \(flat, of \[6\]\): model weights must be finite/,
    withValue('bijector.bijectors.3.made.output.bias', Number.POSITIVE_INFINITY, 'F32'));
  add('nan-buffer', 'a NaN in a batch-norm running variance',
    /tensor 'bijector\.bijectors\.1\.runningVariance' holds NaN at index 0/,
    withValue('bijector.bijectors.1.runningVariance', Number.NaN, 'F64'));
  add('negative-variance', 'a negative batch-norm running variance',
    /tensor 'bijector\.bijectors\.1\.runningVariance' holds -1 at index 0 \(flat, of \[3\]\): a variance must not be negative/,
    withValue('bijector.bijectors.1.runningVariance', -1, 'F64'));
  add('proto-tensor', 'a tensor named __proto__',
    /tensor name "__proto__" is not allowed \(a JavaScript prototype key; the file is corrupt or hostile\)/,
    (path, raw) => {
      const text = JSON.stringify(raw.header);
      const [name, entry] = Object.entries(raw.header).find(([key]) => key.endsWith('.beta'))!;
      writeRaw(path, text.replace(`"${name}":${JSON.stringify(entry)}`, `"__proto__":${JSON.stringify(entry)}`), raw.buffer);
    });
  add('constructor-tensor', 'a tensor named constructor',
    /tensor name "constructor" is not allowed/,
    (path, raw) => {
      const [name, entry] = Object.entries(raw.header).find(([key]) => key.endsWith('.beta'))!;
      writeRaw(path, JSON.stringify(raw.header).replace(`"${name}":${JSON.stringify(entry)}`, `"constructor":${JSON.stringify(entry)}`), raw.buffer);
    });
  add('constructor-metadata', 'a metadata key named constructor',
    /metadata key "constructor" is not allowed \(a JavaScript prototype key; the file is corrupt or hostile\)/,
    (path, raw) => {
      (raw.metadata as Record<string, unknown>)['constructor'] = 'x';
      writeRaw(path, JSON.stringify(raw.header), raw.buffer);
    });
  add('proto-config', 'a __proto__ key inside the config JSON',
    /the 'config' metadata holds the key "__proto__" \(a JavaScript prototype key; the file is corrupt or hostile\)/,
    (path, raw) => {
      raw.metadata.config = raw.metadata.config.replace('{"type":"TransformedDistribution"', '{"__proto__":{"x":1},"type":"TransformedDistribution"');
      writeRaw(path, JSON.stringify(raw.header), raw.buffer);
    });
  add('huge-header', 'an 8-byte header length of 200,000,000 in a small file',
    /the safetensors header length 200000000 exceeds the limit of 100000000 bytes/,
    (path, raw) => writeRaw(path, JSON.stringify(raw.header), raw.buffer, 200_000_000));
  return { good, models };
}
