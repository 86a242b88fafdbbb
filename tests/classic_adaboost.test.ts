/**
 * AdaBoost (classic/adaboost.ts): two rounds computed by hand, the identities
 * of the algorithm (Freund & Schapire: the last learner's mistakes carry half
 * the new weight; training error ≤ Πₜ 2√(εₜ(1 − εₜ))), the stump search
 * against brute force, its fall of training error on a disk, and its edge
 * cases.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { adaBoost, type Stump, weakPredict } from "../classic/mod.ts";
import { random, ShapeError, type Tensor, tensor, ValueError } from "../mod.ts";

const f64 = { dtype: "float64" } as const;
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const rowsOf = (w: Tensor) => w.toArray() as number[][];

/** Small random data sets: n points in [−1, 1]^d (values on a grid of 0.25, so ties occur), labels ±1. */
const dataset = fc
  .tuple(
    fc.integer({ min: 1, max: 3 }),
    fc.array(
      fc.tuple(fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 3, maxLength: 3 }), fc.boolean()),
      { minLength: 2, maxLength: 25 },
    ),
  )
  .map(([d, pts]) => ({
    xs: pts.map(([p]) => p.slice(0, d).map((v) => v / 4)),
    ts: pts.map(([, pos]) => (pos ? 1 : -1)),
    d,
  }));

const trainingError = (pred: Tensor, ts: readonly number[]) =>
  (pred.toArray() as number[]).filter((p, i) => p !== ts[i]).length / ts.length;

/** A disk in a square: not linearly separable, nor a union of few boxes. */
const disk = (n: number) => {
  const x = random.uniform(random.key(1), [n, 2], { minval: -1, maxval: 1, ...f64 });
  const v = x.toArray() as number[][];
  const ts = v.map(([a, b]) => (a * a + b * b < 0.5 ? 1 : -1));
  return { x, ts, t: tensor(ts, f64) };
};

