/** Asserts that `run` throws the value check's `DataError` (code 'non-finite') with a message matching `pattern`. */
import assert from 'node:assert/strict';
import { DataError } from '../../src/core/data-error.ts';

export function assertNonFinite(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DataError, `a DataError, got ${String(error)}`);
    assert.equal(error.code, 'non-finite');
    assert.match(error.message, pattern);
    return true;
  });
}
