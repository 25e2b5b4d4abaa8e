/**
 * Child process of the `streaming` suite: scores one data file with `maflow logprob` as it streams today
 * (`--mode streamed`: `main(['logprob', model, data, '--out', out])`) or with the whole-file path it replaced
 * (`--mode memory`: readModelData, logDensities, writeMatrix), and prints one JSON line with the wall seconds and the
 * peak resident set size (MiB, `VmHWM`). Run alone, so that no other measurement inflates the peak:
 * `node --import tsx bench/logprob-child.ts --mode streamed model.safetensors data.csv out.npy`.
 */
import { readFileSync } from 'node:fs';
import { TextBuffer } from '../src/cli/cli-io.ts';
import { loadCliModel } from '../src/cli/cli-model.ts';
import { logDensities } from '../src/cli/model-space.ts';
import { readModelData } from '../src/cli/read-model-data.ts';
import { main } from '../src/cli/run.ts';
import { writeMatrix } from '../src/io/read-matrix.ts';
import { selectBackend } from '../src/kernels/select.ts';

/** Peak RSS of this process in MiB (`VmHWM`; Linux carries `ru_maxrss` over exec, so it is not used there). */
function peakMib(): number {
  try {
    const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm !== null) return Number(hwm[1]) / 1024;
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS / 1024;
}

const [, , flag, mode, model, data, out] = process.argv;
if (flag !== '--mode' || (mode !== 'streamed' && mode !== 'memory') || out === undefined) {
  throw new Error('usage: logprob-child.ts --mode streamed|memory MODEL DATA OUT');
}
const started = performance.now();
let error: string | null = null;
if (mode === 'streamed') {
  const stderr = new TextBuffer();
  const status = await main(['logprob', model, data, '--out', out], { stdout: new TextBuffer(), stderr });
  if (status !== 0) error = stderr.text().trim();
} else {
  try {
    selectBackend({ env: process.env, warn: () => {} });
    const cliModel = loadCliModel(model);
    const { x, context } = readModelData(data, cliModel);
    const lp = logDensities(cliModel, x, context);
    writeMatrix(out, { rows: lp.length, cols: 1, data: lp }, { columns: ['logprob'] });
  } catch (caught) {
    error = (caught as Error).message;
  }
}
process.stdout.write(`${JSON.stringify({ mode, seconds: (performance.now() - started) / 1000, peakMiB: peakMib(), error })}\n`);
