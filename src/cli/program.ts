/**
 * The `maflow` command tree (commander). Every command is defined by its own file in `commands/` and implemented by
 * the file of the same name in `actions/`; this file assembles them and routes commander's output and errors through
 * the run's `CliIo`, so that `run.ts` decides the exit status (commander never calls `process.exit` here).
 */
import { Command } from 'commander';
import { VERSION } from '../core/version.ts';
import type { CliIo } from './cli-io.ts';
import { demoCommand } from './commands/demo.ts';
import { diagnoseCommand } from './commands/diagnose.ts';
import { evalCommand } from './commands/eval.ts';
import { exportCommand } from './commands/export.ts';
import { forecastCommand } from './commands/forecast.ts';
import { logprobCommand } from './commands/logprob.ts';
import { plotCommand } from './commands/plot.ts';
import { sampleCommand } from './commands/sample.ts';
import { trainCommand } from './commands/train.ts';

/**
 * What a command does when it runs: commander's action handler with the run's `io` first (`args`: the command's
 * arguments, its parsed options, the command itself; `any`, as commander types them, so that each action names its
 * own).
 */
type CommandAction = (io: CliIo, ...args: any[]) => void | Promise<void>;

/**
 * The commands in the order help lists them: each one's definition (name, arguments, options, help), which loads only
 * commander and the option parsers, and its action, imported when the command runs. So `maflow --help`, `--version`
 * and `maflow train --help` load no flows, kernels or file formats, and a command loads only what it uses (`maflow
 * train` never loads the plots, ONNX or Parquet code).
 */
const COMMANDS: readonly { define: () => Command; action: () => Promise<CommandAction> }[] = [
  { define: trainCommand, action: async () => (await import('./actions/train.ts')).trainAction },
  { define: evalCommand, action: async () => (await import('./actions/eval.ts')).evalAction },
  { define: logprobCommand, action: async () => (await import('./actions/logprob.ts')).logprobAction },
  { define: sampleCommand, action: async () => (await import('./actions/sample.ts')).sampleAction },
  { define: forecastCommand, action: async () => (await import('./actions/forecast.ts')).forecastAction },
  { define: diagnoseCommand, action: async () => (await import('./actions/diagnose.ts')).diagnoseAction },
  { define: plotCommand, action: async () => (await import('./actions/plot.ts')).plotAction },
  { define: exportCommand, action: async () => (await import('./actions/export.ts')).exportAction },
  { define: demoCommand, action: async () => (await import('./actions/demo.ts')).demoAction },
];

/** Builds a fresh program whose commands write to `io`. */
export function createProgram(io: CliIo): Command {
  const program = new Command('maflow')
    .description('Masked autoregressive flows: train density models on tabular data, evaluate, sample and diagnose them.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // run.ts prints commander's errors itself, as one `maflow: …` line.
      outputError: () => {},
    })
    .addHelpText('after', '\nRun `maflow <command> --help` for the options of a command; `maflow demo` for a quick tour.\n' +
      '\nExit status: 0 success; 1 internal error (a bug; MAFLOW_DEBUG=1 shows the stack); 2 usage or data error; ' +
      '3 training failed; 4 environment error (permission denied, disk full, read-only file system, I/O error); ' +
      '130 interrupted.');
  for (const { define, action } of COMMANDS) {
    const command = define();
    command.action(async (...args: unknown[]) => (await action())(io, ...args));
    command.copyInheritedSettings(program);
    program.addCommand(command);
  }
  return program;
}
