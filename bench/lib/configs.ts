/**
 * The MAF paper's UCI/BSDS300 model sizes (Papamakarios et al. 2017, Table 1 architectures with 5 MADEs of two
 * hidden layers), identical to `CONFIGS` in the PyTorch peer's `harness.py` (without its extra `miniboone_b1024`).
 */
export interface BenchConfig {
  /** Name shared with the peer's `--configs`. */
  readonly name: string;
  /** Data dimension D. */
  readonly features: number;
  /** MADE layers K. */
  readonly layers: number;
  /** Units of each of the two hidden layers H. */
  readonly hidden: number;
  /** Training minibatch B. */
  readonly batch: number;
}

export const PAPER_CONFIGS: readonly BenchConfig[] = [
  { name: 'power', features: 6, layers: 5, hidden: 100, batch: 100 },
  { name: 'gas', features: 8, layers: 5, hidden: 100, batch: 100 },
  { name: 'hepmass', features: 21, layers: 5, hidden: 512, batch: 100 },
  { name: 'miniboone', features: 43, layers: 5, hidden: 512, batch: 100 },
  { name: 'bsds300', features: 63, layers: 5, hidden: 1024, batch: 100 },
];

/** The configs named in a comma list (all when `names` is empty). @throws naming an unknown config. */
export function pickConfigs(names: readonly string[]): BenchConfig[] {
  if (names.length === 0) return [...PAPER_CONFIGS];
  return names.map((name) => {
    const config = PAPER_CONFIGS.find((c) => c.name === name);
    if (config === undefined) {
      throw new Error(`bench: unknown config '${name}' (expected one of ${PAPER_CONFIGS.map((c) => c.name).join(', ')})`);
    }
    return config;
  });
}
