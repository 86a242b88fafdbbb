/**
 * Multi-class and margin losses (losses/classification.ts, losses/margin.ts):
 * softmax cross-entropy (PyTorch `CrossEntropyLoss`, optax
 * `softmax_cross_entropy[_with_integer_labels]`) with int32 labels and with
 * one-hot / soft targets, `nll` (PyTorch `NLLLoss`), `hinge` and
 * `perceptronLoss` (optax). Values against those definitions in plain JS,
 * gradients against finite differences (orders 1 and 2), logits at ±1e4,
 * ±∞ and NaN, reductions, label checks and their messages, no input mutated.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { grad, logSoftmax, losses, matmul, oneHot, sum, type Tensor, tensor, trace } from "../mod.ts";
import { assertAllclose, checkGrads, floatTensorArb } from "../testing/mod.ts";

const f64 = (data: number[][]) => tensor(data, { dtype: "float64" });
const int = (data: number[] | number[][]) => tensor(data, { dtype: "int32" });
const values = (t: Tensor) => Array.from(t.toTypedArray());

/** Plain-JS reference: −log softmax(z)[c] of one row, computed naively (moderate logits only). */
const refLogSoftmax = (row: number[]) => {
  const s = row.reduce((a, v) => a + Math.exp(v), 0);
  return row.map((v) => v - Math.log(s));
};
const rowsOf = (t: Tensor): number[][] => {
  const c = t.shape[t.ndim - 1];
  const v = values(t);
  return Array.from({ length: v.length / c }, (_, i) => v.slice(i * c, (i + 1) * c));
};

/** (logits [batch..., C], int32 labels [batch...], a soft target of the logits' shape, seed). */
const problemArb = fc.tuple(
  fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 2 }),
  fc.integer({ min: 1, max: 5 }),
  floatTensorArb({ shape: [45], min: -4, max: 4 }),
  fc.array(fc.nat(1000), { minLength: 9, maxLength: 9 }),
  floatTensorArb({ shape: [45], min: 0.01, max: 1 }),
  fc.nat(),
).map(([batch, c, pool, raw, weights, seed]) => {
  const n = batch.reduce((a, b) => a * b, 1);
  const shape = [...batch, c];
  const logits = tensor((pool.toTypedArray() as Float64Array).slice(0, n * c), { shape, dtype: "float64" });
  const labels = tensor(raw.slice(0, n).map((r) => r % c), { shape: batch, dtype: "int32" });
  // soft targets: positive weights normalised per row
  const w = Array.from((weights.toTypedArray() as Float64Array).slice(0, n * c));
  const soft = w.map((v, i) => {
    const r = Math.floor(i / c);
    return v / w.slice(r * c, (r + 1) * c).reduce((a, b) => a + b, 0);
  });
  return { logits, labels, soft: tensor(soft, { shape, dtype: "float64" }), seed };
});

