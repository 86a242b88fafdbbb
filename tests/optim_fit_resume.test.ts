/**
 * Resuming `fit` with `initialEpoch`: a run interrupted after epoch k and
 * resumed from its parameters, model state and optimizer state (same key,
 * same `epochs`) continues the uninterrupted run's loss curve and ends at the
 * same parameters, bit for bit: shuffling, `ctx.key` (dropout here) and the
 * step count all depend only on the epoch and step indices.
 */
import { assert, describe, it } from "./lib/test.ts";
import { layers, losses, optim, random, type Tensor, tree, ValueError } from "../mod.ts";

const model = layers.sequential([layers.dense(16), layers.relu, layers.dropout(0.2), layers.dense(3)]);
const [kInit, kData, kFit] = random.split(random.key(7), 3);
const x = random.normal(kData, [90, 4]);
const y = random.randint(random.foldIn(kData, 1), [90], 0, 3);
const common = {
  model,
  loss: losses.softmaxCrossEntropy,
  optimizer: optim.adam(1e-2),
  data: { x, y },
  batchSize: 16, // 6 steps per epoch, the last one of 10
  epochs: 6,
  key: kFit,
  progress: false,
} as const;
const bits = (t: Tensor) => Array.from(new Uint8Array((t.toTypedArray() as Float32Array).slice().buffer));

describe("fit: resuming with initialEpoch", () => {
  it("3 epochs, then 3 more from the saved state, equal 6 uninterrupted (history and params bit for bit)", () => {
    const { params, state } = model.init(kInit, [16, 4]);
    const whole = optim.fit({ ...common, params, state });
    const first = optim.fit({ ...common, params, state, epochs: 3 });
    const rest = optim.fit({
      ...common,
      params: first.params,
      state: first.state,
      optState: first.optState,
      initialEpoch: 3,
    });
    assert.equal(whole.history.loss.length, 6);
    assert.deepEqual([...first.history.loss, ...rest.history.loss], whole.history.loss);
    assert.deepEqual(
      tree.leaves(rest.params).map((t) => bits(t as Tensor)),
      tree.leaves(whole.params).map((t) => bits(t as Tensor)),
    );
    assert.equal(rest.bestEpoch, 5, "bestEpoch counts from the run's first epoch, not the resumed one");
  });

  it("without initialEpoch the resumed run differs (the keys of epochs 0-2 repeat)", () => {
    const { params, state } = model.init(kInit, [16, 4]);
    const whole = optim.fit({ ...common, params, state });
    const first = optim.fit({ ...common, params, state, epochs: 3 });
    const wrong = optim.fit({
      ...common,
      params: first.params,
      state: first.state,
      optState: first.optState,
      epochs: 3,
    });
    assert.notDeepEqual([...first.history.loss, ...wrong.history.loss], whole.history.loss);
  });

  it("an initialEpoch outside [0, epochs] is a ValueError naming it", () => {
    const { params, state } = model.init(kInit, [16, 4]);
    for (const bad of [-1, 7, 1.5]) {
      assert.throws(
        () => optim.fit({ ...common, params, state, initialEpoch: bad }),
        (e: unknown) =>
          e instanceof ValueError && /fit: .*initialEpoch must be an integer in \[0, epochs = 6\]/.test(e.message),
      );
    }
  });
});
