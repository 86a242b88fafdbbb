/**
 * Tests of optim/fit.ts: `fit` solves linear regression (to the known
 * weights) and a two-class problem (to high validation accuracy); the
 * history holds one entry per epoch, each the example-weighted mean of the
 * batch values (Keras' reporting); early stopping with patience returns the
 * best epoch's parameters on a problem whose validation loss falls and then
 * rises; callbacks, keys, augmentation, model state, resuming and errors.
 */
import { assert, describe, it } from "./lib/test.ts";
import {
  add,
  arange,
  layers,
  logSoftmax,
  matmul,
  max,
  mean,
  metrics,
  mul,
  neg,
  oneHot,
  optim,
  random,
  reshape,
  scalar,
  ShapeError,
  square,
  sub,
  sum,
  type Tensor,
  tensor,
  tree,
  ValueError,
  zeros,
} from "../mod.ts";
import { earlyStopper } from "../optim/early_stopping.ts";

type Linear = { readonly w: Tensor; readonly b: Tensor };
const affine = (p: Linear, x: Tensor) => add(matmul(x, p.w), p.b);
const mseLoss = (p: Linear, x: Tensor, y: Tensor) => mean(square(sub(affine(p, x), y)));
const crossEntropy = (logits: Tensor, labels: Tensor) =>
  neg(mean(sum(mul(logSoftmax(logits, -1), oneHot(labels, logits.shape[1])), -1)));

/** y = x·[2, −3]ᵀ + 0.5, no noise. */
const regression = (n: number, seed = 0) => {
  const x = random.uniform(random.key(seed), [n, 2], { minval: -1, maxval: 1 });
  return { x, y: add(matmul(x, tensor([[2], [-3]])), 0.5) };
};
/** Two Gaussian blobs in 2-D around (−1.5, −1.5) and (1.5, 1.5), labels 0 and 1. */
const blobs = (n: number, seed: number) => {
  const [k1, k2] = random.split(random.key(seed));
  const labels = random.randint(k1, [n], 0, 2);
  const centre = mul(sub(mul(reshape(tensor(labels.toTypedArray(), { dtype: "float32" }), [n, 1]), 2), 1), 1.5);
  return { x: add(random.normal(k2, [n, 2]), centre), y: labels };
};
const logistic = layers.statelessLayer<Linear>({
  name: "logistic",
  init: (key, shape) => ({
    params: { w: random.normal(key, [shape[1], 2], { std: 0.1 }), b: zeros([2]) },
    state: {},
    outputShape: [shape[0], 2],
  }),
  apply: affine,
});
const same = (a: Tensor, b: Tensor) => JSON.stringify(a.toArray()) === JSON.stringify(b.toArray());

describe("fit trains", () => {
  it("linear regression (a loss over the parameters) reaches the known weights", () => {
    const { params, history, stoppedEarly, bestEpoch } = optim.fit({
      params: { w: zeros([2, 1]), b: zeros([1]) },
      loss: mseLoss,
      optimizer: optim.sgd(0.3),
      data: regression(200),
      batchSize: 20,
      epochs: 30,
      progress: false,
    });
    assert.deepEqual(Object.keys(history), ["loss"]);
    assert.equal(history.loss.length, 30);
    assert.ok(history.loss[29] < 1e-8 && history.loss[0] > 0.1, `${history.loss[0]} → ${history.loss[29]}`);
    const [w0, w1] = params.w.toTypedArray();
    assert.ok(Math.abs(w0 - 2) < 1e-4 && Math.abs(w1 + 3) < 1e-4 && Math.abs(params.b.item() - 0.5) < 1e-4);
    assert.deepEqual([stoppedEarly, bestEpoch], [false, 29]);
  });

  it("a two-class problem (a model) reaches high validation accuracy, with the history of every epoch", () => {
    const train = blobs(400, 1), val = blobs(200, 2);
    const { params, state } = logistic.init(random.key(3), [1, 2]);
    const result = optim.fit({
      model: logistic,
      params,
      state,
      loss: crossEntropy,
      optimizer: optim.adam(0.05),
      data: train,
      validation: val,
      metrics: { accuracy: metrics.accuracy },
      batchSize: 32,
      epochs: 8,
      progress: false,
    });
    const h = result.history;
    assert.deepEqual(Object.keys(h), ["loss", "accuracy", "valLoss", "valAccuracy"]);
    for (const k of Object.keys(h)) assert.equal(h[k].length, 8, k);
    assert.ok(h.valAccuracy[7] > 0.95, `val accuracy ${h.valAccuracy[7]}`);
    assert.ok(h.loss[7] < h.loss[0]);
    // The validation figures are those of the returned parameters on the whole validation set.
    const logits = logistic.apply(result.params, val.x);
    assert.ok(Math.abs(h.valLoss[7] - crossEntropy(logits, val.y).item()) < 1e-5);
    assert.ok(Math.abs(h.valAccuracy[7] - metrics.accuracy(logits, val.y).item()) < 1e-6);
  });

  it("the loss form computes metrics with predict", () => {
    const train = blobs(100, 4);
    const r = optim.fit({
      params: { w: zeros([2, 2]), b: zeros([2]) },
      loss: (p: Linear, x: Tensor, y: Tensor) => crossEntropy(affine(p, x), y),
      predict: affine,
      metrics: { acc: metrics.accuracy },
      optimizer: optim.sgd(0.5),
      data: train,
      validation: train,
      epochs: 3,
      progress: false,
    });
    assert.deepEqual(Object.keys(r.history), ["loss", "acc", "valLoss", "valAcc"]);
    assert.ok(r.history.valAcc[2] > 0.9);
  });
});

