/**
 * The install hook's reuse of a built addon: the source stamp changes with any native source, binding.gyp or file
 * name, and not otherwise; with a matching stamp the hook keeps the addon (one line, no rebuild).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sourceStamp } from '../../scripts/native-stamp.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('native build stamp', () => {
  it('changes with the sources, binding.gyp and file names, and only with them', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'maflow-stamp-'));
    try {
      cpSync(path.join(root, 'native'), path.join(dir, 'native'), { recursive: true });
      cpSync(path.join(root, 'binding.gyp'), path.join(dir, 'binding.gyp'));
      const base = sourceStamp(dir);
      assert.match(base, /^[0-9a-f]{64}$/);
      assert.equal(sourceStamp(dir), base, 'deterministic');
      assert.equal(sourceStamp(root), base, 'same content elsewhere, same stamp');
      writeFileSync(path.join(dir, 'README.txt'), 'not a source');
      assert.equal(sourceStamp(dir), base, 'files outside native/ and binding.gyp do not count');
      const gemm = path.join(dir, 'native', 'gemm.cc');
      writeFileSync(gemm, `${readFileSync(gemm, 'utf8')}\n// edited\n`);
      const edited = sourceStamp(dir);
      assert.notEqual(edited, base, 'an edited source');
      renameSync(gemm, path.join(dir, 'native', 'gemm2.cc'));
      assert.notEqual(sourceStamp(dir), edited, 'a renamed source');
      writeFileSync(path.join(dir, 'binding.gyp'), '{}');
      assert.notEqual(sourceStamp(dir), base, 'binding.gyp');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a prebuild is used only when it was built from the same sources (its stamp ignores the platform its directory names)', (t) => {
    const addon = path.join(root, 'build', 'Release', 'maflow_native.node');
    if (!existsSync(addon)) {
      t.diagnostic('no built addon in build/Release to stand in for a prebuild: only the stamp is checked');
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'maflow-prebuild-'));
    try {
      for (const f of ['native', 'binding.gyp', 'scripts/build-native.mjs', 'scripts/native-stamp.mjs']) {
        cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
      }
      const stamp = sourceStamp(dir, { node: false });
      assert.match(stamp, /^[0-9a-f]{64}$/);
      assert.notEqual(stamp, sourceStamp(dir), 'the build stamp also names the platform; the prebuild stamp does not');
      if (!existsSync(addon)) return;
      const prebuilds = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
      cpSync(addon, path.join(prebuilds, 'maflow_native.napi.glibc.node'));
      // No node-gyp reachable from the copy: a hook that does not take the prebuild gives up at once (exit 0).
      const env = { ...process.env };
      delete env.npm_config_node_gyp;
      const hook = () => spawnSync(process.execPath, [path.join(dir, 'scripts', 'build-native.mjs')], { encoding: 'utf8', env });
      writeFileSync(path.join(prebuilds, 'sources.stamp'), `${stamp}\n`);
      assert.match(hook().stdout, /using the prebuilt native addon/);
      writeFileSync(path.join(prebuilds, 'sources.stamp'), `${'0'.repeat(64)}\n`);
      const stale = hook();
      assert.equal(stale.status, 0);
      assert.doesNotMatch(stale.stdout, /using the prebuilt/, 'a prebuild of other sources is not used');
      rmSync(path.join(prebuilds, 'sources.stamp'));
      assert.doesNotMatch(hook().stdout, /using the prebuilt/, 'nor one without a stamp');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the install hook keeps an addon whose stamp matches (no rebuild)', () => {
    const addon = path.join(root, 'build', 'Release', 'maflow_native.node');
    const stampFile = path.join(root, 'build', 'native-build.stamp');
    const built = existsSync(addon) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === sourceStamp(root);
    // Without a current build (no compiler, or sources edited since) the hook would rebuild, which is too slow here;
    // then only the stamp logic above is checked, and `npm ci` itself exercises the build.
    if (!built) return;
    const before = statSync(addon).mtimeMs;
    const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-native.mjs')], { encoding: 'utf8' });
    assert.equal(result.status, 0);
    assert.equal(result.stdout.trim(), 'maflow: native addon up to date (build/Release/maflow_native.node)');
    assert.equal(statSync(addon).mtimeMs, before, 'the addon was not rebuilt');
  });
});
