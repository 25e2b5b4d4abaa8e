import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextBuffer } from '../../src/cli/cli-io.ts';
import { createProgressReporter, formatDuration, formatRemaining } from '../../src/cli/progress-reporter.ts';
import type { EpochEvent, StepEvent } from '../../src/train/progress-event.ts';
import type { RemainingTime } from '../../src/train/remaining-time.ts';

const byEpochs = (seconds: number): RemainingTime => ({ soonestSeconds: seconds, soonestBy: 'epochs', latestSeconds: seconds, latestBy: 'epochs' });

const epochEvent = (epoch: number, fields: Partial<EpochEvent> = {}): EpochEvent => ({
  epoch, step: epoch * 10, trainLoss: 1.23456, validationLogLik: -1.3, bestEpoch: 2, bestValidationLogLik: -1.25,
  patienceCounter: 1, rowsPerSecond: 12345.6, etaSeconds: 75, seconds: 4, remaining: byEpochs(75), ...fields,
});

const stepEvent = (epoch: number, step: number, fields: Partial<StepEvent> = {}): StepEvent => ({
  epoch, step, loss: 1.2, gradNorm: 1, learningRate: 1e-3, rowsPerSecond: 1e4, etaSeconds: 80, remaining: byEpochs(80), ...fields,
});

/** A stream that cli-progress takes for a terminal; `screen()` is the bar's last rendering without escapes. */
function fakeTerminal(): { stream: { isTTY: true; columns: number; write(text: string): boolean }; screen(): string } {
  let written = '';
  return {
    stream: { isTTY: true, columns: 300, write(text: string) { written += text; return true; } },
    screen() {
      // Each rendering starts by moving the cursor to the first column (ESC [ n G).
      const renderings = written.split(/\x1b\[\d*G|\r|\n/).map((text) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, ''));
      return renderings.filter((line) => line.trim() !== '').at(-1) ?? '';
    },
  };
}

describe('progress reporter: plain lines when stderr is not a terminal', () => {
  it('writes the first epoch, then one line per interval, and the last epoch at the end', () => {
    const stderr = new TextBuffer();
    let clock = 0;
    const progress = createProgressReporter({ stdout: new TextBuffer(), stderr, stderrIsTTY: false },
      { epochs: 100, patience: 30, stepsPerEpoch: 10, intervalSeconds: 10, now: () => clock });
    progress.onStep(stepEvent(1, 9));
    assert.equal(stderr.text(), '', 'steps are not logged');
    // One epoch every 3 s: lines at 0 s, 12 s, 24 s (epochs 1, 5, 9), and the last epoch (10) at the end.
    for (let epoch = 1; epoch <= 10; epoch++) {
      progress.onEpoch(epochEvent(epoch));
      clock += 3000;
    }
    const before = stderr.text();
    progress.stop();
    const epochs = (text: string): number[] => text.trimEnd().split('\n').map((line) => Number(/^epoch (\d+)\//.exec(line)![1]));
    assert.deepEqual(epochs(before), [1, 5, 9]);
    assert.deepEqual(epochs(stderr.text()), [1, 5, 9, 10]);
    progress.stop();
    assert.deepEqual(epochs(stderr.text()), [1, 5, 9, 10], 'stop prints the last epoch once');
  });

  it('a line has the losses, the best epoch, the patience count and the ETA with what ends the run', () => {
    const stderr = new TextBuffer();
    const progress = createProgressReporter({ stdout: new TextBuffer(), stderr }, { epochs: 10, patience: 30, stepsPerEpoch: 10 });
    progress.onEpoch(epochEvent(3, { remaining: { soonestSeconds: 42, soonestBy: 'patience', latestSeconds: 8191, latestBy: 'epochs' } }));
    progress.stop();
    assert.equal(stderr.text(), 'epoch 3/10  train loss 1.2346  val ll -1.3000  best -1.2500 (epoch 2)  1/30 since best  12,346 rows/s  ' +
      'ETA 0:42 (patience), ≤ 2:16:31 (epoch limit)\n');
    const noValidation = new TextBuffer();
    const plain = createProgressReporter({ stdout: new TextBuffer(), stderr: noValidation }, { epochs: 10, patience: 30, stepsPerEpoch: 10 });
    plain.onEpoch(epochEvent(4, { validationLogLik: NaN, bestValidationLogLik: NaN }));
    assert.doesNotMatch(noValidation.text(), /val ll|since best/, 'no validation set, no validation columns');
  });
});

describe('progress reporter: the bar in a terminal', () => {
  it('fills with the epochs since the best one against the patience, and shows the bounded ETA', () => {
    const terminal = fakeTerminal();
    const io = { stdout: new TextBuffer(), stderr: terminal.stream, stderrIsTTY: true };
    const progress = createProgressReporter(io, { epochs: 1000, patience: 4, stepsPerEpoch: 10 });
    progress.onStep(stepEvent(1, 5));
    progress.onEpoch(epochEvent(12, { step: 120, patienceCounter: 2, bestEpoch: 10, validationLogLik: -1.31, bestValidationLogLik: -1.25,
      remaining: { soonestSeconds: 42, soonestBy: 'patience', latestSeconds: 8191, latestBy: 'epochs' } }));
    progress.stop();
    const line = terminal.screen();
    assert.match(line, /^epoch 12\/1000 (\S+) 2\/4 since best \| ETA 0:42 \(patience\), ≤ 2:16:31 \(epoch limit\) \| val ll -1\.3100 \(best -1\.2500\) \|/);
    const bar = /^epoch 12\/1000 (\S+)/.exec(line)![1];
    assert.equal(bar.length, 16);
    assert.equal(bar.replace(/[^█]/g, '').length, 8, `half full at 2 of 4 epochs: ${bar}`);
  });
});

describe('formatRemaining and formatDuration', () => {
  it('name what ends the run, and give the latest end only as a bound when early stopping may come first', () => {
    assert.equal(formatRemaining(byEpochs(75)), '1:15 (epoch limit)');
    assert.equal(formatRemaining({ soonestSeconds: 30, soonestBy: 'time', latestSeconds: 30, latestBy: 'time' }), '0:30 (time budget)');
    assert.equal(formatRemaining({ soonestSeconds: 12, soonestBy: 'patience', latestSeconds: 30, latestBy: 'time' }),
      '0:12 (patience), ≤ 0:30 (time budget)');
    assert.equal(formatRemaining({ soonestSeconds: NaN, soonestBy: 'patience', latestSeconds: NaN, latestBy: 'epochs' }), '-');
  });

  it('formats durations as m:ss or h:mm:ss', () => {
    assert.equal(formatDuration(0), '0:00');
    assert.equal(formatDuration(75), '1:15');
    assert.equal(formatDuration(3725), '1:02:05');
    assert.equal(formatDuration(Infinity), '-');
  });
});
