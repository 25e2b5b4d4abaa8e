/**
 * Debian's Chromium, headless, through playwright-core: `launchChromium()` installs the browser when
 * /usr/bin/chromium is missing (`apt-get install -y chromium`, as a fresh CI machine needs) and launches it, or throws
 * one clear message saying why it cannot. Tests that run code in a real browser share it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Installs Chromium when it is missing; returns why it cannot be installed, or null. */
export function ensureChromium(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const install = spawnSync('sh', ['-c', 'apt-get install -y chromium || (apt-get update && apt-get install -y chromium)'],
    { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (install.status === 0 && existsSync(CHROMIUM)) return null;
  const tail = `${install.stderr ?? ''}${install.error?.message ?? ''}`.trim().split('\n').slice(-3).join(' / ');
  return `Chromium is not installed at ${CHROMIUM} and apt-get install -y chromium failed (${tail || `exit ${install.status}`})`;
}

/** A headless Chromium. @throws with the reason when it cannot be installed or started. */
export async function launchChromium(): Promise<Browser> {
  const missing = ensureChromium();
  if (missing !== null) throw new Error(missing);
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  } catch (error) {
    throw new Error(`Chromium at ${CHROMIUM} did not start: ${(error as Error).message.split('\n')[0]}`);
  }
}
