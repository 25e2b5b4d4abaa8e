/**
 * Installs Debian packages for a test that needs them (CI runs as root on a fresh machine): `apt-get install -y`,
 * then `apt-get update` and again if the package lists are stale. Test files run two at a time and several install
 * packages, so apt waits for another install's dpkg lock (up to 10 minutes) instead of failing at once.
 */
import { spawnSync } from 'node:child_process';

/** Installs `packages`; returns null, or why they could not be installed (the last lines of apt's output). */
export function aptInstall(packages: readonly string[]): string | null {
  const install = `apt-get -o DPkg::Lock::Timeout=600 install -y ${packages.join(' ')}`;
  const result = spawnSync('sh', ['-c', `${install} || (apt-get -o DPkg::Lock::Timeout=600 update && ${install})`],
    { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status === 0) return null;
  const tail = `${result.stderr ?? ''}${result.error?.message ?? ''}`.trim().split('\n').slice(-3).join(' / ');
  return `apt-get install -y ${packages.join(' ')} failed (${tail || `exit ${result.status}`})`;
}
