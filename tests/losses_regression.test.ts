/**
 * Regression losses (losses/regression.ts): values against PyTorch's
 * definitions (`MSELoss`, `L1Loss`, `HuberLoss`) computed here in plain JS,
 * gradients against finite differences (float64, orders 1 and 2, both
 * modes), reductions, extreme inputs, error messages, no input mutated.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { grad, losses, mul, sub, sum, type Tensor, tensor } from "../mod.ts";
import { assertAllclose, checkGrads, floatTensorArb, shapeArb } from "../testing/mod.ts";

const f64 = (data: number[]) => tensor(data, { dtype: "float64" });
const values = (t: Tensor) => Array.from(t.toTypedArray() as Float64Array);

const POOL = 64; // the most elements a shape of rank ≤ 3 with axes ≤ 4 has

/** float64 values in [min, max], drawn once and cut to a shape drawn separately (no `chain`, so it shrinks well). */
const poolArb = (min: number, max: number) =>
  floatTensorArb({ shape: [POOL], min, max }).map((t) => t.toTypedArray() as Float64Array);
const take = (pool: Float64Array, shape: readonly number[]) =>
  tensor(pool.slice(0, shape.reduce((a, b) => a * b, 1)), { shape, dtype: "float64" });

/** Predictions and targets of one random shape, values in [min, max], pairs kept by `keep`; and a seed. */
const pairArb = (min = -2, max = 2, keep: (p: number, t: number) => boolean = () => true) =>
  fc.tuple(shapeArb({ maxRank: 3, maxDim: 4 }), poolArb(min, max), poolArb(min, max), fc.nat())
    .map(([shape, a, b, seed]) => [take(a, shape), take(b, shape), seed] as const)
    .filter(([p, t]) => values(p).every((v, i) => keep(v, values(t)[i])));

// PyTorch's definitions, elementwise (torch.nn.MSELoss, L1Loss, HuberLoss docs).
const refSquared = (p: number, t: number) => (p - t) ** 2;
const refAbs = (p: number, t: number) => Math.abs(p - t);
const refHuber = (delta: number) => (p: number, t: number) => {
  const d = Math.abs(p - t);
  return d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
};
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sumOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("losses: regression values against PyTorch's definitions", () => {
  it("sumSquares, mse, mae and huber on a fixed example", () => {
    const p = [0.5, -1.25, 3, 2];
    const t = [0, 0.75, -1, 2];
    const [pt, tt] = [f64(p), f64(t)];
    const per = (f: (a: number, b: number) => number) => p.map((v, i) => f(v, t[i]));
    assertAllclose(losses.sumSquares(pt, tt), sumOf(per(refSquared)), { rtol: 1e-15 });
    assertAllclose(losses.mse(pt, tt), meanOf(per(refSquared)), { rtol: 1e-15 });
    assertAllclose(losses.mae(pt, tt), meanOf(per(refAbs)), { rtol: 1e-15 });
    for (const delta of [0.3, 1, 2.5]) {
      assertAllclose(losses.huber(pt, tt, { delta }), meanOf(per(refHuber(delta))), { rtol: 1e-15 });
    }
    // the default δ is 1, as PyTorch's and optax's
    assertAllclose(losses.huber(pt, tt), meanOf(per(refHuber(1))), { rtol: 1e-15 });
  });

  it("agree with the definitions on random inputs (property)", () =>
    fc.assert(
      fc.property(pairArb(-3, 3), fc.double({ min: 0.1, max: 3, noNaN: true }), ([p, t], delta) => {
        const pv = values(p);
        const tv = values(t);
        const per = (f: (a: number, b: number) => number) => pv.map((v, i) => f(v, tv[i]));
        const opts = { rtol: 1e-12, atol: 1e-14 };
        assertAllclose(losses.sumSquares(p, t), sumOf(per(refSquared)), opts);
        assertAllclose(values(losses.mse(p, t, { reduction: "none" })), per(refSquared), opts);
        assertAllclose(losses.mae(p, t, { reduction: "sum" }), sumOf(per(refAbs)), opts);
        assertAllclose(losses.huber(p, t, { delta, reduction: "sum" }), sumOf(per(refHuber(delta))), opts);
      }),
      { numRuns: 100 },
    ));

  it("huber matches PyTorch's HuberLoss scaling, which is δ·SmoothL1Loss (β = δ)", () => {
    // SmoothL1Loss(β): 0.5 d²/β for |d| < β, |d| − 0.5β otherwise.
    const smoothL1 = (
      d: number,
      beta: number,
    ) => (Math.abs(d) < beta ? (0.5 * d * d) / beta : Math.abs(d) - 0.5 * beta);
    const d = [0.1, 0.7, 1.9, -4];
    const delta = 1.5;
    const h = values(losses.huber(f64(d), f64([0, 0, 0, 0]), { delta, reduction: "none" }));
    h.forEach((v, i) => assert.ok(Math.abs(v - delta * smoothL1(d[i], delta)) < 1e-14));
  });
});

