/**
 * The package as a user gets it, shared by the package tests: `packTarball(work)` runs `npm pack` on the checkout
 * (prepack puts the prebuilt addon in, prepare compiles dist/) and warms the npm cache with what a fresh project's
 * install resolves; `compilerFreeEnv(dir, node)` is a PATH holding only that `node` and `sh`; `installTarball` installs
 * the tarball into a fresh project offline under that environment; `run` runs a command and fails with its output.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');

/** npm's own CLI script: the one running this test (`npm test`), else the one beside `node`. */
export function npmCli(): string {
  const fromEnv = process.env.npm_execpath;
  if (fromEnv !== undefined && fromEnv.endsWith('.js')) return fromEnv;
  const npm = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  return realpathSync(npm);
}

/** Runs `file args` in `cwd` and fails naming the command and its whole output unless it exits 0. */
export function run(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const result = spawnSync(file, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  const output = `${result.stdout}${result.stderr}${result.error?.message ?? ''}`;
  assert.equal(result.status, 0, `${[file, ...args].join(' ')} failed (${result.status}):\n${output}`);
  return result;
}

/**
 * A PATH holding only `node` (the given binary, by default the one running) and `sh` in the new directory `dir`: npm
 * runs lifecycle scripts through `sh`, and nothing else is needed, so a compiler (cc, c++, g++, make) cannot be found.
 */
export function compilerFreeEnv(dir: string, node = process.execPath): NodeJS.ProcessEnv {
  mkdirSync(dir, { recursive: true });
  symlinkSync(node, join(dir, 'node'));
  symlinkSync('/bin/sh', join(dir, 'sh'));
  const env: NodeJS.ProcessEnv = { PATH: dir, CC: 'false-cc', CXX: 'false-cxx' };
  for (const [key, value] of Object.entries(process.env)) {
    // npm test's own npm_* settings (npm_config_node_gyp, the package's scripts) must not leak into the consumer.
    if (!key.startsWith('npm_') && !(key in env) && key !== 'MAFLOW_BACKEND' && key !== 'NODE_OPTIONS') env[key] = value;
  }
  assert.notEqual(spawnSync('sh', ['-c', 'command -v c++ || command -v g++ || command -v cc'], { env }).status, 0,
    'a compiler is still on PATH');
  return env;
}

/** `npm pack` of the checkout into `work`, printing the tarball's sizes; returns the tarball's path. */
export function packTarball(work: string): string {
  const npm = npmCli();
  // prepack builds the prebuilt addon from the checkout's current build (or builds it), prepare compiles dist/.
  const packed = run(process.execPath, [npm, 'pack', '--json', '--pack-destination', work], root, { ...process.env });
  const info = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as
    { filename: string; size: number; unpackedSize: number; entryCount: number }[])[0]!;
  const tarball = join(work, info.filename);
  console.log(`# tarball ${info.filename}: ${(info.size / 1e6).toFixed(2)} MB packed, ` +
    `${(info.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${info.entryCount} files`);

  // The npm cache holds the tarballs of the checkout's lockfile (npm ci), but a fresh project resolves the
  // dependency ranges anew: a first install that may reach the registry (scripts off) caches what that resolution
  // needs, so that the installs of the tests run offline. Without a registry it fails, and an offline install then
  // shows what the cache lacks.
  const warm = join(work, 'warm-cache');
  mkdirSync(warm);
  writeFileSync(join(warm, 'package.json'), JSON.stringify({ name: 'warm-cache', private: true }));
  const warmed = spawnSync(process.execPath, [npm, 'install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund',
    tarball, '@types/node@20'], { cwd: warm, encoding: 'utf8', timeout: 240_000 });
  if (warmed.status !== 0) console.log(`# warming the npm cache failed (${warmed.stderr.trim().split('\n')[0]}); installing offline anyway`);
  return tarball;
}

/**
 * Installs `tarball` into the new project directory `project` (an ES module package), offline, with npm run by the
 * `node` on `env`'s PATH (npm and the package's install hook then run on that Node); returns npm's output.
 */
export function installTarball(project: string, tarball: string, env: NodeJS.ProcessEnv): string {
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const installed = run(join(env.PATH!.split(':')[0]!, 'node'), [npmCli(), 'install', '--offline', '--no-audit', '--no-fund',
    '--foreground-scripts', tarball], project, env);
  const output = `${installed.stdout}${installed.stderr}`;
  // The install hook took the prebuilt addon (an npm that runs no dependency scripts runs none: the loader then
  // finds prebuilds/ by itself, as the tests check).
  assert.doesNotMatch(output, /native addon (not )?built/);
  return output;
}
