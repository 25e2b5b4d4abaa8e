/**
 * Training progress on stderr: a cli-progress bar (epoch, loss, validation log-likelihood, rows/s, ETA) when stderr
 * is a terminal, plain log lines (one per epoch) otherwise, so that logs and CI output stay readable.
 * Numbers are shown as the events carry them (the `train` command converts them to the data's original units).
 */
import cliProgress from 'cli-progress';
import type { EpochEvent, StepEvent } from '../train/progress-event.ts';
import type { CliIo } from './cli-io.ts';

/** Options of `createProgressReporter`. */
export interface ProgressReporterOptions {
  /** Maximum number of epochs (the bar's length is `epochs · stepsPerEpoch`). */
  epochs: number;
  stepsPerEpoch: number;
  /** Use the terminal bar. @default io.stderrIsTTY */
  bar?: boolean;
}

/** Receives `fit`'s events; `stop()` ends the bar (call it before printing anything else). */
export interface ProgressReporter {
  onStep(event: StepEvent): void;
  onEpoch(event: EpochEvent): void;
  stop(): void;
}

/**
 * A reporter writing to `io.stderr`.
 *
 * @example
 * import { Rng, createMaf, fit, twoMoons } from 'maflow';
 * import { createProgressReporter } from './progress-reporter.ts';
 * const { data } = twoMoons(200, { rng: new Rng(1) });
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const io = { stdout: process.stdout, stderr: process.stderr };   // not a terminal: one line per epoch
 * const progress = createProgressReporter(io, { epochs: 3, stepsPerEpoch: 3 });
 * fit(flow, data, { epochs: 3, batchSize: 50, rng: new Rng(2), onStep: (e) => progress.onStep(e), onEpoch: (e) => progress.onEpoch(e) });
 * progress.stop();
 * // stderr: epoch 1/3  train loss 2.4097  val ll -2.5118  best -2.5118 (epoch 1)  9,833 rows/s  ETA 0:00, …
 */
export function createProgressReporter(io: CliIo, options: ProgressReporterOptions): ProgressReporter {
  const useBar = options.bar ?? io.stderrIsTTY === true;
  return useBar ? barReporter(io, options) : lineReporter(io, options);
}

function barReporter(io: CliIo, options: ProgressReporterOptions): ProgressReporter {
  const bar = new cliProgress.SingleBar({
    stream: io.stderr as NodeJS.WritableStream,
    format: 'epoch {epoch}/{epochs} {bar} {percentage}% | loss {loss} | val ll {validation} | {rate} rows/s | ETA {etaText}',
    barsize: 24,
    hideCursor: true,
    clearOnComplete: false,
    fps: 8,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  let validation = '-';
  const total = options.epochs * options.stepsPerEpoch;
  return {
    onStep(event) {
      const payload = {
        epoch: event.epoch, epochs: options.epochs, loss: event.loss.toFixed(4), validation,
        rate: Math.round(event.rowsPerSecond).toLocaleString('en-US'), etaText: formatDuration(event.etaSeconds),
      };
      if (!started) {
        bar.start(total, event.step, payload);
        started = true;
      } else {
        bar.update(event.step, payload);
      }
    },
    onEpoch(event) {
      if (!Number.isNaN(event.validationLogLik)) validation = event.validationLogLik.toFixed(4);
      if (started) bar.update(event.step, { validation, epoch: event.epoch });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function lineReporter(io: CliIo, options: ProgressReporterOptions): ProgressReporter {
  return {
    onStep() {},
    onEpoch(event) {
      const parts = [
        `epoch ${event.epoch}/${options.epochs}`,
        `train loss ${event.trainLoss.toFixed(4)}`,
        ...(Number.isNaN(event.validationLogLik) ? [] : [
          `val ll ${event.validationLogLik.toFixed(4)}`,
          `best ${event.bestValidationLogLik.toFixed(4)} (epoch ${event.bestEpoch})`,
        ]),
        `${Math.round(event.rowsPerSecond).toLocaleString('en-US')} rows/s`,
        `ETA ${formatDuration(event.etaSeconds)}`,
      ];
      io.stderr.write(`${parts.join('  ')}\n`);
    },
    stop() {},
  };
}

/** `75` → `1:15`, `3725` → `1:02:05`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}
