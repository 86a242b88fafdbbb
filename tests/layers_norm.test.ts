/**
 * Normalization layers against PyTorch's definitions, computed here by hand:
 *
 * - `layerNorm`: (x − mean)/√(var + eps)·scale + bias over the last axis,
 *   biased variance, eps 1e-5;
 * - `batchNorm`: batch mean and biased variance in training, with the new
 *   running statistics `(1 − m)·running + m·batch` (m = 0.1, the variance
 *   unbiased) returned as a new state; running statistics at inference;
 *   per channel over NHWC images; statistics kept out of the gradient.
 *
 * Gradients by `checkGrads` (float64, order 2); errors; nothing mutated.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { cast, grad, layers, random, ShapeError, sum, type Tensor, tensor, tree, ValueError } from "../mod.ts";
import type { BatchNormState, NormParams } from "../layers/mod.ts";
import { assertAllclose, checkGrads, floatTensorArb } from "../testing/mod.ts";

const vals = (t: Tensor): number[] => [...t.toTypedArray()];
const f64 = <T>(t: T): T => tree.map((x: Tensor) => cast(x, "float64"), t);
const EPS = 1e-5;

/** A batch norm's params and state, in float64. */
const init64 = (layer: ReturnType<typeof layers.batchNorm>, key: random.Key, shape: readonly number[]) => {
  const r = layer.init(key, shape);
  return { params: f64(r.params), state: f64(r.state) };
};

/** Columns of a row-major [n, d] array. */
const columns = (v: readonly number[], d: number): number[][] =>
  Array.from({ length: d }, (_, j) => v.filter((_, i) => i % d === j));
const meanOf = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const biasedVar = (v: readonly number[]) => meanOf(v.map((x) => (x - meanOf(v)) ** 2));

describe("layerNorm", () => {
  it("normalizes each row: (x − mean)/√(var + 1e-5), biased variance (by hand)", () => {
    const ln = layers.layerNorm();
    const params = f64(ln.init(random.key(0), [2, 4]).params);
    const rows = [[1, 2, 3, 4], [-1, 0, 0, 5]];
    const y = ln.apply(params, tensor(rows, { dtype: "float64" }));
    const expected = rows.map((r) => r.map((x) => (x - meanOf(r)) / Math.sqrt(biasedVar(r) + EPS)));
    assertAllclose(y, expected, { rtol: 1e-14, atol: 1e-14 });
  });

  it("applies scale and bias per feature; both start at 1 and 0", () => {
    const ln = layers.layerNorm();
    const { params, state, outputShape } = ln.init(random.key(0), [5, 3]);
    assert.deepEqual([vals(params.scale as Tensor), vals(params.bias as Tensor), state, outputShape], [
      [1, 1, 1],
      [0, 0, 0],
      {},
      [5, 3],
    ]);
    const x = tensor([[1, 2, 6]], { dtype: "float64" });
    const p = { scale: tensor([2, 0, -1], { dtype: "float64" }), bias: tensor([0.5, 1, 0], { dtype: "float64" }) };
    const r = [1, 2, 6];
    const z = r.map((v) => (v - 3) / Math.sqrt(biasedVar(r) + EPS));
    assertAllclose(ln.apply(p, x), [[2 * z[0] + 0.5, 1, -z[2]]], { rtol: 1e-14, atol: 1e-14 });
  });

  it("useScale/useBias false leave those params out", () => {
    const { params } = layers.layerNorm({ useScale: false, useBias: false }).init(random.key(0), [2, 3]);
    assert.deepEqual(params, {});
    assert.deepEqual(Object.keys(layers.layerNorm({ useBias: false }).init(random.key(0), [2, 3]).params), ["scale"]);
  });

  it("every row of the output has mean 0 and variance var/(var + eps) (any leading axes)", () =>
    fc.assert(
      fc.property(floatTensorArb({ shape: [2, 3, 6], min: -5, max: 5 }), (x) => {
        const ln = layers.layerNorm();
        const y = vals(ln.apply(f64(ln.init(random.key(0), [2, 3, 6]).params), x));
        const xv = vals(x);
        for (let r = 0; r < 6; r++) {
          const row = y.slice(6 * r, 6 * r + 6);
          const v = biasedVar(xv.slice(6 * r, 6 * r + 6));
          assert.ok(Math.abs(meanOf(row)) < 1e-12);
          assert.ok(Math.abs(biasedVar(row) - v / (v + EPS)) < 1e-12);
        }
      }),
      { numRuns: 30 },
    ));

  it("gradients with respect to input and params match finite differences (float64, order 2)", () =>
    fc.assert(
      fc.property(floatTensorArb({ shape: [3, 5] }), fc.nat(), (x, seed) => {
        const ln = layers.layerNorm();
        const [ks, kb] = random.split(random.key(seed));
        const params = {
          scale: random.normal(ks, [5], { dtype: "float64" }),
          bias: random.normal(kb, [5], { dtype: "float64" }),
        };
        checkGrads((p: NormParams, x: Tensor) => ln.apply(p, x), [params, x], { order: 2, seed });
      }),
      { numRuns: 15 },
    ));

  it("errors: bad eps, features that differ from the params", () => {
    assert.throws(
      () => layers.layerNorm({ eps: 0 }),
      (e) => e instanceof ValueError && /layerNorm: eps/.test(e.message),
    );
    const ln = layers.layerNorm();
    const { params } = ln.init(random.key(0), [2, 3]);
    assert.throws(
      () => ln.apply(params, tensor([[1, 2, 3, 4]])),
      (e) =>
        e instanceof ShapeError &&
        /layerNorm: input \[1,4\] must end in the 3 features of params\.scale/.test(e.message),
    );
    assert.throws(() => ln.init(random.key(0), []), (e) => e instanceof ShapeError && /layerNorm/.test(e.message));
  });
});

