import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { checkFlowOptions, flowFromOptions, FLOW_KINDS } from '../../src/cli/flow-from-options.ts';
import { UsageError } from '../../src/cli/usage-error.ts';
import { randomMatrix } from '../helpers/numeric.ts';

describe('flowFromOptions', () => {
  it('builds every --flow kind, conditional too, with finite log-densities', () => {
    const x = randomMatrix(5, 3, new Rng(1), 1, 'float32');
    const context = randomMatrix(5, 2, new Rng(2), 1, 'float32');
    for (const kind of FLOW_KINDS) {
      for (const contextFeatures of [0, 2]) {
        const flow = flowFromOptions({ kind, features: 3, contextFeatures, layers: 2, hiddenUnits: [8, 8], components: 3, seed: 1 });
        assert.equal(flow.features, 3, kind);
        assert.equal(flow.contextFeatures, contextFeatures, kind);
        const lp = flow.logProb(x, contextFeatures === 0 ? {} : { context });
        assert.ok(lp.every(Number.isFinite), `${kind} (context ${contextFeatures})`);
      }
    }
  });

  it('the seed decides the initial weights', () => {
    const x = randomMatrix(3, 2, new Rng(3), 1, 'float32');
    const spec = { kind: 'maf' as const, features: 2, contextFeatures: 0, layers: 2, hiddenUnits: [8, 8] };
    const a = flowFromOptions({ ...spec, seed: 1 }).logProb(x);
    assert.deepEqual(flowFromOptions({ ...spec, seed: 1 }).logProb(x), a);
    assert.notDeepEqual(flowFromOptions({ ...spec, seed: 2 }).logProb(x), a);
  });

  it('turns impossible architectures into usage errors', () => {
    assert.throws(() => flowFromOptions({ kind: 'realnvp', features: 1, contextFeatures: 0 }), UsageError);
    assert.throws(() => flowFromOptions({ kind: 'maf', features: 2, contextFeatures: 0, residual: true, hiddenUnits: [8, 4] }),
      (error: Error) => error instanceof UsageError && /--flow maf: /.test(error.message));
  });
});

describe('checkFlowOptions', () => {
  it('accepts options that apply and names the ones that do not', () => {
    checkFlowOptions('maf', ['layers', 'batchNorm', 'residual', 'order']);
    checkFlowOptions('made-mog', ['components', 'residual']);
    assert.throws(() => checkFlowOptions('made', ['layers']), /--layers does not apply to --flow made/);
    // maf takes --components with --base mog (transform-options.ts checks the base).
    checkFlowOptions('maf', ['components']);
    assert.throws(() => checkFlowOptions('made', ['components']), /--components does not apply to --flow made \(it applies to: maf-mog, made-mog, maf, iaf, realnvp, nsf\)/);
    assert.throws(() => checkFlowOptions('realnvp', ['order']), UsageError);
  });
});