describe("fit's history", () => {
  it("each epoch's loss is the example-weighted mean of its batch losses (50 examples in 16 + 16 + 16 + 2)", () => {
    const batchLosses: [number, number, number][] = [];
    const r = optim.fit({
      params: { w: zeros([2, 1]), b: zeros([1]) },
      loss: mseLoss,
      optimizer: optim.sgd(0.1),
      data: regression(50),
      batchSize: 16,
      epochs: 3,
      progress: false,
      callbacks: { onBatchEnd: (_s, i) => batchLosses.push([i.epoch, i.loss.item(), i.size]) },
    });
    assert.deepEqual(batchLosses.map(([, , s]) => s), [16, 16, 16, 2, 16, 16, 16, 2, 16, 16, 16, 2]);
    for (let e = 0; e < 3; e++) {
      const rows = batchLosses.filter(([ep]) => ep === e);
      const expected = rows.reduce((a, [, l, s]) => a + l * s, 0) / 50;
      assert.ok(Math.abs(r.history.loss[e] - expected) < 1e-12, `epoch ${e}`);
    }
  });

  it("epochs: 0 returns the initial parameters and an empty history", () => {
    const params = { w: zeros([2, 1]), b: zeros([1]) };
    const r = optim.fit({
      params,
      loss: mseLoss,
      optimizer: optim.sgd(0.1),
      data: regression(8),
      epochs: 0,
      progress: false,
    });
    assert.equal(r.params, params);
    assert.deepEqual([r.history.loss, r.bestEpoch, r.stoppedEarly], [[], -1, false]);
  });
});

describe("fit's early stopping", () => {
  // Training pulls w from 0 towards 2 (y = 2x); the validation data follow y = x, so the
  // validation loss (w − 1)²·E[x²] falls until w passes 1 and rises after.
  const x = reshape(arange(1, 21), [20, 1]);
  const run = (earlyStopping: optim.EarlyStoppingOptions, epochs = 40) => {
    const seen: Linear[] = [];
    const result = optim.fit({
      params: { w: zeros([1, 1]), b: zeros([1]) },
      loss: (p: Linear, xb: Tensor, yb: Tensor) => mean(square(sub(matmul(xb, p.w), yb))),
      optimizer: optim.sgd(1e-4),
      data: { x, y: mul(x, 2) },
      validation: { x, y: x },
      batchSize: 20,
      epochs,
      progress: false,
      earlyStopping,
      callbacks: { onEpochEnd: (_e, _logs, now) => void seen.push(now.params as Linear) },
    });
    return { ...result, seen };
  };

  it("stops after `patience` epochs without improvement and returns the best epoch's parameters", () => {
    const r = run({ patience: 3 });
    const v = r.history.valLoss;
    const argmin = v.indexOf(Math.min(...v));
    assert.ok(argmin > 0 && argmin < v.length - 1, `the constructed case falls, then rises (best ${argmin})`);
    assert.ok(v[argmin + 1] > v[argmin] && v[argmin - 1] > v[argmin]);
    assert.equal(r.bestEpoch, argmin);
    assert.equal(r.stoppedEarly, true);
    assert.equal(v.length, argmin + 1 + 3, "three epochs of patience after the best");
    assert.equal(r.params, r.seen[argmin], "the best epoch's parameters, not the last");
    assert.ok(Math.abs((r.params.w.item()) - 1) < Math.abs(r.seen[r.seen.length - 1].w.item() - 1));
  });

  it("patience 0 stops at the first epoch that does not improve; restoreBest false returns the last", () => {
    const r0 = run({ patience: 0 });
    assert.equal(r0.history.valLoss.length, r0.bestEpoch + 2);
    const last = run({ patience: 2, restoreBest: false });
    assert.equal(last.params, last.seen[last.seen.length - 1]);
    assert.equal(last.bestEpoch, last.history.loss.length - 1);
  });

  it("a large minDelta stops earlier; monitor on the training loss never stops here", () => {
    const strict = run({ patience: 1, minDelta: 1e3 });
    assert.ok(strict.history.loss.length < run({ patience: 1 }).history.loss.length);
    const onTrain = run({ monitor: "loss", patience: 1 }, 15);
    assert.deepEqual([onTrain.stoppedEarly, onTrain.bestEpoch, onTrain.history.loss.length], [false, 14, 15]);
  });

  it("rejects a monitor that is not recorded, naming what is", () => {
    assert.throws(
      () => run({ monitor: "valAccuracy" }),
      /fit: earlyStopping.monitor "valAccuracy" is not recorded; the history has loss, valLoss/,
    );
    assert.throws(() => run({ patience: -1 }), /patience must be an integer ≥ 0/);
  });
});

