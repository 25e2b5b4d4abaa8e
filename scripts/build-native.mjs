// `npm install` hook: gives maflow its native kernel addon, the cheapest way that works here.
// 1. An addon already built from the same sources for the same platform is kept (build/native-build.stamp), whichever
//    Node built it (Node-API).
// 2. A prebuilt addon shipped in the package (prebuilds/<platform>-<arch>/, linux-x64 today) is used when it was built
//    from these sources (its sources.stamp) and loads on this machine: installing then needs no compiler and takes
//    seconds.
// 3. Otherwise the addon is built from native/ with node-gyp (npm's own, or the checkout's) against the headers of
//    the Node that runs this script (an explicit --nodedir: no header download).
// A machine where none of this works still installs: this prints one line and exits 0, and maflow runs on the
// reference backend. `--strict` (the pack step) makes a failed build an error instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceStamp } from './native-stamp.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');
const logFile = path.join(root, 'build', 'native-build.log');
const addonFile = path.join(root, 'build', 'Release', 'maflow_native.node');
const stampFile = path.join(root, 'build', 'native-build.stamp');

function giveUp(reason) {
  if (strict) {
    console.error(`maflow: native addon not built (${reason})`);
    process.exit(1);
  }
  console.warn(`maflow: native addon not built (${reason}); maflow will run on the reference backend`);
  process.exit(0);
}

/** Whether a fresh Node process can load `file` (a prebuilt addon may need a newer glibc than this machine has). */
function loads(file) {
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { stdio: 'ignore' });
  return probe.status === 0;
}

if (process.env.MAFLOW_SKIP_NATIVE_BUILD === '1') giveUp('MAFLOW_SKIP_NATIVE_BUILD=1');

const stamp = sourceStamp(root);
if (existsSync(addonFile) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) {
  console.log('maflow: native addon up to date (build/Release/maflow_native.node)');
  process.exit(0);
}

if (!strict) {
  const prebuildDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const prebuildStamp = path.join(prebuildDir, 'sources.stamp');
  const current = existsSync(prebuildStamp) && readFileSync(prebuildStamp, 'utf8').trim() === sourceStamp(root, { node: false });
  const prebuilt = current ? readdirSync(prebuildDir).filter((f) => f.endsWith('.node')) : [];
  const usable = prebuilt.map((f) => path.join(prebuildDir, f)).find(loads);
  if (usable !== undefined) {
    console.log(`maflow: using the prebuilt native addon (${path.relative(root, usable)})`);
    process.exit(0);
  }
}

// /usr/bin/node → /usr, ~/.nvm/versions/node/v20/bin/node → ~/.nvm/versions/node/v20: both hold include/node.
const nodedir = path.resolve(path.dirname(process.execPath), '..');
if (!existsSync(path.join(nodedir, 'include', 'node', 'node_api.h'))) {
  giveUp(`no prebuilt addon for ${process.platform}-${process.arch}, and no Node headers at ${path.join(nodedir, 'include', 'node')} to build one`);
}

/** npm runs install scripts with its bundled node-gyp in npm_config_node_gyp; a checkout also has its own. */
function findNodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm !== undefined && existsSync(fromNpm)) return fromNpm;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

const nodeGyp = findNodeGyp();
if (nodeGyp === undefined) giveUp(`no prebuilt addon for ${process.platform}-${process.arch}, and node-gyp is not available to build one`);

const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodedir}`, '--jobs=2'], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, npm_config_nodedir: nodedir },
});
const log = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
mkdirSync(path.dirname(logFile), { recursive: true });
writeFileSync(logFile, log);
if (result.status !== 0) {
  const firstError = log.split('\n').find((line) => /error/i.test(line) && !line.startsWith('gyp info'));
  giveUp(`${firstError?.trim() ?? `node-gyp exited with ${result.status}`}; full log in ${path.relative(root, logFile)}`);
}
writeFileSync(stampFile, `${stamp}\n`);
console.log('maflow: native addon built (build/Release/maflow_native.node)');