describe("batchNorm", () => {
  const bn = layers.batchNorm();

  it("in training normalizes with the batch statistics and returns PyTorch's running averages (by hand)", () => {
    const x = random.normal(random.key(1), [6, 3], { dtype: "float64" });
    const { params, state } = init64(bn, random.key(0), [6, 3]);
    const [y, next] = bn.applyWithState(params, state, x, { training: true });
    const cols = columns(vals(x), 3);
    const ycols = columns(vals(y), 3);
    cols.forEach((c, j) => {
      const m = meanOf(c);
      const v = biasedVar(c);
      ycols[j].forEach((yi, i) => assert.ok(Math.abs(yi - (c[i] - m) / Math.sqrt(v + EPS)) < 1e-12));
      assert.ok(Math.abs(vals(next.mean)[j] - 0.1 * m) < 1e-15);
      assert.ok(Math.abs(vals(next.var)[j] - (0.9 + 0.1 * v * 6 / 5)) < 1e-14, "unbiased running variance");
    });
  });

  it("at inference normalizes with the running statistics and returns the state unchanged", () => {
    const params = { scale: tensor([2, 1]), bias: tensor([0, -1]) };
    const state = { mean: tensor([1, -1]), var: tensor([4, 0.25]) };
    const x = tensor([[3, 0], [1, -1]]);
    const [y, next] = bn.applyWithState(params, state, x);
    assert.equal(next, state);
    const e = [[2 * 2 / Math.sqrt(4 + EPS), 1 / Math.sqrt(0.25 + EPS) - 1], [0, -1]];
    assertAllclose(y, e, { rtol: 1e-6, atol: 1e-6 });
    const [y2] = bn.applyWithState(params, state, x, { training: false });
    assertAllclose(y2, y, { rtol: 0, atol: 0 });
  });

  it("keeps statistics per channel over every other axis of NHWC images", () => {
    const x = random.normal(random.key(2), [2, 3, 3, 4], { dtype: "float64" });
    const { params, state } = init64(bn, random.key(0), [2, 3, 3, 4]);
    assert.deepEqual([params.scale?.shape, state.mean.shape], [[4], [4]]);
    const [y, next] = bn.applyWithState(params, state, x, { training: true });
    const cols = columns(vals(x), 4);
    columns(vals(y), 4).forEach((c) => assert.ok(Math.abs(meanOf(c)) < 1e-12));
    cols.forEach((c, j) => assert.ok(Math.abs(vals(next.var)[j] - (0.9 + (0.1 * biasedVar(c) * 18) / 17)) < 1e-14));
  });

  it("running statistics follow running ← (1 − m)·running + m·batch over steps (m = 0.1, or as given)", () => {
    const x = tensor([[1], [2], [3], [6]], { dtype: "float64" }); // mean 3, unbiased variance 14/3
    for (const m of [0.1, 0.5]) {
      const layer = layers.batchNorm({ momentum: m });
      const r = init64(layer, random.key(0), [4, 1]);
      let s: BatchNormState = r.state;
      for (let k = 1; k <= 5; k++) {
        s = layer.applyWithState(r.params, s, x, { training: true })[1];
        const w = (1 - m) ** k;
        assert.ok(Math.abs(s.mean.item() - 3 * (1 - w)) < 1e-14);
        assert.ok(Math.abs(s.var.item() - (w + (14 / 3) * (1 - w))) < 1e-14);
      }
    }
  });

  it("gradients in training with respect to input and params match finite differences (float64, order 2)", () =>
    fc.assert(
      fc.property(floatTensorArb({ shape: [4, 3] }), fc.nat(), (x, seed) => {
        const [ks, kb] = random.split(random.key(seed));
        const params = {
          scale: random.normal(ks, [3], { dtype: "float64" }),
          bias: random.normal(kb, [3], { dtype: "float64" }),
        };
        const state = f64(bn.init(random.key(0), [4, 3]).state);
        checkGrads((p: NormParams, x: Tensor) => bn.applyWithState(p, state, x, { training: true })[0], [params, x], {
          order: 2,
          seed,
        });
      }),
      { numRuns: 15 },
    ));

  it("gradients at inference with respect to input and params match finite differences (float64, order 2)", () => {
    const [ks, kb, km, kv, kx] = random.split(random.key(5), 5);
    const params = {
      scale: random.normal(ks, [3], { dtype: "float64" }),
      bias: random.normal(kb, [3], { dtype: "float64" }),
    };
    const state = {
      mean: random.normal(km, [3], { dtype: "float64" }),
      var: random.uniform(kv, [3], { dtype: "float64", minval: 0.5, maxval: 2 }),
    };
    const x = random.normal(kx, [4, 3], { dtype: "float64" });
    checkGrads((p: NormParams, x: Tensor) => bn.applyWithState(p, state, x)[0], [params, x], { order: 2, seed: 6 });
  });

  it("the new running statistics carry no gradient (they enter the state through stopGradient)", () => {
    const { params, state } = init64(bn, random.key(0), [4, 2]);
    const x = random.normal(random.key(1), [4, 2], { dtype: "float64" });
    const g = grad((x: Tensor) => {
      const s = bn.applyWithState(params, state, x, { training: true })[1];
      return sum(s.mean);
    })(x);
    assert.deepEqual(vals(g), new Array(8).fill(0));
  });

  it("is stateful: apply is a ValueError that points to applyWithState", () => {
    assert.equal(bn.stateful, true);
    const { params } = bn.init(random.key(0), [2, 2]);
    assert.throws(
      () => bn.apply(params, tensor([[1, 2], [3, 4]])),
      (e) => e instanceof ValueError && /batchNorm.*applyWithState/.test(e.message),
    );
  });

  it("errors: one value per feature in training, wrong features, missing state, bad options", () => {
    const { params, state } = bn.init(random.key(0), [1, 2]);
    assert.throws(
      () => bn.applyWithState(params, state, tensor([[1, 2]]), { training: true }),
      (e) => e instanceof ValueError && /batchNorm: training needs more than one value per feature/.test(e.message),
    );
    assert.throws(
      () => bn.applyWithState(params, state, tensor([[1, 2, 3]])),
      (e) => e instanceof ShapeError && /batchNorm: input \[1,3\]/.test(e.message),
    );
    assert.throws(() => bn.applyWithState(params, {} as never, tensor([[1, 2]])), /batchNorm: state must be/);
    assert.throws(() => bn.init(random.key(0), [3]), (e) => e instanceof ShapeError && /rank ≥ 2/.test(e.message));
    assert.throws(() => layers.batchNorm({ momentum: 1.5 }), /batchNorm: momentum/);
    assert.throws(() => layers.batchNorm({ eps: -1 }), /batchNorm: eps/);
  });

  it("mutates neither the input, the params nor the state", () => {
    const { params, state } = bn.init(random.key(0), [3, 2]);
    const x = tensor([[1, 2], [3, 5], [0, -1]]);
    const before = [vals(x), ...tree.leaves(params).map(vals), ...tree.leaves(state).map(vals)];
    bn.applyWithState(params, state, x, { training: true });
    bn.applyWithState(params, state, x);
    assert.deepEqual([vals(x), ...tree.leaves(params).map(vals), ...tree.leaves(state).map(vals)], before);
  });
});