describe("losses: softmaxCrossEntropy values", () => {
  it("int32 labels: −log softmax(z)[y] per example, as PyTorch's CrossEntropyLoss (property)", () =>
    fc.assert(
      fc.property(problemArb, ({ logits, labels }) => {
        const y = values(labels);
        const ref = rowsOf(logits).map((row, i) => -refLogSoftmax(row)[y[i]]);
        const got = losses.softmaxCrossEntropy(logits, labels, { reduction: "none" });
        assert.deepEqual(got.shape, labels.shape);
        assertAllclose(values(got), ref, { rtol: 1e-13, atol: 1e-15 });
        assertAllclose(losses.softmaxCrossEntropy(logits, labels), ref.reduce((a, b) => a + b, 0) / ref.length, {
          rtol: 1e-13,
          atol: 1e-15,
        });
      }),
      { numRuns: 100 },
    ));
  it("soft targets: −Σ_c t_c·log softmax(z)_c; one-hot targets equal the int32 labels (property)", () =>
    fc.assert(
      fc.property(problemArb, ({ logits, labels, soft }) => {
        const t = rowsOf(soft);
        const ref = rowsOf(logits).map((row, i) => -refLogSoftmax(row).reduce((a, v, c) => a + t[i][c] * v, 0));
        assertAllclose(values(losses.softmaxCrossEntropy(logits, soft, { reduction: "none" })), ref, {
          rtol: 1e-13,
          atol: 1e-15,
        });
        const hot = oneHot(labels, logits.shape[logits.ndim - 1], "float64");
        assertAllclose(
          losses.softmaxCrossEntropy(logits, hot, { reduction: "none" }),
          losses.softmaxCrossEntropy(logits, labels, { reduction: "none" }),
          { rtol: 1e-13, atol: 1e-15 },
        );
      }),
      { numRuns: 100 },
    ));
  it("a fixed example computed by hand: z = [1, 2, 3], y = 2 gives log(e + e² + e³) − 3", () => {
    const l = losses.softmaxCrossEntropy(f64([[1, 2, 3]]), int([2])).item();
    assert.ok(Math.abs(l - (Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 3)) < 1e-15);
  });
});

describe("losses: softmaxCrossEntropy gradients", () => {
  it("the gradient is softmax(z) − onehot(y) (closed form, per example)", () =>
    fc.assert(
      fc.property(problemArb, ({ logits, labels }) => {
        const g = grad((z: Tensor) => losses.softmaxCrossEntropy(z, labels, { reduction: "sum" }))(logits);
        const y = values(labels);
        const want = rowsOf(logits).flatMap((row, i) =>
          refLogSoftmax(row).map((lp, c) => Math.exp(lp) - (c === y[i] ? 1 : 0))
        );
        assertAllclose(values(g), want, { rtol: 1e-12, atol: 1e-15 });
      }),
      { numRuns: 50 },
    ));
  it("match finite differences at orders 1 and 2 (int32 labels; soft targets in both arguments)", () =>
    fc.assert(
      fc.property(problemArb, ({ logits, labels, soft, seed }) => {
        checkGrads((z: Tensor) => losses.softmaxCrossEntropy(z, labels), [logits], { order: 2, seed });
        checkGrads((z: Tensor, t: Tensor) => losses.softmaxCrossEntropy(z, t), [logits, soft], { order: 2, seed });
        checkGrads((z: Tensor) => losses.nll(logSoftmax(z), labels, { reduction: "sum" }), [logits], {
          order: 2,
          seed,
        });
      }),
      { numRuns: 30 },
    ));
});

describe("losses: softmaxCrossEntropy at extreme logits", () => {
  for (const dtype of ["float64", "float32"] as const) {
    it(`${dtype}: logits of ±1e4 give exact finite losses and finite gradients`, () => {
      const z = tensor([[1e4, 0, -1e4], [1e4, 1e4, 0]], { dtype });
      const l = values(losses.softmaxCrossEntropy(z, int([0, 2]), { reduction: "none" }));
      assert.equal(l[0], 0);
      assertAllclose(l, [0, 1e4 + Math.LN2], { rtol: dtype === "float32" ? 1e-7 : 1e-15, atol: 0 });
      const g = values(grad((z: Tensor) => losses.softmaxCrossEntropy(z, int([1, 2]), { reduction: "sum" }))(z));
      assertAllclose(g, [1, -1, 0, 0.5, 0.5, -1], { rtol: 1e-7, atol: 1e-30 });
    });
  }
  it("a −∞ logit (a class masked out) is finite where the target gives it no weight, with a zero gradient there", () => {
    const z = f64([[0, 0, -Infinity]]);
    assert.equal(losses.softmaxCrossEntropy(z, int([0])).item(), Math.LN2);
    assert.equal(losses.softmaxCrossEntropy(z, f64([[0.5, 0.5, 0]])).item(), Math.LN2);
    assert.deepEqual(values(grad((z: Tensor) => losses.softmaxCrossEntropy(z, int([1])))(z)), [0.5, -0.5, 0]);
    assert.deepEqual(values(grad((z: Tensor) => losses.softmaxCrossEntropy(z, f64([[1, 0, 0]])))(z)), [-0.5, 0.5, 0]);
    // the true value is infinite when the target is the masked class
    assert.equal(losses.softmaxCrossEntropy(z, int([2])).item(), Infinity);
    assert.equal(losses.softmaxCrossEntropy(z, f64([[0.5, 0, 0.5]])).item(), Infinity);
  });
  it("NaN propagates; a +∞ logit gives NaN (documented, as JAX's log_softmax)", () => {
    assert.ok(Number.isNaN(losses.softmaxCrossEntropy(f64([[NaN, 0]]), int([1])).item()));
    assert.ok(Number.isNaN(losses.softmaxCrossEntropy(f64([[0, 0]]), f64([[NaN, 1]])).item()));
    assert.ok(Number.isNaN(losses.softmaxCrossEntropy(f64([[Infinity, 0]]), int([0])).item()));
  });
});

