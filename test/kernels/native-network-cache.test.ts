/**
 * The native backend reads a frozen `StaircaseNetwork` once and keeps what it read on the object; a network that is
 * not frozen is read at every call. Either way the typed arrays' contents are read at every call, and a MADE hands the
 * kernels one frozen network for as long as its parameter arrays are the ones the network holds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { withBackend } from '../../src/kernels/backend.ts';
import type { Kernels, StaircaseNetwork, StaircaseTrainForwardOp } from '../../src/kernels/kernels.ts';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { matrix } from '../../src/core/matrix.ts';

const native = loadNativeBackend();

/** A one-hidden-layer network of 2 features whose `features` getter counts its reads. */
function countedNetwork(freeze: boolean): { network: StaircaseNetwork; reads: () => number; bias: Float32Array } {
  let reads = 0;
  const layer = (inDim: number, outDim: number, prefix: number[]) => ({
    inDim, outDim, weight: Float32Array.from({ length: inDim * outDim }, (_, i) => 0.1 * Math.sin(i + 1)),
    prefix: Int32Array.from(prefix), bias: new Float32Array(outDim).fill(0.05), contextWeight: null,
  });
  const hidden = { ...layer(2, 4, [1, 1, 1, 1]), activation: 'tanh' as const, degreeStarts: Int32Array.from([0, 4, 4]) };
  const output = layer(4, 4, [0, 0, 4, 4]);
  const network = {
    get features() { reads++; return 2; },
    contextFeatures: 0, hidden: [hidden], output, residual: false,
    transformer: { kind: 'affine' as const, logScaleBound: 5, shiftOnly: false },
  };
  if (freeze) [hidden, output, network.hidden, network.transformer, network].forEach((o) => Object.freeze(o));
  return { network, reads: () => reads, bias: output.bias };
}

function parallel(k: Kernels, network: StaircaseNetwork): number[] {
  const output = new Float32Array(6);
  const logDet = new Float64Array(3);
  k.staircaseParallel({ network, batch: 3, context: null, input: Float32Array.from([0.3, -1, 2, 0.5, -0.2, 1.1]), output, logDet });
  return [...output, ...logDet];
}

describe('native StaircaseNetwork cache', () => {
  // The addon is built by `npm ci`: a backend that cannot load fails here with its reason.
  if (!native.ok) throw new Error(`native backend unavailable: ${native.reason}`);
  const k = native.kernels;

  it('reads a frozen network once, and its arrays\' contents at every call', () => {
    const frozen = countedNetwork(true);
    const open = countedNetwork(false);
    for (let call = 0; call < 3; call++) {
      assert.deepEqual(parallel(k, frozen.network), parallel(k, open.network));
      frozen.bias[2] += 0.5;   // feature 1's parameters change in place, which the next call must see
      open.bias[2] += 0.5;
    }
    assert.equal(frozen.reads(), 1);
    assert.equal(open.reads(), 3);
  });

  it('reads a network that is not frozen at every call, so a replaced array is seen', () => {
    const { network } = countedNetwork(false);
    const before = parallel(k, network);
    (network.output as { bias: Float32Array }).bias = new Float32Array(4).fill(-0.7);
    assert.notDeepEqual(parallel(k, network), before);
  });

  it('a MADE passes one frozen network while its parameter arrays stay', () => {
    const seen: StaircaseNetwork[] = [];
    const spy: Kernels = { ...k, staircaseTrainForward: (op: StaircaseTrainForwardOp) => { seen.push(op.network); k.staircaseTrainForward(op); } };
    const maf = new MaskedAutoregressiveFlow({ features: 3, hiddenUnits: [8, 8], dtype: 'float32', rng: new Rng(0) }).train();
    const x = matrix([[0.1, -0.5, 2], [1, 0.2, -0.3]]);
    const first = withBackend(spy, () => maf.inverseTrain(x).output.data.slice());
    withBackend(spy, () => maf.inverseTrain(x));
    assert.equal(seen.length, 2);
    assert.equal(seen[0], seen[1]);
    assert.ok(Object.isFrozen(seen[0]) && Object.isFrozen(seen[0].hidden) && Object.isFrozen(seen[0].output) &&
      seen[0].hidden.every(Object.isFrozen) && Object.isFrozen(seen[0].transformer));
    maf.made.output.bias.value[0] += 1;   // in place: the same network, and the new value is read
    const after = withBackend(spy, () => maf.inverseTrain(x).output.data);
    assert.equal(seen[2], seen[0]);
    assert.notEqual(after[0], first[0]);
  });
});
