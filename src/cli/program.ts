/**
 * The `maflow` command tree (commander). Every command is built by its own file in `commands/`; this file only
 * assembles them and routes commander's output and errors through the run's `CliIo`, so that `run.ts` decides the
 * exit status (commander never calls `process.exit` here).
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
  for (const command of [trainCommand(io), evalCommand(io), logprobCommand(io), sampleCommand(io),
    forecastCommand(io),
    diagnoseCommand(io), plotCommand(io), exportCommand(io), demoCommand(io)]) {
    command.copyInheritedSettings(program);
    program.addCommand(command);
  }
  return program;
}
