// `npm pack` / `npm publish` step (prepack): puts the addon built for this machine into the package as a prebuild,
// prebuilds/<platform>-<arch>/maflow_native.napi.<libc>.node in node-gyp-build's naming, so that installing on the
// same platform needs no compiler. The addon uses only Node-API (NAPI_VERSION 8), so one file serves every Node
// version maflow supports. It needs the build machine's C and C++ runtimes or newer (built on Debian 12: glibc ≥ 2.34
// and libstdc++ from GCC ≥ 12, as on Ubuntu 22.04, Debian 12, Fedora 36); where it does not load, `npm install` builds
// from source. (Linking libstdc++ statically was measured to need glibc 2.36, which excludes Ubuntu 22.04.)
// The build is the install hook's (`--strict`: a failure stops the pack instead of shipping no addon).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceStamp } from './native-stamp.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (process.env.MAFLOW_SKIP_PREBUILD === '1') {
  console.warn('maflow: MAFLOW_SKIP_PREBUILD=1, the package carries no prebuilt addon');
  process.exit(0);
}

const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-native.mjs'), '--strict'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const libc = process.platform !== 'linux' ? undefined
  : process.report.getReport().header.glibcVersionRuntime !== undefined ? 'glibc' : 'musl';
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const file = path.join(dir, ['maflow_native', 'napi', ...(libc === undefined ? [] : [libc]), 'node'].join('.'));
copyFileSync(path.join(root, 'build', 'Release', 'maflow_native.node'), file);
// What it was built from: the install hook uses a prebuild only for the same sources (a stale one left in a checkout
// after native/ changed must not win over a build of the current sources).
writeFileSync(path.join(dir, 'sources.stamp'), `${sourceStamp(root, { node: false })}\n`);
console.log(`maflow: prebuilt addon ${path.relative(root, file)}`);
