/**
 * Regularizers (losses/regularizers.ts): l2 = ½Σw², l1 = Σ|w| over the
 * leaves a filter selects (by default float tensors of rank ≥ 2: weights,
 * not biases), and the regularized risk L + λR. Values against sums
 * written out in plain JS over random parameter trees, gradients (∇l2 = w,
 * so descent is weight decay), the filter rule, errors, no input mutated.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { grad, losses, matmul, mul, sub, type Tensor, tensor, tree, zeros } from "../mod.ts";
import { assertAllclose, checkGrads, paramTreeArb } from "../testing/mod.ts";

const f64 = (data: number[] | number[][]) => tensor(data, { dtype: "float64" });
const values = (t: Tensor) => Array.from(t.toTypedArray());

type Mlp = { layers: { w: Tensor; b: Tensor }[]; scale: Tensor };
const mlp: Mlp = {
  layers: [
    { w: f64([[1, -2], [0.5, 3]]), b: f64([10, -10]) },
    { w: f64([[-1], [2]]), b: f64([7]) },
  ],
  scale: tensor(4, { dtype: "float64" }),
};

describe("losses: l2 and l1 values", () => {
  it("default filter: weights (rank ≥ 2) only, not biases or scalars", () => {
    // ½(1 + 4 + 0.25 + 9 + 1 + 4) and (1 + 2 + 0.5 + 3 + 1 + 2)
    assert.equal(losses.l2(mlp).item(), 9.625);
    assert.equal(losses.l1(mlp).item(), 9.5);
    assert.equal(losses.weightsOnly(["layers", 0, "w"], mlp.layers[0].w), true);
    assert.equal(losses.weightsOnly(["layers", 0, "b"], mlp.layers[0].b), false);
    assert.equal(losses.weightsOnly(["scale"], mlp.scale), false);
    assert.equal(losses.weightsOnly(["ids"], tensor([[1]], { dtype: "int32" })), false);
  });
  it("allLeaves and path filters select what they say", () => {
    assert.equal(losses.l2(mlp, { filter: losses.allLeaves }).item(), 9.625 + 0.5 * (100 + 100 + 49 + 16));
    assert.equal(losses.l1(mlp, { filter: (path) => path.at(-1) === "b" }).item(), 27);
    assert.equal(losses.l2(mlp, { filter: (path) => path[1] === 1 && path[2] === "w" }).item(), 2.5);
  });
  it("equal the sums written out over random parameter trees (property)", () =>
    fc.assert(
      fc.property(paramTreeArb(), (params) => {
        const selected = tree.leaves(params).filter((t) => t.ndim >= 2).flatMap(values);
        assertAllclose(losses.l2(params), 0.5 * selected.reduce((a, v) => a + v * v, 0), { rtol: 1e-14, atol: 0 });
        assertAllclose(losses.l1(params), selected.reduce((a, v) => a + Math.abs(v), 0), { rtol: 1e-14, atol: 0 });
      }),
      { numRuns: 100 },
    ));
  it("nothing selected gives 0 in the tree's float dtype, so L + λR still adds", () => {
    const biases = { b: f64([1, 2]) };
    assert.equal(losses.l2(biases).item(), 0);
    assert.equal(losses.l2(biases).dtype, "float64");
    assert.equal(losses.l1({}).dtype, "float32");
  });
});

describe("losses: regularizer gradients", () => {
  it("∇l2 = w on selected leaves and 0 elsewhere; ∇l1 = sign(w)", () => {
    const g = grad((p: Mlp) => losses.l2(p))(mlp);
    assert.deepEqual(g.layers[0].w.toArray(), mlp.layers[0].w.toArray());
    assert.deepEqual(values(g.layers[0].b), [0, 0]);
    assert.equal(g.scale.item(), 0);
    const g1 = grad((p: Mlp) => losses.l1(p))(mlp);
    assert.deepEqual(g1.layers[1].w.toArray(), [[-1], [1]]);
  });
  it("match finite differences at orders 1 and 2 over random trees (property)", () =>
    fc.assert(
      fc.property(paramTreeArb(), fc.nat(), (params, seed) => {
        fc.pre(tree.leaves(params).length > 0);
        checkGrads((p: typeof params) => losses.l2(p, { filter: losses.allLeaves }), [params], { order: 2, seed });
        // l1 away from its kink at 0
        fc.pre(tree.leaves(params).every((t) => values(t).every((v) => Math.abs(v) > 1e-3)));
        checkGrads((p: typeof params) => losses.l1(p, { filter: losses.allLeaves }), [params], { order: 2, seed });
      }),
      { numRuns: 40 },
    ));
  it("a gradient step on L + λ·l2 is weight decay: w ← (1 − ηλ)w − η∇L, biases undecayed", () => {
    type P = { w: Tensor; b: Tensor };
    const x = f64([[1, 2], [3, -1], [0.5, 0.5]]);
    const y = f64([[1], [0], [2]]);
    const risk = (p: P, x: Tensor, y: Tensor) => losses.mse(sub(matmul(x, p.w), mul(p.b, -1)), y);
    const lambda = 0.3;
    const eta = 0.1;
    const p: P = { w: f64([[0.2], [-0.4]]), b: f64([0.1]) };
    const gReg = grad(losses.regularized(risk, lambda, losses.l2))(p, x, y);
    const gRisk = grad(risk)(p, x, y);
    const step = (w: Tensor, g: Tensor) => sub(w, mul(g, eta));
    assertAllclose(step(p.w, gReg.w), sub(mul(p.w, 1 - eta * lambda), mul(gRisk.w, eta)), { rtol: 1e-14 });
    assertAllclose(step(p.b, gReg.b), step(p.b, gRisk.b), { rtol: 0, atol: 0 });
  });
});

describe("losses: regularized", () => {
  it("is L + λR, keeps the loss's other arguments, and λ = 0 gives L", () => {
    const loss = (p: Mlp, k: Tensor) => mul(p.scale, k);
    const k = tensor(2, { dtype: "float64" });
    assert.equal(losses.regularized(loss, 0.5, losses.l2)(mlp, k).item(), 8 + 0.5 * 9.625);
    assert.equal(losses.regularized(loss, 0, losses.l1)(mlp, k).item(), 8);
    const onlyBiases = (p: Mlp) => losses.l1(p, { filter: (path) => path.at(-1) === "b" });
    assert.equal(losses.regularized(loss, 2, onlyBiases)(mlp, k).item(), 8 + 2 * 27);
  });
  it("a bad λ or non-function arguments are ValueErrors naming regularized", () => {
    const loss = () => zeros([]);
    for (const lambda of [-1, NaN, Infinity]) {
      assert.throws(() => losses.regularized(loss, lambda, losses.l2), {
        name: "ValueError",
        message: new RegExp(`^regularized: lambda must be a finite number ≥ 0, got ${lambda}`),
      });
    }
    assert.throws(() => losses.regularized(loss, 1, undefined as unknown as typeof losses.l2), {
      name: "ValueError",
      message: /^regularized: expected \(loss, lambda, reg\)/,
    });
  });
});

describe("losses: regularizer errors and inputs", () => {
  it("a selected int32 leaf, a selected non-tensor, or mixed float dtypes are typed errors naming the path", () => {
    const withIds = { w: f64([[1]]), ids: tensor([[1, 2]], { dtype: "int32" }) };
    assert.throws(() => losses.l2(withIds, { filter: losses.allLeaves }), {
      name: "DTypeError",
      message: "l2: the selected leaf at ids has dtype int32; expected float32 or float64",
    });
    assert.equal(losses.l2(withIds).item(), 0.5); // the default filter leaves the int32 leaf out
    assert.throws(() => losses.l1({ n: 3 }, { filter: losses.allLeaves }), {
      name: "ValueError",
      message: "l1: the selected leaf at n is not a tensor",
    });
    assert.throws(() => losses.l2({ a: f64([[1]]), b: tensor([[1]]) }), {
      name: "DTypeError",
      message: "l2: selected leaves differ in dtype: a is float64, b is float32; expected one float dtype " +
        "(cast the tree, or filter the leaves)",
    });
  });
  it("no input is mutated", () => {
    const before = tree.leaves(mlp).map(values);
    losses.l2(mlp);
    losses.l1(mlp, { filter: losses.allLeaves });
    grad((p: Mlp) => losses.regularized((q: Mlp) => losses.l2(q), 0.1, losses.l1)(p))(mlp);
    assert.deepEqual(tree.leaves(mlp).map(values), before);
    assert.deepEqual(Object.keys(mlp.layers[0]), ["w", "b"]);
  });
});