describe("early stopping rules (Keras' EarlyStopping, step by step)", () => {
  const verdicts = (opts: optim.EarlyStoppingOptions, values: number[], name = "valLoss") => {
    const s = earlyStopper({ monitor: name, ...opts }, ["loss", name]);
    return values.map((v) => {
      const r = s.observe({ [name]: v });
      return r.stop ? "stop" : r.improved ? "best" : "wait";
    });
  };
  it("min mode: an improvement must beat the best by more than minDelta", () => {
    assert.deepEqual(verdicts({ patience: 2 }, [5, 4, 4, 3, 3.5, 3.1, 2]), [
      "best",
      "best",
      "wait",
      "best",
      "wait",
      "stop",
      "best",
    ]);
    assert.deepEqual(verdicts({ patience: 2, minDelta: 0.5 }, [5, 4.6, 4.7, 3]), ["best", "wait", "stop", "best"]);
  });
  it("max mode, and auto picks it for accuracies", () => {
    assert.deepEqual(verdicts({ mode: "max", patience: 1 }, [0.5, 0.7, 0.6]), ["best", "best", "stop"]);
    assert.deepEqual(verdicts({ patience: 1 }, [0.5, 0.7, 0.6], "valAccuracy"), ["best", "best", "stop"]);
    assert.deepEqual(verdicts({ patience: 1 }, [0.5, 0.7, 0.6]), ["best", "stop", "stop"]); // a loss: min
  });
  it("NaN never improves; patience 0 behaves as 1", () => {
    assert.deepEqual(verdicts({ patience: 3 }, [NaN, 1, NaN, NaN, NaN]), ["wait", "best", "wait", "wait", "stop"]);
    assert.deepEqual(verdicts({ patience: 0 }, [1, 2]), verdicts({ patience: 1 }, [1, 2]));
  });
  it("rejects bad options", () => {
    assert.throws(() => earlyStopper({ minDelta: -1 }, ["loss"]), /minDelta must be a number ≥ 0/);
    assert.throws(() => earlyStopper({ mode: "up" as "min" }, ["loss"]), /mode must be "min", "max" or "auto"/);
  });
});