describe("losses: nll", () => {
  it("is −log p[y], PyTorch's NLLLoss, and nll(logSoftmax(z), y) = softmaxCrossEntropy(z, y) (property)", () =>
    fc.assert(
      fc.property(problemArb, ({ logits, labels }) => {
        const lp = logSoftmax(logits);
        const y = values(labels);
        const ref = rowsOf(lp).map((row, i) => -row[y[i]]);
        assertAllclose(values(losses.nll(lp, labels, { reduction: "none" })), ref, { rtol: 0, atol: 0 });
        assertAllclose(losses.nll(lp, labels), losses.softmaxCrossEntropy(logits, labels), { rtol: 1e-13 });
      }),
      { numRuns: 50 },
    ));
  it("a log-probability of −∞ elsewhere does not leak in (selection by mask, not a one-hot product)", () => {
    assert.equal(losses.nll(f64([[-Infinity, 0]]), int([1])).item(), 0);
    assert.deepEqual(values(grad((lp: Tensor) => losses.nll(lp, int([1])))(f64([[-Infinity, 0]]))), [0, -1]);
  });
});

describe("losses: hinge and perceptronLoss (labels ±1)", () => {
  const s = f64([[2, 0.5, -1, -0.2, 0.3]]);
  const t = f64([[1, 1, 1, -1, -1]]);
  it("match optax's hinge_loss max(0, 1 − t·s) and perceptron_loss max(0, −t·s)", () => {
    const sv = values(s);
    const tv = values(t);
    assert.deepEqual(values(losses.hinge(s, t, { reduction: "none" })), sv.map((v, i) => Math.max(0, 1 - tv[i] * v)));
    assert.deepEqual(
      values(losses.perceptronLoss(s, t, { reduction: "none" })),
      sv.map((v, i) => Math.max(0, -tv[i] * v)),
    );
    // int32 ±1 labels are accepted and give the same loss
    const ti = int([[1, 1, 1, -1, -1]]);
    assert.equal(losses.hinge(s, ti).item(), losses.hinge(s, t).item());
  });
  it("gradients match finite differences away from the kinks (property)", () =>
    fc.assert(
      fc.property(
        floatTensorArb({ shape: [3, 4], min: -3, max: 3 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.nat(),
        (scores, signs, seed) => {
          const labels = tensor(signs.map((b) => (b ? 1 : -1)), { shape: [3, 4], dtype: "float64" });
          const m = values(scores).map((v, i) => v * (signs[i] ? 1 : -1));
          fc.pre(m.every((v) => Math.abs(v - 1) > 1e-3 && Math.abs(v) > 1e-3));
          checkGrads((s: Tensor) => losses.hinge(s, labels), [scores], { order: 2, seed });
          checkGrads((s: Tensor) => losses.perceptronLoss(s, labels), [scores], { order: 2, seed });
        },
      ),
      { numRuns: 50 },
    ));
  it("gradient descent on the summed perceptron loss of linear scores is Rosenblatt's update w ← w + Σ_mistakes t·x", () => {
    const x = f64([[1, 2], [-1, 0.5], [0.3, -2], [2, 2]]);
    const y = f64([[1], [-1], [-1], [-1]]);
    const w = f64([[0.5], [-0.3]]);
    const g = grad((w: Tensor) => losses.perceptronLoss(matmul(x, w), y, { reduction: "sum" }))(w);
    const xv = rowsOf(x);
    const scores = xv.map((r) => r[0] * 0.5 - r[1] * 0.3);
    const yv = values(y);
    const mistakes = scores.map((sc, i) => yv[i] * sc < 0);
    assert.deepEqual(mistakes, [true, false, true, true]); // no ties: the example is away from the kink
    const update = [0, 1].map((j) => xv.reduce((a, r, i) => a + (mistakes[i] ? yv[i] * r[j] : 0), 0));
    assertAllclose(values(g).map((v) => -v), update, { rtol: 1e-15 });
  });
  it("at the kink the derivative is half the slope (JAX's maximum rule), so training from w = 0 moves", () => {
    const x = f64([[1, 2]]);
    const g = grad((w: Tensor) => losses.perceptronLoss(matmul(x, w), f64([[1]]), { reduction: "sum" }))(
      f64([[0], [0]]),
    );
    assert.deepEqual(values(g), [-0.5, -1]);
    assert.equal(grad((s: Tensor) => losses.hinge(s, f64([[1]])))(f64([[1]])).item(), -0.5);
  });
  it("extremes: ±1e4 and ±∞ scores give 0 or a linear loss with finite gradients; a NaN score gives a NaN loss", () => {
    const sc = f64([[1e4, -1e4, Infinity, -Infinity, NaN]]);
    const ones = f64([[1, 1, 1, 1, 1]]);
    assertAllclose(losses.hinge(sc, ones, { reduction: "none" }), [[0, 10001, 0, Infinity, NaN]], {
      rtol: 0,
      atol: 0,
      equalNan: true,
    });
    assertAllclose(losses.perceptronLoss(sc, ones, { reduction: "none" }), [[0, 1e4, 0, Infinity, NaN]], {
      rtol: 0,
      atol: 0,
      equalNan: true,
    });
    // (at NaN the gradient is 0: maximum's rule gives the NaN side no weight, as JAX's does)
    const g = values(grad((s: Tensor) => losses.hinge(s, ones, { reduction: "sum" }))(sc));
    assertAllclose(g.slice(0, 4), [0, -1, 0, -1], { rtol: 0, atol: 0 });
  });
});

describe("losses: classification reductions and errors", () => {
  const z = f64([[1, 2, 3], [0, -1, 4]]);
  it('"sum" and "mean" are the sum and mean of "none" for every loss', () => {
    const y = int([2, 0]);
    const pm = f64([[1, -1, 1], [-1, 1, 1]]);
    const cases: [string, (o: { reduction?: "mean" | "sum" | "none" }) => Tensor][] = [
      ["softmaxCrossEntropy", (o) => losses.softmaxCrossEntropy(z, y, o)],
      ["nll", (o) => losses.nll(logSoftmax(z), y, o)],
      ["hinge", (o) => losses.hinge(z, pm, o)],
      ["perceptronLoss", (o) => losses.perceptronLoss(z, pm, o)],
    ];
    for (const [name, f] of cases) {
      const none = values(f({ reduction: "none" }));
      const total = none.reduce((a, b) => a + b, 0);
      assertAllclose(f({ reduction: "sum" }), total, { rtol: 1e-15 });
      assertAllclose(f({}), total / none.length, { rtol: 1e-15 });
      assert.throws(() => f({ reduction: "max" as "sum" }), { name: "ValueError", message: new RegExp(`^${name}: `) });
    }
  });
  it("a label out of range is a ValueError naming the loss, the label, its position and the shapes", () => {
    assert.throws(() => losses.softmaxCrossEntropy(z, int([0, 3])), {
      name: "ValueError",
      message: "softmaxCrossEntropy: label 3 (at flat position 1 of labels [2]) is out of range for 3 classes " +
        "(logits of shape [2,3]); expected 0 ≤ label < 3",
    });
    assert.throws(() => losses.nll(z, int([-1, 0])), {
      name: "ValueError",
      message: /^nll: label -1 \(at flat position 0/,
    });
  });
  it("float class indices, bool labels or wrongly shaped labels are typed errors naming the loss and shapes", () => {
    assert.throws(() => losses.softmaxCrossEntropy(z, tensor([0, 2], { dtype: "float64" })), {
      name: "DTypeError",
      message: "softmaxCrossEntropy: labels of dtype float64 and shape [2] look like class indices; expected int32 " +
        'class indices (cast(labels, "int32")) or float targets of the logits\' shape [2,3]',
    });
    assert.throws(() => losses.nll(z, tensor([0, 2], { dtype: "float64" })), {
      name: "DTypeError",
      message: "nll: labels of dtype float64 and shape [2]; expected int32 class indices of shape [2]",
    });
    assert.throws(() => losses.softmaxCrossEntropy(z, int([0, 1, 2])), {
      name: "ShapeError",
      message: "softmaxCrossEntropy: int32 labels of shape [3] do not fit logits of shape [2,3]; expected labels of " +
        "shape [2] (the logits' shape without the class axis)",
    });
    assert.throws(() => losses.softmaxCrossEntropy(z, f64([[1, 0], [0, 1]])), {
      name: "ShapeError",
      message: /^softmaxCrossEntropy: logits of shape \[2,3\] and targets of shape \[2,2\] differ/,
    });
    assert.throws(() => losses.softmaxCrossEntropy(tensor(1), tensor(0, { dtype: "int32" })), {
      name: "ShapeError",
      message: "softmaxCrossEntropy: logits must have a class axis (the last); got a scalar",
    });
    assert.throws(() => losses.softmaxCrossEntropy(int([[1, 2]]), int([0])), {
      name: "DTypeError",
      message: /^softmaxCrossEntropy: logits have dtype int32/,
    });
  });
  it("margin losses reject 0/1 labels, bool labels and shape mismatches, naming the loss", () => {
    assert.throws(() => losses.hinge(f64([[1, 2]]), f64([[1, 0]])), {
      name: "ValueError",
      message: "hinge: label 0 (at flat position 1 of labels [1,2]) is not −1 or +1; expected labels in {−1, +1} " +
        "(map 0/1 labels with 2·y − 1)",
    });
    assert.throws(() => losses.perceptronLoss(f64([[1, 2]]), tensor([1, 1], { dtype: "float64" })), {
      name: "ShapeError",
      message: /^perceptronLoss: scores of shape \[1,2\] and labels of shape \[2\] differ/,
    });
  });
  it("inside trace the labels are symbolic: they are not read, and the loss traces", () => {
    const g = trace((z: Tensor, y: Tensor) => losses.softmaxCrossEntropy(z, y), z, int([2, 0]));
    assert.match(g.toString(), /= exp /);
  });
  it("no input is mutated", () => {
    const y = int([2, 0]);
    const soft = f64([[0.2, 0.3, 0.5], [1, 0, 0]]);
    const before = [z, y, soft].map(values);
    losses.softmaxCrossEntropy(z, y);
    grad((a: Tensor, b: Tensor) => losses.softmaxCrossEntropy(a, b), { argnums: [0, 1] })(z, soft);
    losses.nll(z, y);
    losses.hinge(z, f64([[1, 1, 1], [-1, -1, -1]]));
    assert.deepEqual([z, y, soft].map(values), before);
    assert.equal(sum(z).item(), 9);
  });
});
