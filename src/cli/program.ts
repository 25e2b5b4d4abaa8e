/**
 * The `maflow` command tree (commander). Every command is built by its own file in `commands/`; this file only
 * assembles them and routes commander's output and errors through the run's `CliIo`, so that `run.ts` decides the
 * exit status (commander never calls `process.exit` here).
 */
import { Command } from 'commander';
import { VERSION } from '../core/version.ts';
import type { CliIo } from './cli-io.ts';

/**
 * The commands in the order help lists them, each loaded from its module when needed: a command line that names one
 * loads only that one (`maflow train` never loads the plots, ONNX or Parquet code).
 */
const COMMANDS: readonly (readonly [string, (io: CliIo) => Promise<Command>])[] = [
  ['train', async (io) => (await import('./commands/train.ts')).trainCommand(io)],
  ['eval', async (io) => (await import('./commands/eval.ts')).evalCommand(io)],
  ['logprob', async (io) => (await import('./commands/logprob.ts')).logprobCommand(io)],
  ['sample', async (io) => (await import('./commands/sample.ts')).sampleCommand(io)],
  ['forecast', async (io) => (await import('./commands/forecast.ts')).forecastCommand(io)],
  ['diagnose', async (io) => (await import('./commands/diagnose.ts')).diagnoseCommand(io)],
  ['plot', async (io) => (await import('./commands/plot.ts')).plotCommand(io)],
  ['export', async (io) => (await import('./commands/export.ts')).exportCommand(io)],
  ['demo', async (io) => (await import('./commands/demo.ts')).demoCommand(io)],
];

/**
 * Builds a fresh program whose commands write to `io`: every command, or only the one `argv` (the command line
 * without `node` and the script) starts with.
 */
export async function createProgram(io: CliIo, argv: readonly string[] = []): Promise<Command> {
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
  const named = COMMANDS.filter(([name]) => name === argv[0]);
  for (const command of await Promise.all((named.length > 0 ? named : COMMANDS).map(([, load]) => load(io)))) {
    command.copyInheritedSettings(program);
    program.addCommand(command);
  }
  return program;
}
