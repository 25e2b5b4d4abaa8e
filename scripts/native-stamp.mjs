// What the native addon is built from, as one hash: binding.gyp, every file in native/, and the Node it is built for
// (version, platform, architecture, module ABI). build-native.mjs keeps an addon whose stamp matches.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The hex sha-256 stamp of the addon sources under `root`, and of the Node that builds it unless `node` is false (a
 * prebuild's stamp: a Node-API addon serves every Node version, so only its sources count).
 */
export function sourceStamp(root, { node = true } = {}) {
  const hash = createHash('sha256');
  if (node) hash.update(`${process.version} ${process.platform} ${process.arch} ${process.versions.modules}\n`);
  const files = ['binding.gyp', ...readdirSync(path.join(root, 'native')).sort().map((f) => path.join('native', f))];
  for (const file of files) hash.update(`${file}\n`).update(readFileSync(path.join(root, file)));
  return hash.digest('hex');
}
