/**
 * The dense layer: y = x·w + b by hand, on inputs of any rank (the last axis
 * is the features); its initialization (Glorot uniform kernel from the first
 * split key, zero bias, custom initializers); gradients with respect to the
 * params and the input by `checkGrads` (float64, orders 1 and 2); errors
 * that name the layer; and no input mutated.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import type { DenseParams, Layer } from "../layers/mod.ts";
import {
  cast,
  grad,
  layers,
  matmul,
  random,
  reshape,
  ShapeError,
  sum,
  type Tensor,
  tensor,
  tree,
  ValueError,
  zeros,
} from "../mod.ts";
import { assertAllclose, checkGrads, floatTensorArb, shapeArb } from "../testing/mod.ts";

/** d Σ apply(p, x) / dp. */
const gradOf = (layer: Layer<DenseParams>, p: DenseParams, x: Tensor): DenseParams =>
  grad((q: DenseParams) => sum(layer.apply(q, x)))(p);

const f64 = <T>(t: T): T => tree.map((x: Tensor) => cast(x, "float64"), t);
const vals = (t: Tensor): number[] => [...t.toTypedArray()];

describe("dense", () => {
  it("computes x·w + b (checked by hand)", () => {
    const layer = layers.dense(2);
    const params = { w: tensor([[1, 2], [3, 4], [5, 6]]), b: tensor([0.5, -1]) };
    const y = layer.apply(params, tensor([[1, 0, -1], [0, 1, 0]]));
    assert.deepEqual(y.toArray(), [[1 - 5 + 0.5, 2 - 6 - 1], [3.5, 3]]);
  });

  it("acts on the last axis of inputs of any rank ≥ 1, as on each row", () => {
    const layer = layers.dense(3);
    const { params } = layer.init(random.key(0), [5]);
    const x = random.normal(random.key(1), [2, 4, 5]);
    const y = layer.apply(params, x);
    assert.deepEqual(y.shape, [2, 4, 3]);
    const rows = layer.apply(params, reshape(x, [8, 5]));
    assertAllclose(reshape(y, [8, 3]), rows, { rtol: 0, atol: 0 });
    const one = layer.apply(params, tensor([1, 0, 0, 0, 0]));
    assert.deepEqual(one.shape, [3]);
    assertAllclose(one, reshape(layer.apply(params, tensor([[1, 0, 0, 0, 0]])), [3]), { rtol: 0, atol: 0 });
  });

  it("init: Glorot uniform w from the first split key, zero b, output shape [..., units]", () => {
    const k = random.key(3);
    const { params, state, outputShape } = layers.dense(4).init(k, [7, 6]);
    const [kw] = random.split(k);
    assert.deepEqual(vals(params.w), vals(layers.initializers.glorotUniform(kw, [6, 4])));
    assert.deepEqual(vals(params.b as Tensor), [0, 0, 0, 0]);
    assert.deepEqual([state, outputShape], [{}, [7, 4]]);
  });

  it("takes initializers for the kernel and the bias (the bias from the second split key)", () => {
    const k = random.key(4);
    const { params } = layers.dense(2, { init: layers.initializers.heNormal, biasInit: layers.initializers.normal(1) })
      .init(k, [1, 3]);
    const [kw, kb] = random.split(k);
    assert.deepEqual(vals(params.w), vals(layers.initializers.heNormal(kw, [3, 2])));
    assert.deepEqual(vals(params.b as Tensor), vals(random.normal(kb, [2])));
  });

  it("useBias: false gives params { w } and y = x·w", () => {
    const layer = layers.dense(2, { useBias: false });
    const { params } = layer.init(random.key(0), [3, 4]);
    assert.deepEqual(Object.keys(params), ["w"]);
    const x = random.normal(random.key(1), [3, 4]);
    assertAllclose(layer.apply(params, x), matmul(x, params.w), { rtol: 0, atol: 0 });
  });

  it("init's output shape is the shape apply returns, for ranks 1 to 4", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 1, maxRank: 4 }), fc.integer({ min: 1, max: 6 }), (shape, units) => {
        const layer = layers.dense(units);
        const { params, outputShape } = layer.init(random.key(0), shape);
        assert.deepEqual(layer.apply(params, zeros(shape)).shape, outputShape);
      }),
      { numRuns: 30 },
    ));

  it("gradients with respect to params and input match finite differences (float64, order 2)", () =>
    fc.assert(
      fc.property(floatTensorArb({ shape: [3, 4] }), fc.nat(), (x, seed) => {
        const layer = layers.dense(2);
        const params = f64(layer.init(random.key(seed), [3, 4]).params);
        checkGrads((p: typeof params, x: Tensor) => layer.apply(p, x), [params, x], { order: 2, seed });
      }),
      { numRuns: 20 },
    ));

  it("gradient of Σ(x·w + b) with respect to b is the batch size, and to w is Σ over rows of x", () => {
    const layer = layers.dense(2);
    const x = tensor([[1, 2], [3, 4], [5, 6]], { dtype: "float64" });
    const params = f64(layer.init(random.key(0), [3, 2]).params);
    const g = gradOf(layer, params, x);
    assert.deepEqual(vals(g.b as Tensor), [3, 3]);
    assert.deepEqual(g.w.toArray(), [[9, 9], [12, 12]]);
  });

  it("errors name the layer, the shapes and what was expected", () => {
    assert.throws(
      () => layers.dense(0),
      (e) => e instanceof ValueError && /dense: units must be a positive integer/.test(e.message),
    );
    assert.throws(() => layers.dense(1.5), ValueError);
    const layer = layers.dense(2);
    const { params } = layer.init(random.key(0), [1, 3]);
    assert.throws(
      () => layer.apply(params, zeros([1, 4])),
      (e) =>
        e instanceof ShapeError && /dense: input \[1,4\] must end in 3 features, as w \[3,2\] expects/.test(e.message),
    );
    assert.throws(() => layer.apply(params, zeros([40])), ShapeError);
    assert.throws(
      () => layer.init(random.key(0), []),
      (e) => e instanceof ShapeError && /dense.*rank ≥ 1/.test(e.message),
    );
    assert.throws(
      () => layer.apply({ w: params.w }, zeros([1, 3])),
      (e) => e instanceof ValueError && /params\.b/.test(e.message),
    );
  });

  it("mutates neither the input nor the params", () => {
    const layer = layers.dense(3);
    const { params } = layer.init(random.key(0), [2, 2]);
    const x = tensor([[1, -1], [2, 0.5]]);
    const before = [vals(x), vals(params.w), vals(params.b as Tensor)];
    layer.apply(params, x);
    gradOf(layer, params, x);
    assert.deepEqual([vals(x), vals(params.w), vals(params.b as Tensor)], before);
  });
});

describe("parameter dtype", () => {
  it("dense, conv2d and embedding make float64 parameters with { dtype: 'float64' }, and mlp passes it on", () => {
    const k = random.key(1);
    const d = layers.dense(2, { dtype: "float64" }).init(k, [3, 4]).params;
    assert.deepEqual([d.w.dtype, d.b?.dtype], ["float64", "float64"]);
    const c = layers.conv2d(2, 3, { dtype: "float64" }).init(k, [1, 5, 5, 1]).params;
    assert.deepEqual([c.w.dtype, c.b?.dtype], ["float64", "float64"]);
    assert.equal(layers.embedding(5, 2, { dtype: "float64" }).init(k, [3]).params.table.dtype, "float64");
    const net = layers.mlp([4, 1], { dtype: "float64" });
    const { params } = net.init(k, [3, 2]);
    const x = tensor([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], { dtype: "float64" });
    assert.equal(net.apply(params, x).dtype, "float64");
    checkGrads((p: typeof params) => net.apply(p, x), [params], { order: 1 });
  });
});
