/**
 * Tests of metrics/: accuracy (argmax of scores, class indices, one-hot
 * targets: Keras' sparse_categorical_accuracy and categorical_accuracy),
 * binaryAccuracy (Keras' binary_accuracy, threshold 0.5), signAccuracy
 * (scikit-learn's decision: score > 0 is +1), mse and mae, against values
 * worked out by hand and against plain loops over random data.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { DTypeError, metrics, random, ShapeError, tensor } from "../mod.ts";

const int = (v: number[]) => tensor(v, { dtype: "int32" });

describe("accuracy", () => {
  it("by hand: argmax over the last axis against int32 labels", () => {
    const scores = tensor([[0.1, 0.7, 0.2], [0.5, 0.4, 0.1], [0.3, 0.3, 0.4], [0.9, 0.05, 0.05], [0, 1, 0]]);
    assert.equal(metrics.accuracy(scores, int([1, 0, 2, 1, 0])).item(), Math.fround(3 / 5));
    assert.equal(metrics.accuracy(scores, int([1, 0, 2, 0, 1])).item(), 1);
    assert.equal(metrics.accuracy(scores, int([0, 1, 0, 1, 0])).item(), 0);
    assert.equal(metrics.accuracy(scores, int([1, 0, 2, 0, 1])).dtype, "float32");
  });

  it("ties go to the first maximum (as argmax)", () => {
    assert.equal(metrics.accuracy(tensor([[1, 1], [2, 2]]), int([0, 1])).item(), 0.5);
  });

  it("over extra leading axes (a sequence of predictions per example)", () => {
    const scores = tensor([[[1, 0], [0, 1]], [[0, 1], [0, 1]]]); // [2 examples, 2 steps, 2 classes]
    assert.equal(metrics.accuracy(scores, tensor([[0, 1], [0, 0]], { dtype: "int32" })).item(), 0.5);
  });

  it("int32 class predictions are compared directly; one-hot labels by their argmax", () => {
    assert.equal(metrics.accuracy(int([2, 0, 1, 1]), int([2, 0, 0, 1])).item(), 0.75);
    const scores = tensor([[0.2, 0.8], [0.6, 0.4]]);
    assert.equal(metrics.accuracy(scores, tensor([[0, 1], [0, 1]])).item(), 0.5);
  });

  it("matches a plain loop over random scores and labels", () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 2, max: 6 }), fc.nat(1000), (n, c, seed) => {
        const [k1, k2] = random.split(random.key(seed));
        const scores = random.normal(k1, [n, c]);
        const labels = random.randint(k2, [n], 0, c);
        const s = scores.toArray() as number[][];
        const l = labels.toArray() as number[];
        const hits = s.filter((row, i) => row.indexOf(Math.max(...row)) === l[i]).length;
        assert.equal(metrics.accuracy(scores, labels).item(), Math.fround(hits / n));
      }),
      { numRuns: 50 },
    ));

  it("says what to use instead for mismatched shapes, one column, or float labels with class indices", () => {
    assert.throws(
      () => metrics.accuracy(tensor([[0.3], [0.8]]), int([0, 1])),
      /one output per example; use binaryAccuracy/,
    );
    assert.throws(
      () => metrics.accuracy(tensor([[1, 0, 0]]), int([0, 1])),
      (e: unknown) =>
        e instanceof ShapeError && /expected pred of shape \[\.\.\.labels\.shape, classes\]/.test(e.message),
    );
    assert.throws(
      () => metrics.accuracy(tensor([0.9, 0.2]), tensor([1, 0])),
      /for one probability per example use binaryAccuracy/,
    );
    assert.throws(() => metrics.accuracy(tensor([[1, 0]]), tensor([true], { dtype: "bool" })), DTypeError);
    assert.throws(() => metrics.accuracy(int([1, 0]), int([1, 0, 1])), /class indices must match labels/);
  });
});

describe("binaryAccuracy", () => {
  it("by hand: probabilities above 0.5 are class 1; labels int32, float or bool; [N, 1] against [N]", () => {
    const p = tensor([0.9, 0.2, 0.6, 0.4, 0.5]);
    assert.equal(metrics.binaryAccuracy(p, int([1, 0, 0, 0, 0])).item(), Math.fround(4 / 5)); // 0.5 is not above 0.5
    assert.equal(metrics.binaryAccuracy(p, tensor([1, 0, 1, 0, 0])).item(), 1);
    assert.equal(metrics.binaryAccuracy(p, tensor([true, false, true, false, false])).item(), 1);
    assert.equal(metrics.binaryAccuracy(tensor([[0.9], [0.2]]), int([0, 0])).item(), 0.5);
  });

  it("threshold 0 for logits", () => {
    assert.equal(metrics.binaryAccuracy(tensor([-3, 0.1, 2, -0.1]), int([0, 1, 1, 1]), { threshold: 0 }).item(), 0.75);
  });

  it("matches a plain loop", () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(1000), (n, seed) => {
        const [k1, k2] = random.split(random.key(seed));
        const p = random.uniform(k1, [n]);
        const y = random.randint(k2, [n], 0, 2);
        const pv = p.toArray() as number[], yv = y.toArray() as number[];
        const hits = pv.filter((v, i) => (v > 0.5 ? 1 : 0) === yv[i]).length;
        assert.equal(metrics.binaryAccuracy(p, y).item(), Math.fround(hits / n));
      }),
      { numRuns: 40 },
    ));

  it("rejects shapes that do not match", () => {
    assert.throws(
      () => metrics.binaryAccuracy(tensor([[0.1, 0.9]]), int([1])),
      /binaryAccuracy: pred \[1,2\] does not match labels \[1\]/,
    );
    assert.throws(() => metrics.binaryAccuracy(int([1]), int([1])), DTypeError);
  });
});

describe("signAccuracy", () => {
  it("by hand: score > 0 predicts +1, score ≤ 0 predicts −1 (scikit-learn's rule)", () => {
    const s = tensor([0.3, -2, 0, 5, -0.5]);
    assert.equal(metrics.signAccuracy(s, tensor([1, -1, -1, 1, -1])).item(), 1);
    assert.equal(metrics.signAccuracy(s, tensor([1, -1, 1, -1, -1])).item(), Math.fround(3 / 5));
    assert.equal(metrics.signAccuracy(tensor([[1], [-1]]), int([1, 1])).item(), 0.5);
    assert.throws(() => metrics.signAccuracy(s, tensor([true, false, true, false, true])), DTypeError);
  });
});

describe("mse and mae", () => {
  it("by hand", () => {
    assert.equal(metrics.mse(tensor([1, 2, 3, 4]), tensor([2, 2, 5, 0])).item(), (1 + 0 + 4 + 16) / 4);
    assert.equal(metrics.mae(tensor([1, 2, 3, 4]), tensor([2, 2, 5, 0])).item(), (1 + 0 + 2 + 4) / 4);
    assert.equal(metrics.mse(tensor([[1, 2], [3, 4]]), tensor([[1, 2], [3, 4]])).item(), 0);
  });

  it("match plain loops (float64)", () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(1000), (n, seed) => {
        const [k1, k2] = random.split(random.key(seed));
        const p = random.normal(k1, [n], { dtype: "float64" });
        const t = random.normal(k2, [n], { dtype: "float64" });
        const pv = p.toArray() as number[], tv = t.toArray() as number[];
        const se = pv.reduce((a, v, i) => a + (v - tv[i]) ** 2, 0) / n;
        const ae = pv.reduce((a, v, i) => a + Math.abs(v - tv[i]), 0) / n;
        assert.ok(Math.abs(metrics.mse(p, t).item() - se) <= 1e-14 * Math.max(1, se));
        assert.ok(Math.abs(metrics.mae(p, t).item() - ae) <= 1e-14 * Math.max(1, ae));
      }),
      { numRuns: 40 },
    ));

  it("refuse to broadcast [N, 1] against [N] (it would compare every pair)", () => {
    assert.throws(
      () => metrics.mse(tensor([[1], [2]]), tensor([1, 2])),
      (e: unknown) => e instanceof ShapeError && /^mse: pred \[2,1\] and target \[2\] differ in shape/.test(e.message),
    );
    assert.throws(() => metrics.mae(tensor([1, 2, 3]), tensor([1, 2])), /mae: pred \[3\] and target \[2\]/);
  });
});
