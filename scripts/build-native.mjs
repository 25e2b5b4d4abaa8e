// `npm install` hook: builds the native kernel addon (native/, binding.gyp) into build/Release/maflow_native.node
// with node-gyp against the headers of the Node that runs this script (an explicit --nodedir, so no header
// download and no dependence on the user's npm configuration). A machine without a compiler or headers still
// installs: this prints one line and exits 0, and maflow then runs on the reference backend.
// An addon already built from the same sources for the same Node is kept: `npx maflow` in a checkout installs the
// checkout into npx's cache and runs this hook again on first use, which otherwise rebuilt the addon (~90 s) before the
// command started.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceStamp } from './native-stamp.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const logFile = path.join(root, 'build', 'native-build.log');
const addonFile = path.join(root, 'build', 'Release', 'maflow_native.node');
const stampFile = path.join(root, 'build', 'native-build.stamp');

function giveUp(reason) {
  console.warn(`maflow: native addon not built (${reason}); maflow will run on the reference backend`);
  process.exit(0);
}

if (process.env.MAFLOW_SKIP_NATIVE_BUILD === '1') giveUp('MAFLOW_SKIP_NATIVE_BUILD=1');

const stamp = sourceStamp(root);
if (existsSync(addonFile) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) {
  console.log('maflow: native addon up to date (build/Release/maflow_native.node)');
  process.exit(0);
}

// /usr/bin/node → /usr, ~/.nvm/versions/node/v20/bin/node → ~/.nvm/versions/node/v20: both hold include/node.
const nodedir = path.resolve(path.dirname(process.execPath), '..');
if (!existsSync(path.join(nodedir, 'include', 'node', 'node_api.h'))) {
  giveUp(`no Node headers at ${path.join(nodedir, 'include', 'node')}`);
}

let nodeGyp;
try {
  nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  giveUp('node-gyp is not installed');
}

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
