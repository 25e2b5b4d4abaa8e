/**
 * The `maflow` executable (started by `bin/maflow.js`): wires the real process to `main()`. While a command can stop
 * cleanly (training), the first Ctrl-C aborts its signal (training stops after the current step and saves the best
 * model) and a second one exits at once; at all other times Ctrl-C ends the process as usual.
 */
import type { InterruptTrap } from './cli-io.ts';
import { main } from './run.ts';

function trapInterrupts(): InterruptTrap {
  const controller = new AbortController();
  const onInterrupt = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nmaflow: stopping after the current step (press Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  return { signal: controller.signal, release: () => process.off('SIGINT', onInterrupt) };
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // `maflow logprob model data | head` closes the pipe early; that is not an error.
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  stderrIsTTY: process.stderr.isTTY === true,
  env: process.env,
  trapInterrupts,
});