describe("losses: regression gradients (float64, orders 1 and 2, fwd and rev)", () => {
  const farFromKinks = (delta: number) => (p: number, t: number) =>
    Math.abs(p - t) > 1e-3 && Math.abs(Math.abs(p - t) - delta) > 1e-3;
  it("sumSquares and mse", () =>
    fc.assert(
      fc.property(pairArb(), ([p, t, seed]) => {
        checkGrads((p: Tensor, t: Tensor) => losses.sumSquares(p, t), [p, t], { order: 2, seed });
        checkGrads((p: Tensor, t: Tensor) => losses.mse(p, t), [p, t], { order: 2, seed });
        checkGrads((p: Tensor, t: Tensor) => losses.mse(p, t, { reduction: "none" }), [p, t], { order: 2, seed });
      }),
      { numRuns: 40 },
    ));
  it("mae, away from p = t", () =>
    fc.assert(
      fc.property(pairArb(-2, 2, farFromKinks(Infinity)), ([p, t, seed]) => {
        checkGrads((p: Tensor, t: Tensor) => losses.mae(p, t), [p, t], { order: 2, seed });
      }),
      { numRuns: 40 },
    ));
  it("huber, away from |p − t| = δ (δ = 0.7)", () =>
    fc.assert(
      fc.property(pairArb(-2, 2, farFromKinks(0.7)), ([p, t, seed]) => {
        checkGrads((p: Tensor, t: Tensor) => losses.huber(p, t, { delta: 0.7 }), [p, t], { order: 2, seed });
      }),
      { numRuns: 40 },
    ));
  it("closed forms: ∇sumSquares = 2(p − t), ∇huber = clip(p − t, −δ, δ)", () => {
    const p = f64([0.5, -3, 2, 0.2]);
    const t = f64([0, 0, 0, 0.2]);
    assertAllclose(grad((p: Tensor) => losses.sumSquares(p, t))(p), values(mul(sub(p, t), 2)), { rtol: 1e-15 });
    assertAllclose(grad((p: Tensor) => losses.huber(p, t, { reduction: "sum" }))(p), [0.5, -1, 1, 0], {
      rtol: 1e-15,
    });
  });
});

describe("losses: regression at extreme inputs", () => {
  const zeros7 = f64([0, 0, 0, 0, 0, 0, 0]);
  const d = f64([1e4, -1e4, Infinity, -Infinity, NaN, 0, -0]);
  it("huber grows linearly: finite at ±1e4, ∞ at ±∞, NaN stays NaN; gradients bounded by δ", () => {
    assert.deepEqual(values(losses.huber(d, zeros7, { reduction: "none" })), [
      9999.5,
      9999.5,
      Infinity,
      Infinity,
      NaN,
      0,
      0,
    ]);
    const g = grad((d: Tensor) => losses.huber(d, zeros7, { reduction: "sum" }))(d);
    assertAllclose(g, [1, -1, 1, -1, NaN, 0, 0], { rtol: 0, atol: 0, equalNan: true });
  });
  it("mse and mae at ±1e4 and ±∞, with NaN propagating", () => {
    assert.deepEqual(values(losses.mse(d, zeros7, { reduction: "none" })), [1e8, 1e8, Infinity, Infinity, NaN, 0, 0]);
    assert.deepEqual(values(losses.mae(d, zeros7, { reduction: "none" })), [1e4, 1e4, Infinity, Infinity, NaN, 0, 0]);
    assert.ok(Number.isNaN(losses.mse(d, zeros7).item()));
    const g = values(grad((d: Tensor) => losses.mae(d, zeros7, { reduction: "sum" }))(d));
    assert.deepEqual(g.slice(0, 4), [1, -1, 1, -1]);
  });
  it("float32: mse of 1e4 differences is 1e8, not overflowing", () => {
    const p = tensor([1e4, -1e4]);
    assert.equal(losses.mse(p, tensor([0, 0])).item(), 1e8);
    assert.equal(losses.mse(p, tensor([0, 0])).dtype, "float32");
  });
});

