/**
 * Binary cross-entropy (losses/binary.ts): from probabilities (PyTorch
 * `BCELoss`, logs clamped at −100), from logits (PyTorch
 * `BCEWithLogitsLoss` / optax `sigmoid_binary_cross_entropy`), and the
 * multi-label form (PyTorch `MultiLabelSoftMarginLoss`). Values against
 * those definitions computed here in plain JS, gradients against finite
 * differences, extreme logits (±1e4, ±89, ±710, ±∞, NaN) in float64 and
 * float32, reductions, errors, no input mutated.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { grad, losses, sum, type Tensor, tensor } from "../mod.ts";
import { assertAllclose, checkGrads, floatTensorArb, shapeArb } from "../testing/mod.ts";

const f64 = (data: number[]) => tensor(data, { dtype: "float64" });
const values = (t: Tensor) => Array.from(t.toTypedArray());
const POOL = 64;
const poolArb = (min: number, max: number) =>
  floatTensorArb({ shape: [POOL], min, max }).map((t) => t.toTypedArray() as Float64Array);
const take = (pool: Float64Array, shape: readonly number[]) =>
  tensor(pool.slice(0, shape.reduce((a, b) => a * b, 1)), { shape, dtype: "float64" });
/** (x, z, seed): x in [xMin, xMax], targets z in [0, 1], one random shape of rank ≥ minRank. */
const xzArb = (xMin: number, xMax: number, minRank = 0) =>
  fc.tuple(shapeArb({ minRank, maxRank: 3, maxDim: 4 }), poolArb(xMin, xMax), poolArb(0, 1), fc.nat())
    .map(([shape, a, b, seed]) => [take(a, shape), take(b, shape), seed] as const);

