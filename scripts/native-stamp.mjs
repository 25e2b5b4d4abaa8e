// What the native addon is built from, as one hash: binding.gyp, every file in native/, and the Node it is built for
// (version, platform, architecture, module ABI). build-native.mjs keeps an addon whose stamp matches.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The hex sha-256 stamp of the addon sources under `root`. */
export function sourceStamp(root) {
  const hash = createHash('sha256');
  hash.update(`${process.version} ${process.platform} ${process.arch} ${process.versions.modules}\n`);
  const files = ['binding.gyp', ...readdirSync(path.join(root, 'native')).sort().map((f) => path.join('native', f))];
  for (const file of files) hash.update(`${file}\n`).update(readFileSync(path.join(root, file)));
  return hash.digest('hex');
}
