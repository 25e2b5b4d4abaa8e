/**
 * Dependency install scripts, as package-lock.json records them (`hasInstallScript`): npm 11 lists every one that
 * package.json's `allowScripts` does not decide, and npm 12 blocks those by default. So each must be decided there,
 * and none may belong to a runtime dependency: a user's `npm install maflow` would then depend on a script their npm
 * may refuse to run (maflow's own install hook is not a dependency's, and its prebuilt addon loads without it).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface LockEntry {
  hasInstallScript?: boolean;
  dev?: boolean;
}

const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };

/** `node_modules/a/node_modules/@s/b` → `@s/b`. */
function packageName(lockPath: string): string {
  return lockPath.slice(lockPath.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

const withScripts = Object.entries(lock.packages)
  .filter(([lockPath, entry]) => lockPath !== '' && entry.hasInstallScript === true);

describe('dependency install scripts', () => {
  it('the lock file records some (this test reads the field npm writes)', () => {
    assert.ok(withScripts.length > 0, 'no hasInstallScript entries: has package-lock.json changed format?');
  });

  it('each is decided in package.json allowScripts', () => {
    const undecided = withScripts.map(([lockPath]) => packageName(lockPath))
      .filter((name) => typeof manifest.allowScripts?.[name] !== 'boolean');
    assert.deepEqual(undecided, [], `add these to allowScripts (true to run the script, false to skip it): ${undecided.join(', ')}`);
  });

  it('none belongs to a runtime dependency', () => {
    const runtime = withScripts.filter(([, entry]) => entry.dev !== true).map(([lockPath]) => lockPath);
    assert.deepEqual(runtime, [], 'runtime dependencies with install scripts');
  });
});