// PyTorch's definitions, elementwise.
/** BCELoss: −[z·max(log p, −100) + (1 − z)·max(log(1 − p), −100)]. */
const refBce = (p: number, z: number) => -(z * Math.max(Math.log(p), -100) + (1 - z) * Math.max(Math.log(1 - p), -100));
/** aten binary_cross_entropy_with_logits: (1 − z)·x + m + log(e^(−m) + e^(−x−m)), m = max(−x, 0). */
const refBceLogits = (x: number, z: number) => {
  const m = Math.max(-x, 0);
  return (1 - z) * x + m + Math.log(Math.exp(-m) + Math.exp(-x - m));
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("losses: binaryCrossEntropy (from probabilities)", () => {
  it("matches PyTorch's BCELoss on random probabilities and soft targets (property)", () =>
    fc.assert(
      fc.property(xzArb(1e-6, 1 - 1e-6), ([p, z]) => {
        const pv = values(p);
        const zv = values(z);
        const ref = pv.map((v, i) => refBce(v, zv[i]));
        assertAllclose(values(losses.binaryCrossEntropy(p, z, { reduction: "none" })), ref, { rtol: 1e-13 });
      }),
      { numRuns: 100 },
    ));
  it("clamps each log at −100, as PyTorch: p = 0 or 1 gives 100 or 0, never ∞ or NaN", () => {
    const p = f64([0, 1, 0, 1, 1e-50, 0.5]);
    const z = f64([1, 0, 0, 1, 1, 0.5]);
    assert.deepEqual(values(losses.binaryCrossEntropy(p, z, { reduction: "none" })), [100, 100, 0, 0, 100, Math.LN2]);
    // the gradient is the clamped function's: 0 in a clamped term, 1/(1 − p) = 1 from the other at p = 0
    assertAllclose(grad((p: Tensor) => losses.binaryCrossEntropy(p, z, { reduction: "sum" }))(p), [0, 0, 1, -1, 0, 0], {
      rtol: 0,
      atol: 0,
    });
    // float32 too (e^−100 is subnormal there)
    assert.deepEqual(values(losses.binaryCrossEntropy(tensor([0, 1]), tensor([1, 1]), { reduction: "none" })), [
      100,
      0,
    ]);
  });
  it("NaN propagates, and a probability outside [0, 1] gives NaN rather than a made-up value", () => {
    const l = values(losses.binaryCrossEntropy(f64([NaN, -0.5, 1.5]), f64([1, 1, 0]), { reduction: "none" }));
    assert.ok(l.every(Number.isNaN), String(l));
  });
  it("gradients match finite differences in both arguments (orders 1 and 2)", () =>
    fc.assert(
      fc.property(xzArb(0.05, 0.95), ([p, z, seed]) => {
        checkGrads((p: Tensor, z: Tensor) => losses.binaryCrossEntropy(p, z), [p, z], { order: 2, seed });
      }),
      { numRuns: 40 },
    ));
});

describe("losses: binaryCrossEntropyWithLogits", () => {
  it("matches PyTorch's aten formula and the TF form max(x,0) − x·z + log1p(e^−|x|) (property)", () =>
    fc.assert(
      fc.property(xzArb(-30, 30), ([x, z]) => {
        const xv = values(x);
        const zv = values(z);
        const got = values(losses.binaryCrossEntropyWithLogits(x, z, { reduction: "none" }));
        const tf = xv.map((v, i) => Math.max(v, 0) - v * zv[i] + Math.log1p(Math.exp(-Math.abs(v))));
        assertAllclose(got, xv.map((v, i) => refBceLogits(v, zv[i])), { rtol: 1e-12, atol: 1e-14 });
        assertAllclose(got, tf, { rtol: 1e-12, atol: 1e-14 });
      }),
      { numRuns: 100 },
    ));
  it("equals BCE of σ(x) where σ(x) is not near 0 or 1", () => {
    const x = f64([-3, -0.5, 0, 0.7, 2.5]);
    const z = f64([0, 1, 0.5, 0.2, 1]);
    const p = f64(values(x).map(sigmoid));
    assertAllclose(losses.binaryCrossEntropyWithLogits(x, z), losses.binaryCrossEntropy(p, z), { rtol: 1e-14 });
  });
  it("its gradient is σ(x) − z, and checkGrads agrees at orders 1 and 2", () => {
    fc.assert(
      fc.property(xzArb(-8, 8), ([x, z, seed]) => {
        const g = grad((x: Tensor) => losses.binaryCrossEntropyWithLogits(x, z, { reduction: "sum" }))(x);
        const zv = values(z);
        assertAllclose(values(g), values(x).map((v, i) => sigmoid(v) - zv[i]), { rtol: 1e-12, atol: 1e-15 });
        checkGrads((x: Tensor, z: Tensor) => losses.binaryCrossEntropyWithLogits(x, z), [x, z], { order: 2, seed });
      }),
      { numRuns: 40 },
    );
  });

  const xs = [1e4, -1e4, 89, -89, 710, -710, Infinity, -Infinity, 0, -0];
  /**
   * The true value: the TF form for finite x (accurate here, where the aten
   * form's log(1 + e^−89) rounds to 0); the limits at ±∞ (0 for the label the logit points to).
   */
  const truth = (x: number, z: number) => {
    if (x === Infinity) return z === 1 ? 0 : Infinity;
    if (x === -Infinity) return z === 0 ? 0 : Infinity;
    return Math.max(x, 0) - x * z + Math.log1p(Math.exp(-Math.abs(x)));
  };
  for (const dtype of ["float64", "float32"] as const) {
    it(`${dtype}: finite where the true value is (x = ±1e4, ±89, ±710, ±∞ with hard labels), gradients finite`, () => {
      for (const zv of [0, 1, 0.25]) {
        const x = tensor(xs, { dtype });
        const z = tensor(xs.map(() => zv), { dtype });
        const got = values(losses.binaryCrossEntropyWithLogits(x, z, { reduction: "none" }));
        const want = xs.map((v) => truth(dtype === "float32" ? Math.fround(v) : v, zv));
        // float32 keeps e^−89 only as a subnormal, so allow one subnormal step there
        assertAllclose(got, want, { rtol: dtype === "float32" ? 1e-6 : 1e-15, atol: dtype === "float32" ? 2e-45 : 0 });
        assert.equal(got[0], zv === 1 ? 0 : zv === 0 ? 1e4 : 7500); // e.g. x = 1e4, z = 1 is exactly 0
        const g = values(grad((x: Tensor) => losses.binaryCrossEntropyWithLogits(x, z, { reduction: "sum" }))(x));
        assert.ok(g.every(Number.isFinite), `z = ${zv}: ${g}`);
        assertAllclose(g, xs.map((v) => sigmoid(v) - zv), { rtol: 1e-6, atol: 1e-7 });
      }
    });
  }
  it("NaN in the logits or targets propagates to the loss and the gradient", () => {
    const l = losses.binaryCrossEntropyWithLogits(f64([NaN, 1]), f64([1, NaN]), { reduction: "none" });
    assert.ok(values(l).every(Number.isNaN));
    const g = grad((x: Tensor) => losses.binaryCrossEntropyWithLogits(x, f64([1]), { reduction: "sum" }))(f64([NaN]));
    assert.ok(Number.isNaN(g.item()));
  });
  it("its second derivative at x = 0 is σ′(0) = ¼ (no kink in the stable form)", () => {
    const f = (x: Tensor) => losses.binaryCrossEntropyWithLogits(x, f64([1]), { reduction: "sum" });
    assert.equal(grad((x: Tensor) => sum(grad(f)(x)))(f64([0])).item(), 0.25);
  });
});

describe("losses: multiLabelBinaryCrossEntropy", () => {
  /** PyTorch MultiLabelSoftMarginLoss: −(1/C)·Σ_c [y log σ(x) + (1 − y) log(1 − σ(x))] per example. */
  const refRow = (x: number[], y: number[]) =>
    mean(x.map((v, c) => -(y[c] * Math.log(sigmoid(v)) + (1 - y[c]) * Math.log(1 - sigmoid(v)))));
  it("matches PyTorch's MultiLabelSoftMarginLoss, and perLabel: sum is C times it", () => {
    const x = [[0.3, -1.2, 2, 0], [-0.5, 0.5, 1.5, -3]];
    const y = [[1, 0, 1, 0], [0, 0, 1, 1]];
    const xt = tensor(x, { dtype: "float64" });
    const yt = tensor(y, { dtype: "float64" });
    const rows = x.map((r, i) => refRow(r, y[i]));
    assertAllclose(losses.multiLabelBinaryCrossEntropy(xt, yt, { reduction: "none" }), rows, { rtol: 1e-14 });
    assertAllclose(losses.multiLabelBinaryCrossEntropy(xt, yt), mean(rows), { rtol: 1e-14 });
    assertAllclose(
      losses.multiLabelBinaryCrossEntropy(xt, yt, { perLabel: "sum", reduction: "sum" }),
      4 * (rows[0] + rows[1]),
      { rtol: 1e-14 },
    );
  });
  it('"none" has the logits\' shape without the label axis; gradients match finite differences', () =>
    fc.assert(
      fc.property(xzArb(-4, 4, 1), ([x, z, seed]) => {
        assert.deepEqual(losses.multiLabelBinaryCrossEntropy(x, z, { reduction: "none" }).shape, x.shape.slice(0, -1));
        checkGrads((x: Tensor, z: Tensor) => losses.multiLabelBinaryCrossEntropy(x, z), [x, z], { order: 2, seed });
      }),
      { numRuns: 30 },
    ));
  it("errors name the loss: scalar logits, a bad perLabel, mismatched shapes", () => {
    assert.throws(() => losses.multiLabelBinaryCrossEntropy(tensor(1), tensor(1)), {
      name: "ShapeError",
      message: "multiLabelBinaryCrossEntropy: logits must have a label axis (the last); got a scalar",
    });
    assert.throws(() => losses.multiLabelBinaryCrossEntropy(tensor([1]), tensor([1]), { perLabel: "max" as "sum" }), {
      name: "ValueError",
      message: /^multiLabelBinaryCrossEntropy: perLabel must be "mean" or "sum"/,
    });
    assert.throws(() => losses.multiLabelBinaryCrossEntropy(tensor([[1, 2]]), tensor([[1, 2, 3]])), {
      name: "ShapeError",
      message: /^multiLabelBinaryCrossEntropy: logits of shape \[1,2\] and targets of shape \[1,3\] differ/,
    });
  });
});

describe("losses: binary cross-entropy reductions, errors and inputs", () => {
  const x = f64([0.2, -1, 3, 0.5]);
  const z = f64([0, 1, 1, 0.5]);
  const p = f64([0.2, 0.6, 0.9, 0.5]);
  it('"sum" and "mean" are the sum and mean of "none"', () => {
    for (const [f, a] of [[losses.binaryCrossEntropy, p], [losses.binaryCrossEntropyWithLogits, x]] as const) {
      const none = values(f(a, z, { reduction: "none" }));
      assertAllclose(f(a, z, { reduction: "sum" }), none.reduce((s, v) => s + v, 0), { rtol: 1e-15 });
      assertAllclose(f(a, z), mean(none), { rtol: 1e-15 });
    }
  });
  it("shape and dtype errors name the loss, the shapes and what was expected", () => {
    assert.throws(() => losses.binaryCrossEntropyWithLogits(tensor([[1], [2]]), tensor([1, 0])), {
      name: "ShapeError",
      message: "binaryCrossEntropyWithLogits: logits of shape [2,1] and targets of shape [2] differ; expected the " +
        "same shape (losses do not broadcast: reshape one of them)",
    });
    assert.throws(() => losses.binaryCrossEntropy(tensor([0.5]), tensor([1], { dtype: "int32" })), {
      name: "DTypeError",
      message: /^binaryCrossEntropy: targets have dtype int32; expected float32 or float64/,
    });
    assert.throws(() => losses.binaryCrossEntropy(tensor([0.5]), tensor([1]), { reduction: "all" as "sum" }), {
      name: "ValueError",
      message: /^binaryCrossEntropy: reduction must be one of/,
    });
  });
  it("no input is mutated", () => {
    const before = [x, z, p].map(values);
    losses.binaryCrossEntropy(p, z);
    losses.binaryCrossEntropyWithLogits(x, z);
    losses.multiLabelBinaryCrossEntropy(x, z);
    grad((a: Tensor, b: Tensor) => losses.binaryCrossEntropyWithLogits(a, b), { argnums: [0, 1] })(x, z);
    grad((a: Tensor, b: Tensor) => losses.binaryCrossEntropy(a, b), { argnums: [0, 1] })(p, z);
    assert.deepEqual([x, z, p].map(values), before);
  });
});
