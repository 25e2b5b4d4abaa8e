/**
 * A one-paragraph description of the machine a benchmark ran on: CPU model and flags that matter for the kernels,
 * usable cores, memory, Node and PyTorch versions, and the backend used. Ratios only compare within one run, but
 * the reader should know what "fast" meant.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpu: string;
  /** Cores this process may use (`os.availableParallelism`). */
  cores: number;
  /** SIMD extensions among avx2 / avx512f that the CPU reports. */
  simd: string[];
  memoryGiB: number;
  node: string;
  platform: string;
}

/** Reads `/proc/cpuinfo` when present (Linux), falling back to `os.cpus()`. */
export function describeMachine(): MachineInfo {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  let simd: string[] = [];
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpu;
    const flags = new Set((/^flags\s*:\s*(.+)$/m.exec(info)?.[1] ?? '').split(/\s+/));
    simd = ['avx2', 'fma', 'avx512f'].filter((f) => flags.has(f));
  } catch {
    // Not Linux: the os module's model name is all there is.
  }
  return {
    cpu,
    cores: os.availableParallelism(),
    simd,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

/** The 1-minute load average with the core count, e.g. `load 3.52 on 2 cores` (how shared the machine was). */
export function loadLine(): string {
  return `load ${os.loadavg()[0].toFixed(2)} on ${os.availableParallelism()} cores`;
}

/** The machine as one line: `AMD EPYC, 2 cores (avx2 fma avx512f), 7.8 GiB, node v20.x, linux x64`. */
export function machineLine(info: MachineInfo): string {
  return `${info.cpu}, ${info.cores} cores (${info.simd.join(' ') || 'no avx2'}), ${info.memoryGiB} GiB, ` +
    `node ${info.node}, ${info.platform}`;
}