describe("losses: regression reductions", () => {
  it('"sum" and "mean" are the sum and mean of "none"; a bad reduction is a ValueError naming the loss', () => {
    const p = f64([1, 2, -3, 0.5, 4, 6]);
    const t = f64([0, 2.5, 1, 0.5, -1, 2]);
    const fns = { mse: losses.mse, mae: losses.mae, huber: losses.huber } as const;
    for (const [name, f] of Object.entries(fns)) {
      const none = f(p, t, { reduction: "none" });
      assert.deepEqual(none.shape, [6], name);
      assertAllclose(f(p, t, { reduction: "sum" }), sum(none), { rtol: 1e-15 });
      assertAllclose(f(p, t), sumOf(values(none)) / 6, { rtol: 1e-15 });
      assert.throws(() => f(p, t, { reduction: "avg" as "mean" }), {
        name: "ValueError",
        message: `${name}: reduction must be one of "mean", "sum", "none", got "avg"`,
      });
    }
  });
  it('"none" keeps the input shape, for any rank (property)', () =>
    fc.assert(
      fc.property(pairArb(), ([p, t]) => {
        assert.deepEqual(losses.mse(p, t, { reduction: "none" }).shape, p.shape);
        assert.deepEqual(losses.huber(p, t).shape, []);
      }),
      { numRuns: 30 },
    ));
});

describe("losses: regression errors", () => {
  it("a shape mismatch is a ShapeError naming the loss and both shapes (no broadcasting)", () => {
    assert.throws(() => losses.mse(tensor([[1], [2]]), tensor([1, 2])), {
      name: "ShapeError",
      message: "mse: predictions of shape [2,1] and targets of shape [2] differ; expected the same shape " +
        "(losses do not broadcast: reshape one of them)",
    });
    for (const f of [losses.sumSquares, losses.mae, losses.huber]) {
      assert.throws(() => f(tensor([1, 2, 3]), tensor([1])), {
        name: "ShapeError",
        message: new RegExp(`^${f.name}: predictions of shape \\[3\\] and targets of shape \\[1\\] differ`),
      });
    }
  });
  it("int32 inputs or mixed float dtypes are DTypeErrors naming the loss", () => {
    assert.throws(() => losses.mse(tensor([1], { dtype: "int32" }), tensor([1], { dtype: "int32" })), {
      name: "DTypeError",
      message: /^mse: predictions have dtype int32; expected float32 or float64/,
    });
    assert.throws(() => losses.mae(tensor([1]), f64([1])), {
      name: "DTypeError",
      message: /^mae: predictions have dtype float32 but targets have dtype float64/,
    });
  });
  it("a non-tensor argument and a bad δ are ValueErrors", () => {
    assert.throws(() => losses.mse([1, 2] as unknown as Tensor, tensor([1, 2])), {
      name: "ValueError",
      message: /^mse: predictions must be a tensor, got an array/,
    });
    for (const delta of [0, -1, NaN, Infinity]) {
      assert.throws(() => losses.huber(tensor([1]), tensor([1]), { delta }), {
        name: "ValueError",
        message: /^huber: delta must be a finite number > 0/,
      });
    }
  });
});

describe("losses: regression inputs are not mutated", () => {
  it("values and gradients leave the inputs byte-identical", () => {
    const p = f64([1, -2, 3]);
    const t = f64([0.5, 0.5, 0.5]);
    const before = [values(p), values(t)];
    for (const f of [losses.sumSquares, losses.mse, losses.mae, losses.huber]) {
      f(p, t);
      grad((p: Tensor, t: Tensor) => f(p, t), { argnums: [0, 1] })(p, t);
    }
    assert.deepEqual([values(p), values(t)], before);
  });
});