describe("adaBoost", () => {
  it("AdaBoost's α_1 and the weights after one round match hand computation on a small set", () => {
    // x = 1..7, t = + + − − + − −. Round 1 (D = 1/7 each): the best stump is "x ≤ 2.5 → +1" (polarity −1),
    // wrong only on x = 5: ε₁ = 1/7, α₁ = ½ log 6. Reweighting: the mistake 1/7·√6, the others 1/7/√6,
    // Z = 2√6/7, so D₂ = ½ on x = 5 and 1/12 on each other point.
    // Round 2: "x ≤ 5.5 → +1" errs on x = 3, 4 (1/12 each): ε₂ = 1/6, α₂ = ½ log 5; every other stump errs more.
    const x = tensor([[1], [2], [3], [4], [5], [6], [7]]);
    const t = tensor([1, 1, -1, -1, 1, -1, -1]);
    const m = adaBoost(x, t, { rounds: 2 });
    const s = m.learners as Stump[];
    assert.deepEqual(s.map((h) => [h.feature, h.threshold, h.polarity]), [[0, 2.5, -1], [0, 5.5, -1]]);
    close(m.errors[0], 1 / 7);
    close(m.alphas[0], 0.5 * Math.log(6));
    close(m.errors[1], 1 / 6);
    close(m.alphas[1], 0.5 * Math.log(5));
    const w = rowsOf(m.weights);
    assert.equal(w.length, 3);
    w[0].forEach((v) => close(v, 1 / 7));
    w[1].forEach((v, i) => close(v, i === 4 ? 1 / 2 : 1 / 12));
    // Round 2's mistakes (x = 3, 4) carry half of D₃.
    close(w[2][2] + w[2][3], 1 / 2);
    assert.equal(m.stopReason, "rounds");
  });

  it("after every round, the last learner's mistakes carry exactly half of the new weight", () =>
    fc.assert(
      fc.property(dataset, fc.constantFrom("stump" as const, "perceptron" as const), ({ xs, ts }, weakLearner) => {
        const x = tensor(xs, f64);
        const m = adaBoost(x, tensor(ts, f64), { rounds: 6, weakLearner, perceptronEpochs: 5 });
        const w = rowsOf(m.weights);
        assert.equal(w.length, m.learners.length + 1);
        m.learners.forEach((h, r) => {
          const pred = weakPredict(h, x).toArray() as number[];
          const wrong = ts.map((y, i) => (pred[i] !== y ? i : -1)).filter((i) => i >= 0);
          close(wrong.reduce((s, i) => s + w[r][i], 0), m.errors[r]);
          close(w[r + 1].reduce((s, v) => s + v, 0), 1);
          close(m.alphas[r], 0.5 * Math.log((1 - Math.max(m.errors[r], 1e-10)) / Math.max(m.errors[r], 1e-10)));
          if (m.errors[r] > 0) close(wrong.reduce((s, i) => s + w[r + 1][i], 0), 0.5);
          assert.ok(m.errors[r] < 0.5);
        });
      }),
      { numRuns: 150 },
    ));

  it("the training error is at most Πₜ 2√(εₜ(1 − εₜ)) (Freund & Schapire)", () =>
    fc.assert(
      fc.property(dataset, fc.integer({ min: 1, max: 12 }), ({ xs, ts }, rounds) => {
        const x = tensor(xs, f64);
        const m = adaBoost(x, tensor(ts, f64), { rounds });
        const bound = m.errors.reduce((p, e) => p * 2 * Math.sqrt(e * (1 - e)), 1);
        assert.ok(trainingError(m.predict(x), ts) <= bound + 1e-12);
      }),
      { numRuns: 150 },
    ));

  it("the stump of round 1 has the least weighted error of all stumps (brute force)", () =>
    fc.assert(
      fc.property(dataset, ({ xs, ts, d }) => {
        const m = adaBoost(tensor(xs, f64), tensor(ts, f64), { rounds: 1 });
        let best = Infinity;
        for (let f = 0; f < d; f++) {
          const vals = [...new Set(xs.map((p) => p[f]))].sort((a, b) => a - b);
          const thresholds = [-Infinity, ...vals.slice(1).map((v, i) => (vals[i] + v) / 2)];
          for (const th of thresholds) {
            for (const pol of [1, -1]) {
              const err = xs.filter((p, i) => (p[f] > th ? pol : -pol) !== ts[i]).length / xs.length;
              best = Math.min(best, err);
            }
          }
        }
        const got = m.errors.length === 0 ? 0.5 : m.errors[0];
        close(got, best);
      }),
      { numRuns: 150 },
    ));

  it("AdaBoost's training error falls on a non-linear 2-D set (a disk), with stumps and with perceptrons", () => {
    const { x, ts, t } = disk(300);
    for (const weakLearner of ["stump", "perceptron"] as const) {
      const m = adaBoost(x, t, { rounds: 40, weakLearner });
      assert.equal(m.learners.length, 40, weakLearner);
      const first = trainingError(m.predict(x, 1), ts);
      const last = trainingError(m.predict(x), ts);
      // One linear classifier cannot do better than about a third wrong on this disk; 40 of them can.
      assert.ok(first > 0.3, `${weakLearner}: one learner errs on ${first}`);
      assert.ok(last < 0.05, `${weakLearner}: ${last} after 40 rounds (first ${first})`);
    }
  });

  it("stops at a perfect learner, with ε clamped to minError", () => {
    const x = tensor([[0], [1], [2], [3]]);
    const m = adaBoost(x, tensor([-1, -1, 1, 1]), { rounds: 10 });
    assert.equal(m.stopReason, "perfect");
    assert.deepEqual(m.errors, [0]);
    close(m.alphas[0], 0.5 * Math.log((1 - 1e-10) / 1e-10));
    assert.deepEqual(m.predict(x).toArray(), [-1, -1, 1, 1]);
  });

  it("stops when no weak learner beats chance (balanced XOR for stumps): the ensemble is empty", () => {
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const m = adaBoost(x, tensor([-1, 1, 1, -1]), { rounds: 5 });
    assert.equal(m.stopReason, "chance");
    assert.deepEqual([m.learners.length, m.alphas.length], [0, 0]);
    assert.deepEqual(m.decision(x).toArray(), [0, 0, 0, 0]);
    assert.deepEqual(m.predict(x).toArray(), [-1, -1, -1, -1]);
    assert.equal(rowsOf(m.weights).length, 1);
  });

  it("decision(x, r) is the vote of the first r learners", () => {
    const { x, t } = disk(60);
    const m = adaBoost(x, t, { rounds: 5 });
    const h = m.learners.map((l) => weakPredict(l, x).toArray() as number[]);
    const f3 = m.decision(x, 3).toArray() as number[];
    f3.forEach((v, i) => close(v, h[0][i] * m.alphas[0] + h[1][i] * m.alphas[1] + h[2][i] * m.alphas[2]));
    assert.deepEqual(m.decision(x, 0).toArray(), new Array(60).fill(0));
  });

  it("rejects bad labels, shapes and options", () => {
    const x = tensor([[0], [1]]);
    assert.throws(
      () => adaBoost(x, tensor([0, 1]), { rounds: 2 }),
      (e) => e instanceof ValueError && /adaBoost/.test(e.message),
    );
    assert.throws(() => adaBoost(x, tensor([1]), { rounds: 2 }), ShapeError);
    assert.throws(() => adaBoost(x, tensor([1, -1]), { rounds: 0 }), /rounds must be a positive integer/);
    assert.throws(
      () => adaBoost(x, tensor([1, -1]), { rounds: 2, weakLearner: "tree" as "stump" }),
      /weakLearner must be "stump" or "perceptron"/,
    );
    const m = adaBoost(x, tensor([1, -1]), { rounds: 2 });
    assert.throws(() => m.predict(tensor([[0, 1]])), (e) => e instanceof ShapeError && /1 features/.test(e.message));
    assert.throws(() => m.decision(x, 7), /rounds must be an integer in \[0, 1\]/);
  });
});
