/**
 * Where a CLI run reads its environment and writes its output. `main.ts` passes the real process streams; tests pass
 * buffers, so that a command can be run in-process and its output inspected.
 */

/** A sink for text, or the bytes of a binary table on stdout (a process stream or a test buffer). */
export interface TextSink {
  write(text: string | Uint8Array): unknown;
}

/** The outside world of one CLI run. */
export interface CliIo {
  /** Results (numbers, JSON, tables). */
  readonly stdout: TextSink;
  /** Progress, notices and error messages. */
  readonly stderr: TextSink;
  /** What a data path `-` reads (standard input). @default process.stdin */
  readonly stdin?: AsyncIterable<Uint8Array>;
  /** Whether stderr is an interactive terminal (progress bar instead of log lines). @default false */
  readonly stderrIsTTY?: boolean;
  /** Environment variables (`MAFLOW_BACKEND`, `MAFLOW_DEBUG`). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Takes over Ctrl-C while a command can stop cleanly (training): until `release()`, the first Ctrl-C aborts the
   * returned signal instead of ending the process. Absent in tests. Other commands leave Ctrl-C alone, so it ends
   * them at once.
   */
  readonly trapInterrupts?: () => InterruptTrap;
}

/** Ctrl-C, captured for the duration of a cleanly stoppable operation. */
export interface InterruptTrap {
  /** Aborted on the first Ctrl-C. */
  readonly signal: AbortSignal;
  /** Gives Ctrl-C back its default meaning. */
  release(): void;
}

/** A sink that collects everything written to it (tests, and commands that print a summary at the end). */
export class TextBuffer implements TextSink {
  private readonly parts: Buffer[] = [];

  write(text: string | Uint8Array): true {
    this.parts.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text));
    return true;
  }

  /** Everything written so far, as UTF-8 text. */
  text(): string {
    return this.bytes().toString('utf8');
  }

  /** Everything written so far, as bytes. */
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}
