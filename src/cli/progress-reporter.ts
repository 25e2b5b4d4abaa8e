/**
 * Training progress on stderr. In a terminal, a cli-progress bar that fills with the **epochs since the best one
 * against the patience** (when it is full, early stopping ends the run), with an ETA bounded by the epoch
 * limit, early stopping and the time budget that names what will end the run, the validation log-likelihood, the
 * loss and rows/s. Elsewhere (logs, CI), plain lines: the first epoch, then one epoch line whenever `intervalSeconds` have
 * passed since the last line, and the last epoch. The interval is a time and not a count of epochs because epochs take
 * from milliseconds (a small table) to minutes (a large one): no single N suits both, while a line every 10 s is
 * readable in a log of any run and shows progress about as often as anyone looks.
 * Numbers are shown as the events carry them (the `train` command converts them to the data's original units).
 */
import cliProgress from 'cli-progress';
import type { EpochEvent, StepEvent } from '../train/progress-event.ts';
import type { RemainingTime, RunLimit } from '../train/remaining-time.ts';
import type { CliIo } from './cli-io.ts';

/** Options of `createProgressReporter`. */
export interface ProgressReporterOptions {
  /** Maximum number of epochs. */
  epochs: number;
  /** Early-stopping patience, epochs: the bar's length. */
  patience: number;
  stepsPerEpoch: number;
  /** Use the terminal bar. @default io.stderrIsTTY */
  bar?: boolean;
  /** Without the bar, the least time between two epoch lines, seconds. @default 10 */
  intervalSeconds?: number;
  /** The clock, milliseconds (tests). @default performance.now */
  now?: () => number;
}

/** Receives `fit`'s events; `stop()` ends the bar or prints the last epoch line (call it before printing anything else). */
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
 * const io = { stdout: process.stdout, stderr: process.stderr };   // not a terminal: plain lines
 * const progress = createProgressReporter(io, { epochs: 3, patience: 30, stepsPerEpoch: 3 });
 * fit(flow, data, { epochs: 3, batchSize: 50, rng: new Rng(2), onStep: (e) => progress.onStep(e), onEpoch: (e) => progress.onEpoch(e) });
 * progress.stop();
 * // stderr: epoch 1/3  train loss 2.4097  val ll -2.5118  best -2.5118 (epoch 1)  0/30 since best  9,833 rows/s  ETA 0:00 (epoch limit)
 * //         epoch 3/3  …
 */
export function createProgressReporter(io: CliIo, options: ProgressReporterOptions): ProgressReporter {
  const useBar = options.bar ?? io.stderrIsTTY === true;
  return useBar ? barReporter(io, options) : lineReporter(io, options);
}

function barReporter(io: CliIo, options: ProgressReporterOptions): ProgressReporter {
  const bar = new cliProgress.SingleBar({
    stream: io.stderr as NodeJS.WritableStream,
    // The most telling first: a narrow terminal cuts the line at its width.
    format: 'epoch {epoch}/{epochs} {bar} {sinceBest} | ETA {etaText} | val ll {validation} | loss {loss} | {rate} rows/s',
    barsize: 16,
    hideCursor: true,
    clearOnComplete: false,
    fps: 8,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  let validation = '-';
  let sinceBest = 0;
  let hasValidation = true;
  const total = (): number => (hasValidation ? options.patience : options.epochs);
  return {
    onStep(event) {
      const fraction = (event.step - (event.epoch - 1) * options.stepsPerEpoch) / options.stepsPerEpoch;
      const value = hasValidation ? sinceBest + Math.min(1, Math.max(0, fraction)) : event.epoch - 1 + fraction;
      const payload = {
        epoch: event.epoch, epochs: options.epochs, loss: event.loss.toFixed(4), validation,
        sinceBest: hasValidation ? `${sinceBest}/${options.patience} since best` : `epoch ${event.epoch}/${options.epochs}`,
        rate: formatRate(event.rowsPerSecond), etaText: formatRemaining(event.remaining),
      };
      if (!started) {
        bar.start(total(), Math.min(value, total()), payload);
        started = true;
      } else {
        bar.update(Math.min(value, total()), payload);
      }
    },
    onEpoch(event) {
      hasValidation = !Number.isNaN(event.validationLogLik);
      if (hasValidation) validation = `${event.validationLogLik.toFixed(4)} (best ${event.bestValidationLogLik.toFixed(4)})`;
      sinceBest = event.patienceCounter;
      if (!started) return;
      bar.setTotal(total());
      bar.update(Math.min(hasValidation ? sinceBest : event.epoch, total()), {
        validation, epoch: event.epoch, etaText: formatRemaining(event.remaining),
        sinceBest: hasValidation ? `${sinceBest}/${options.patience} since best` : `epoch ${event.epoch}/${options.epochs}`,
      });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function lineReporter(io: CliIo, options: ProgressReporterOptions): ProgressReporter {
  const now = options.now ?? (() => performance.now());
  const intervalMs = (options.intervalSeconds ?? 10) * 1000;
  let lastLine = -Infinity;
  let pending: EpochEvent | undefined;
  const print = (event: EpochEvent): void => {
    io.stderr.write(`${epochLine(event, options)}\n`);
    lastLine = now();
    pending = undefined;
  };
  return {
    onStep() {},
    onEpoch(event) {
      if (now() - lastLine >= intervalMs) print(event);
      else pending = event;
    },
    stop() {
      if (pending !== undefined) print(pending);
    },
  };
}

function epochLine(event: EpochEvent, options: ProgressReporterOptions): string {
  return [
    `epoch ${event.epoch}/${options.epochs}`,
    `train loss ${event.trainLoss.toFixed(4)}`,
    ...(Number.isNaN(event.validationLogLik) ? [] : [
      `val ll ${event.validationLogLik.toFixed(4)}`,
      `best ${event.bestValidationLogLik.toFixed(4)} (epoch ${event.bestEpoch})`,
      `${event.patienceCounter}/${options.patience} since best`,
    ]),
    `${formatRate(event.rowsPerSecond)} rows/s`,
    `ETA ${formatRemaining(event.remaining)}`,
  ].join('  ');
}

function formatRate(rowsPerSecond: number): string {
  return Math.round(rowsPerSecond).toLocaleString('en-US');
}

const LIMIT_NAMES: Record<RunLimit, string> = { epochs: 'epoch limit', patience: 'patience', time: 'time budget' };

/**
 * The ETA with what ends the run: `0:42 (epoch limit)` when the end is known (nothing can end the run sooner),
 * `0:42 (patience), ≤ 2:16:31 (epoch limit)` when early stopping ends it in 0:42 unless the validation
 * log-likelihood improves again, and the epoch limit (or the time budget) in 2:16:31 at the latest.
 *
 * @example
 * import { formatRemaining } from './progress-reporter.ts';
 * console.log(formatRemaining({ soonestSeconds: 42, soonestBy: 'patience', latestSeconds: 8191, latestBy: 'epochs' }));
 * // → 0:42 (patience), ≤ 2:16:31 (epoch limit)
 */
export function formatRemaining(remaining: RemainingTime): string {
  const { soonestSeconds, soonestBy, latestSeconds, latestBy } = remaining;
  if (!Number.isFinite(latestSeconds)) return '-';
  const latest = `${formatDuration(latestSeconds)} (${LIMIT_NAMES[latestBy]})`;
  return soonestBy === 'patience' ? `${formatDuration(soonestSeconds)} (${LIMIT_NAMES.patience}), ≤ ${latest}` : latest;
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
