// What the native addon is built from, as one hash: binding.gyp, every file in native/, and the platform and
// architecture it is built for. build-native.mjs keeps an addon whose stamp matches. Not the Node version: the addon
// uses only Node-API (NAPI_VERSION 8 in binding.gyp, which the hash covers), so one build serves every Node version
// maflow supports, and switching between Node 20, 22, 24 and 26 in a checkout must not rebuild it (minutes on 2 cores:
// a `npm pack` under another Node than the build's ran past the package test's time limit).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The hex sha-256 stamp of the addon sources under `root`, and of the platform and architecture that build it unless
 * `node` is false (a prebuild's stamp: its directory, prebuilds/<platform>-<arch>/, names those).
 */
export function sourceStamp(root, { node = true } = {}) {
  const hash = createHash('sha256');
  if (node) hash.update(`${process.platform} ${process.arch} node-api\n`);
  const files = ['binding.gyp', ...readdirSync(path.join(root, 'native')).sort().map((f) => path.join('native', f))];
  for (const file of files) hash.update(`${file}\n`).update(readFileSync(path.join(root, file)));
  return hash.digest('hex');
}
