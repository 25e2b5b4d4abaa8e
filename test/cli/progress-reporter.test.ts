import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextBuffer } from '../../src/cli/cli-io.ts';
import { createProgressReporter, formatDuration } from '../../src/cli/progress-reporter.ts';

const epochEvent = {
  epoch: 3, step: 30, trainLoss: 1.23456, validationLogLik: -1.3, bestEpoch: 2, bestValidationLogLik: -1.25,
  patienceCounter: 1, rowsPerSecond: 12345.6, etaSeconds: 75, seconds: 4,
  remaining: { soonestSeconds: 75, soonestBy: 'epochs', latestSeconds: 75, latestBy: 'epochs' },
} as const;

describe('progress reporter', () => {
  it('writes one plain log line per epoch when stderr is not a terminal', () => {
    const stderr = new TextBuffer();
    const progress = createProgressReporter({ stdout: new TextBuffer(), stderr, stderrIsTTY: false }, { epochs: 10, stepsPerEpoch: 10 });
    progress.onStep({ epoch: 3, step: 29, loss: 1.2, gradNorm: 1, learningRate: 1e-3, rowsPerSecond: 1e4, etaSeconds: 80,
      remaining: { soonestSeconds: 80, soonestBy: 'epochs', latestSeconds: 80, latestBy: 'epochs' } });
    assert.equal(stderr.text(), '', 'steps are not logged');
    progress.onEpoch(epochEvent);
    progress.onEpoch({ ...epochEvent, epoch: 4, validationLogLik: NaN });
    progress.stop();
    const lines = stderr.text().trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.equal(lines[0], 'epoch 3/10  train loss 1.2346  val ll -1.3000  best -1.2500 (epoch 2)  12,346 rows/s  ETA 1:15');
    assert.doesNotMatch(lines[1], /val ll/, 'no validation set, no validation column');
  });

  it('formats durations as m:ss or h:mm:ss', () => {
    assert.equal(formatDuration(0), '0:00');
    assert.equal(formatDuration(75), '1:15');
    assert.equal(formatDuration(3725), '1:02:05');
    assert.equal(formatDuration(Infinity), '-');
  });
});