describe("fit's callbacks, keys and augmentation", () => {
  const base = () => ({
    params: { w: zeros([2, 1]), b: zeros([1]) },
    optimizer: optim.sgd(0.1),
    data: regression(40),
    batchSize: 10,
    progress: false as const,
  });

  it('callbacks hear every epoch and batch; onEpochEnd returning "stop" ends training', () => {
    const events: string[] = [];
    let final: unknown;
    const r = optim.fit({
      ...base(),
      loss: mseLoss,
      epochs: 5,
      callbacks: [
        {
          onEpochBegin: (e) => events.push(`begin ${e}`),
          onBatchEnd: (s, i) => events.push(`batch ${s} (${i.epoch}.${i.batch})`),
          onEpochEnd: (e, logs) => {
            events.push(`end ${e} ${Object.keys(logs)}`);
            return e === 1 ? "stop" : undefined;
          },
        },
        { onTrainEnd: (result) => (final = result) },
      ],
    });
    assert.deepEqual(events.slice(0, 6), [
      "begin 0",
      "batch 0 (0.0)",
      "batch 1 (0.1)",
      "batch 2 (0.2)",
      "batch 3 (0.3)",
      "end 0 loss",
    ]);
    assert.equal(events.at(-1), "end 1 loss");
    assert.deepEqual([r.history.loss.length, r.stoppedEarly], [2, true]);
    assert.equal(final, r);
  });

  it("the same key gives the same run; another key another shuffle", () => {
    const go = (seed: number) => optim.fit({ ...base(), loss: mseLoss, epochs: 2, key: random.key(seed) });
    const [a, b, c] = [go(1), go(1), go(2)];
    assert.deepEqual(a.history, b.history);
    assert.ok(same(a.params.w, b.params.w));
    assert.notDeepEqual(a.history.loss, c.history.loss);
  });

  it("shuffles each epoch with foldIn(split(key, 4)[0], epoch), or keeps the order with shuffle: false", () => {
    const firstRows = (shuffle: boolean) => {
      const rows: number[][] = [];
      optim.fit({
        ...base(),
        data: { x: reshape(arange(40), [40, 1]), y: zeros([40, 1]) },
        params: { w: zeros([1, 1]), b: zeros([1]) },
        loss: (p: Linear, x: Tensor, y: Tensor) => {
          rows.push((x.toArray() as number[][]).map(([v]) => v));
          return mseLoss(p, x, y);
        },
        epochs: 2,
        shuffle,
        key: random.key(5),
      });
      return rows;
    };
    const inOrder = firstRows(false);
    assert.deepEqual(inOrder[0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(inOrder[4], inOrder[0]);
    const shuffled = firstRows(true);
    const k0 = random.split(random.key(5), 4)[0];
    for (const e of [0, 1]) {
      const want = random.permutation(random.foldIn(k0, e), 40).toArray() as number[];
      assert.deepEqual(shuffled.slice(4 * e, 4 * e + 4).flat(), want, `epoch ${e}`);
    }
  });

  it("ctx: training true with a fresh key per step; false in validation", () => {
    const seen: { training: boolean; epoch: number; step: number; key: string }[] = [];
    optim.fit({
      ...base(),
      loss: (p: Linear, x: Tensor, y: Tensor, ctx: optim.FitContext) => {
        seen.push({ training: ctx.training, epoch: ctx.epoch, step: ctx.step, key: String(ctx.key) });
        return mseLoss(p, x, y);
      },
      validation: regression(10, 1),
      epochs: 2,
      key: random.key(9),
    });
    const train = seen.filter((s) => s.training);
    assert.deepEqual(train.map((s) => s.step), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(train.map((s) => s.epoch), [0, 0, 0, 0, 1, 1, 1, 1]);
    assert.equal(new Set(train.map((s) => s.key)).size, 8, "a new key every step");
    const k1 = random.split(random.key(9), 4)[1];
    assert.equal(train[5].key, String(random.foldIn(k1, 5)));
    assert.deepEqual(seen.filter((s) => !s.training).map((s) => s.epoch), [0, 1]);
  });

  it("augment changes training batches only, with a new key per step", () => {
    const maxima: [boolean, number][] = [];
    const keys = new Set<string>();
    optim.fit({
      ...base(),
      data: { x: zeros([20, 2]), y: zeros([20, 1]) },
      validation: { x: zeros([5, 2]), y: zeros([5, 1]) },
      augment: (k, x) => {
        keys.add(String(k));
        return add(x, 100);
      },
      loss: (p: Linear, x: Tensor, y: Tensor, ctx: optim.FitContext) => {
        maxima.push([ctx.training, max(x).item()]);
        return mseLoss(p, x, y);
      },
      epochs: 2,
    });
    assert.ok(maxima.filter(([t]) => t).every(([, m]) => m === 100));
    assert.ok(maxima.filter(([t]) => !t).every(([, m]) => m === 0));
    assert.equal(keys.size, 4);
  });
});

describe("fit with a stateful model", () => {
  // Counts the training calls in its state (as batch norm updates running statistics).
  const counter = layers.statefulLayer<Linear, { n: Tensor }>({
    name: "counter",
    init: (key, shape) => ({ ...logistic.init(key, shape), state: { n: scalar(0) } }),
    applyWithState: (p, s, x, ctx) => [affine(p, x), ctx?.training ? { n: add(s.n, 1) } : s],
  });

  it("threads the state from step to step and returns it; validation leaves it alone", () => {
    const { params, state } = counter.init(random.key(0), [1, 2]);
    const r = optim.fit({
      model: counter,
      params,
      state,
      loss: crossEntropy,
      optimizer: optim.sgd(0.1),
      data: blobs(40, 0),
      validation: blobs(10, 1),
      batchSize: 10,
      epochs: 3,
      progress: false,
    });
    assert.equal(r.state.n.item(), 12);
    assert.equal(state.n.item(), 0, "the initial state is not changed");
  });

  it("asks for the state when a stateful model gets none", () => {
    const { params } = counter.init(random.key(0), [1, 2]);
    assert.throws(
      () =>
        optim.fit({
          model: counter,
          params,
          loss: crossEntropy,
          optimizer: optim.sgd(0.1),
          data: blobs(4, 0),
          progress: false,
        }),
      /fit: model counter has state: pass state/,
    );
  });
});

describe("fit resumes and does not mutate", () => {
  it("2 + 2 epochs with the returned optState equal 4 epochs (full batches, Adam's count carried over)", () => {
    const common = {
      loss: mseLoss,
      optimizer: optim.adam(0.05),
      data: regression(32),
      batchSize: 32,
      progress: false as const,
    };
    const init = { w: zeros([2, 1]), b: zeros([1]) };
    const four = optim.fit({ ...common, params: init, epochs: 4 });
    const two = optim.fit({ ...common, params: init, epochs: 2 });
    const more = optim.fit({ ...common, params: two.params, optState: two.optState, epochs: 2 });
    assert.ok(same(more.params.w, four.params.w) && same(more.params.b, four.params.b));
    const onlyParams = optim.fit({ ...common, params: two.params, epochs: 2 });
    assert.ok(!same(onlyParams.params.w, four.params.w), "a fresh Adam state differs");
  });

  it("leaves the initial parameters and the data as they were", () => {
    const params = { w: tensor([[0.5], [0.5]]), b: zeros([1]) };
    const d = regression(16);
    const before = [params.w, params.b, d.x, d.y].map((t) => t.toTypedArray());
    optim.fit({ params, loss: mseLoss, optimizer: optim.sgd(0.1), data: d, epochs: 2, progress: false });
    assert.deepEqual([params.w, params.b, d.x, d.y].map((t) => t.toTypedArray()), before);
  });
});

describe("fit's errors", () => {
  const ok = {
    params: { w: zeros([2, 1]), b: zeros([1]) },
    loss: mseLoss,
    optimizer: optim.sgd(0.1),
    progress: false as const,
  };
  it("names the problem", () => {
    assert.throws(
      () => optim.fit({ ...ok, data: { x: zeros([5, 2]), y: zeros([4, 1]) } }),
      (e: unknown) => e instanceof ShapeError && /^fit: leading sizes differ: x has 5/.test(e.message),
    );
    assert.throws(
      () => optim.fit({ ...ok, data: regression(4), batchSize: 0 }),
      /fit: batchSize must be a positive integer/,
    );
    assert.throws(() => optim.fit({ ...ok, data: regression(4), epochs: -1 }), /fit: epochs must be an integer ≥ 0/);
    assert.throws(
      () => optim.fit({ ...ok, data: regression(4), batchSize: 8, dropLast: true }),
      /dropLast leaves no batch/,
    );
    assert.throws(
      () => optim.fit({ ...ok, data: regression(4), metrics: { mse: metrics.mse } }),
      /fit: metrics need predictions: pass predict/,
    );
    assert.throws(
      () => optim.fit({ ...ok, data: regression(4), predict: affine, metrics: { loss: metrics.mse } }),
      /metric name "loss" clashes/,
    );
    assert.throws(
      () => optim.fit({ ...ok, data: regression(4), optimizer: {} as optim.GradientTransformation }),
      ValueError,
    );
    assert.throws(
      () => optim.fit({ ...ok, data: { x: zeros([0, 2]), y: zeros([0, 1]) } }),
      /fit: data has no examples/,
    );
  });

  it("tree.map keeps working on the result (it is a plain tree)", () => {
    const r = optim.fit({ ...ok, data: regression(4) });
    assert.deepEqual(tree.map((t: Tensor) => t.shape, r.params as Linear), { w: [2, 1], b: [1] });
  });
});
