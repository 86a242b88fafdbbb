/**
 * Training checkpoints through files: `io.checkpointCallback` keeps the best
 * epoch's state on disk (Keras's save_best_only), and a run resumed from a
 * checkpoint file (`io.loadCheckpoint` into the model's and optimizer's own
 * structure, then `fit` with `initialEpoch`) continues the uninterrupted
 * run's loss curve bit for bit.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { assert, describe, it } from "./lib/test.ts";
import { io, layers, losses, optim, random, type Tensor, tensor, tree } from "../mod.ts";
import { SafetensorsError } from "../io/mod.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-ckpt-"));
const model = layers.sequential([layers.dense(16), layers.relu, layers.dropout(0.2), layers.dense(3)]);
const [kInit, kData, kFit] = random.split(random.key(11), 3);
const x = random.normal(kData, [90, 4]);
const y = random.randint(random.foldIn(kData, 1), [90], 0, 3);
const opt = optim.adam(1e-2);
const common = {
  model,
  loss: losses.softmaxCrossEntropy,
  optimizer: opt,
  data: { x, y },
  batchSize: 16,
  epochs: 6,
  key: kFit,
  progress: false,
} as const;
const bits = (t: unknown) => Array.from(new Uint8Array((t as Tensor).toTypedArray().slice().buffer));

describe("io: training checkpoints", () => {
  it("resumed from a checkpoint file after epoch 2, fit continues the same loss curve and ends at the same params", () => {
    const { params, state } = model.init(kInit, [16, 4]);
    const whole = optim.fit({ ...common, params, state });
    const file = path.join(dir, "run.safetensors");
    const first = optim.fit({ ...common, params, state, epochs: 3 });
    io.saveCheckpoint(file, first, 2);
    const template = { params, state, optState: opt.init(params) };
    const [loaded, info] = io.loadCheckpoint(file, template);
    assert.equal(info.epoch, 2);
    const rest = optim.fit({ ...common, ...loaded, initialEpoch: info.epoch + 1 });
    assert.deepEqual([...first.history.loss, ...rest.history.loss], whole.history.loss);
    assert.deepEqual(tree.leaves(rest.params).map(bits), tree.leaves(whole.params).map(bits));
  });

  it("checkpointCallback keeps the best epoch's parameters (monitor valLoss)", () => {
    const { params, state } = model.init(kInit, [16, 4]);
    const file = path.join(dir, "best.safetensors");
    const validation = { x: random.normal(random.foldIn(kData, 2), [30, 4]), y: random.randint(kData, [30], 0, 3) };
    const seen: Tensor[][] = [];
    const result = optim.fit({
      ...common,
      params,
      state,
      epochs: 8,
      validation,
      callbacks: [
        io.checkpointCallback(file),
        { onEpochEnd: (_e, _logs, now) => void seen.push(tree.leaves(now.params) as Tensor[]) },
      ],
    });
    const val = result.history.valLoss;
    const best = val.indexOf(Math.min(...val));
    const [loaded, info] = io.loadCheckpoint(file, { params, state, optState: opt.init(params) });
    assert.equal(info.epoch, best, `valLoss ${val}`);
    assert.equal(info.metadata.monitor, "valLoss");
    assert.deepEqual(tree.leaves(loaded.params).map(bits), seen[best].map(bits));
  });

  it("fit with a checkpointCallback keeps the model's parameter type: result.params goes back into model.apply", () => {
    // Before callbacks were NoInfer, the callback's default Tree widened P and this line did not type-check.
    const net = layers.sequential([layers.dense(8), layers.relu, layers.dense(3)]);
    const { params } = net.init(kInit, [16, 4]);
    const result = optim.fit({
      ...common,
      model: net,
      params,
      epochs: 1,
      callbacks: [io.checkpointCallback(path.join(dir, "typed.safetensors"), { everyEpoch: true })],
    });
    const out: Tensor = net.apply(result.params, x);
    assert.deepEqual(out.shape, [90, 3]);
  });

  it("a checkpoint of another model is a SafetensorsError naming the tensor", () => {
    const file = path.join(dir, "small.safetensors");
    const small = { params: { w: tensor([1, 2]) }, state: {}, optState: opt.init({ w: tensor([1, 2]) }) };
    io.saveCheckpoint(file, small, 0);
    const other = { params: { w: tensor([1, 2, 3]) }, state: {}, optState: opt.init({ w: tensor([1, 2, 3]) }) };
    assert.throws(
      () => io.loadCheckpoint(file, other),
      (e: unknown) =>
        e instanceof SafetensorsError && e.tensor === "params.w" && /float32\[2\].*float32\[3\]/.test(e.message),
    );
    const missing = { params: { w: tensor([1, 2]), v: tensor([0]) }, state: {}, optState: small.optState };
    assert.throws(
      () => io.loadCheckpoint(file, missing),
      (e: unknown) => e instanceof SafetensorsError && e.tensor === "params.v" && e.field === "name",
    );
  });
});
