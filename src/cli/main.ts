/**
 * The `maflow` executable (started by `bin/maflow.js`): wires the real process to `main()`. The first Ctrl-C aborts
 * the running command's signal (training stops after the current step and saves the best model); a second one
 * exits at once.
 */
import { main } from './run.ts';

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts += 1;
  if (interrupts > 1) process.exit(130);
  process.stderr.write('\nmaflow: stopping after the current step (press Ctrl-C again to quit at once)\n');
  controller.abort();
});
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // `maflow logprob model data | head` closes the pipe early; that is not an error.
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stderrIsTTY: process.stderr.isTTY === true,
  env: process.env,
  signal: controller.signal,
});
