/**
 * A one-paragraph description of the machine a benchmark ran on: CPU model and flags that matter for the kernels,
 * usable cores, memory, Node and PyTorch versions, and the backend used. Ratios only compare within one run, but
 * the reader should know what "fast" meant.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpu: string;
  /** The micro-architecture where family and model say it (`Zen 3`), else `family F model M`; '' off Linux. */
  core: string;
  /** One core's L2 in KiB (0: unknown): the kernels' blocking depends on it. */
  l2KiB: number;
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
  let core = '';
  let l2KiB = 0;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpu;
    const flags = new Set((/^flags\s*:\s*(.+)$/m.exec(info)?.[1] ?? '').split(/\s+/));
    simd = ['avx2', 'fma', 'avx512f'].filter((f) => flags.has(f));
    const vendor = /^vendor_id\s*:\s*(\S+)/m.exec(info)?.[1] ?? '';
    const family = Number(/^cpu family\s*:\s*(\d+)/m.exec(info)?.[1] ?? NaN);
    const model = Number(/^model\s*:\s*(\d+)/m.exec(info)?.[1] ?? NaN);
    core = microArchitecture(vendor, family, model);
    const size = /^(\d+)K$/.exec(readFileSync('/sys/devices/system/cpu/cpu0/cache/index2/size', 'utf8').trim());
    l2KiB = size === null ? 0 : Number(size[1]);
  } catch {
    // Not Linux: the os module's model name is all there is.
  }
  return {
    cpu,
    core,
    l2KiB,
    cores: os.availableParallelism(),
    simd,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

/**
 * The micro-architectures the kernels were measured on or tuned for, by CPUID family and model (the VMs' model names
 * say only "AMD EPYC"); others as `family F model M`.
 */
export function microArchitecture(vendor: string, family: number, model: number): string {
  if (!Number.isFinite(family) || !Number.isFinite(model)) return '';
  if (vendor === 'AuthenticAMD') {
    if (family === 23) return model >= 0x30 ? 'Zen 2' : 'Zen';
    if (family === 25) return (model >= 0x10 && model <= 0x1f) || (model >= 0x60 && model <= 0xaf) ? 'Zen 4' : 'Zen 3';
    if (family === 26) return 'Zen 5';
  }
  if (vendor === 'GenuineIntel' && family === 6) {
    const intel: Record<number, string> = { 85: 'Skylake-SP/Cascade Lake', 106: 'Ice Lake-SP', 143: 'Sapphire Rapids', 207: 'Emerald Rapids',
      173: 'Granite Rapids' };
    if (intel[model] !== undefined) return intel[model];
  }
  return `family ${family} model ${model}`;
}

/** The 1-minute load average with the core count, e.g. `load 3.52 on 2 cores` (how shared the machine was). */
export function loadLine(): string {
  return `load ${os.loadavg()[0].toFixed(2)} on ${os.availableParallelism()} cores`;
}

/** The machine as one line: `AMD EPYC (Zen 3, L2 512 KiB/core), 2 cores (avx2 fma), 7.8 GiB, node v20.x, linux x64`. */
export function machineLine(info: MachineInfo): string {
  const core = info.core === '' ? '' : ` (${info.core}${info.l2KiB > 0 ? `, L2 ${info.l2KiB} KiB/core` : ''})`;
  return `${info.cpu}${core}, ${info.cores} cores (${info.simd.join(' ') || 'no avx2'}), ${info.memoryGiB} GiB, ` +
    `node ${info.node}, ${info.platform}`;
}
