/**
 * Image layers: `conv2d` (the core convolution plus a bias, by hand and
 * against the op; Glorot kernel with fans over the receptive field), the
 * pooling layers and `flatten`; init's output shapes against apply's for
 * strides, padding and dilation; gradients with respect to params and input
 * by `checkGrads` (float64); a small CNN in `sequential`; errors.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  add,
  arange,
  avgPool2d,
  cast,
  conv2d,
  layers,
  maxPool2d,
  mul,
  ones,
  random,
  reshape,
  ShapeError,
  sub,
  sum,
  type Tensor,
  tensor,
  tree,
  ValueError,
  zeros,
} from "../mod.ts";
import { assertAllclose, checkGrads, floatTensorArb } from "../testing/mod.ts";

const f64 = <T>(t: T): T => tree.map((x: Tensor) => cast(x, "float64"), t);
const vals = (t: Tensor): number[] => [...t.toTypedArray()];

describe("conv2d layer", () => {
  it("is the core conv2d plus a bias per filter (by hand: a 2×2 box filter + 1)", () => {
    const layer = layers.conv2d(1, 2);
    const x = reshape(arange(9), [1, 3, 3, 1]);
    const y = layer.apply({ w: ones([2, 2, 1, 1]), b: tensor([1]) }, x);
    assert.deepEqual(reshape(y, [2, 2]).toArray(), [[9, 13], [21, 25]]);
  });

  it("matches conv2d(x, w, opts) + b for strides, padding and dilation", () => {
    const opts = { strides: [2, 1] as const, padding: "same" as const, dilation: 1 };
    const layer = layers.conv2d(3, [3, 2], opts);
    const { params } = layer.init(random.key(0), [2, 7, 6, 4]);
    const p = { w: params.w, b: random.normal(random.key(2), [3]) };
    const x = random.normal(random.key(1), [2, 7, 6, 4]);
    assertAllclose(layer.apply(p, x), add(conv2d(x, p.w, opts), p.b), { rtol: 0, atol: 0 });
  });

  it("init: an HWIO kernel, Glorot uniform with fans kh·kw·C and kh·kw·filters, from the first split key", () => {
    const k = random.key(5);
    const { params, outputShape } = layers.conv2d(16, 3).init(k, [4, 10, 10, 8]);
    assert.deepEqual([params.w.shape, params.b?.shape, outputShape], [[3, 3, 8, 16], [16], [4, 8, 8, 16]]);
    const [kw] = random.split(k);
    assert.deepEqual(vals(params.w), vals(layers.initializers.glorotUniform(kw, [3, 3, 8, 16])));
    const limit = Math.sqrt(6 / (9 * 8 + 9 * 16));
    assert.ok(vals(params.w).every((v) => Math.abs(v) <= limit));
    assert.deepEqual(vals(params.b as Tensor), new Array(16).fill(0));
  });

  it("useBias: false gives params { w } and no bias", () => {
    const layer = layers.conv2d(2, 1, { useBias: false });
    const { params } = layer.init(random.key(0), [1, 2, 2, 1]);
    assert.deepEqual(Object.keys(params), ["w"]);
    const x = random.normal(random.key(1), [1, 2, 2, 1]);
    assertAllclose(layer.apply(params, x), conv2d(x, params.w), { rtol: 0, atol: 0 });
  });

  it("init's output shape is the shape apply returns", () =>
    fc.assert(
      fc.property(
        fc.record({
          h: fc.integer({ min: 3, max: 8 }),
          w: fc.integer({ min: 3, max: 8 }),
          k: fc.integer({ min: 1, max: 3 }),
          s: fc.integer({ min: 1, max: 3 }),
          d: fc.integer({ min: 1, max: 2 }),
          padding: fc.constantFrom("valid" as const, "same" as const),
        }),
        ({ h, w, k, s, d, padding }) => {
          const layer = layers.conv2d(2, k, { strides: s, dilation: d, padding });
          fc.pre((k - 1) * d + 1 <= Math.min(h, w));
          const { params, outputShape } = layer.init(random.key(0), [1, h, w, 2]);
          assert.deepEqual(layer.apply(params, zeros([1, h, w, 2])).shape, outputShape);
        },
      ),
      { numRuns: 40 },
    ));

  it("gradients with respect to params and input match finite differences (float64, order 2)", () =>
    fc.assert(
      fc.property(floatTensorArb({ shape: [2, 4, 4, 2] }), fc.nat(), (x, seed) => {
        const layer = layers.conv2d(2, 3, { padding: "same", strides: 2 });
        const params = f64(layer.init(random.key(seed), [2, 4, 4, 2]).params);
        checkGrads((p: typeof params, x: Tensor) => layer.apply(p, x), [params, x], { order: 2, seed });
      }),
      { numRuns: 8 },
    ));

  it("errors name the layer", () => {
    assert.throws(() => layers.conv2d(0, 3), (e) => e instanceof ValueError && /conv2d: filters/.test(e.message));
    assert.throws(
      () => layers.conv2d(2, [3] as unknown as [number, number]),
      (e) => e instanceof ValueError && /conv2d: kernel/.test(e.message),
    );
    assert.throws(() => layers.conv2d(2, [3, 0]), (e) => e instanceof ValueError && /kernel width/.test(e.message));
    assert.throws(
      () => layers.conv2d(2, 3).init(random.key(0), [1, 8, 8]),
      (e) => e instanceof ShapeError && /conv2d: expects inputs of rank 4, got inputShape \[1,8,8\]/.test(e.message),
    );
    // a kernel larger than the image fails at init, in the op's words
    assert.throws(() => layers.conv2d(2, 5).init(random.key(0), [1, 3, 3, 1]), /conv2d/);
    const layer = layers.conv2d(2, 3);
    const { params } = layer.init(random.key(0), [1, 5, 5, 3]);
    assert.throws(
      () => layer.apply(params, zeros([1, 5, 5, 4])),
      (e) => e instanceof ShapeError && /channels/.test(e.message),
    );
  });
});

describe("pooling layers and flatten", () => {
  it("maxPool2d and avgPool2d are the core ops, with no params", () => {
    const x = random.normal(random.key(0), [2, 6, 5, 3]);
    const mp = layers.maxPool2d(2, { strides: 1, padding: "same" });
    const ap = layers.avgPool2d([3, 2], { countIncludePad: true, padding: "same" });
    const rm = mp.init(random.key(0), x.shape);
    const ra = ap.init(random.key(0), x.shape);
    assert.deepEqual([rm.params, rm.state, ra.params], [{}, {}, {}]);
    const ym = mp.apply({}, x);
    const ya = ap.apply({}, x);
    assertAllclose(ym, maxPool2d(x, { window: 2, strides: 1, padding: "same" }), { rtol: 0, atol: 0 });
    assertAllclose(ya, avgPool2d(x, { window: [3, 2], countIncludePad: true, padding: "same" }), { rtol: 0, atol: 0 });
    assert.deepEqual([rm.outputShape, ra.outputShape], [ym.shape, ya.shape]);
    assert.deepEqual(layers.maxPool2d(2).init(random.key(0), [1, 7, 7, 1]).outputShape, [1, 3, 3, 1]);
  });

  it("average-pooling gradients match finite differences (float64, order 2)", () =>
    fc.assert(
      fc.property(floatTensorArb({ shape: [1, 4, 4, 2] }), fc.nat(), (x, seed) =>
        checkGrads(
          (x: Tensor) => layers.avgPool2d(2).apply({}, x),
          [x],
          { order: 2, seed },
        )),
      { numRuns: 15 },
    ));

  it("max-pooling gradients match finite differences (float64, values 0.1 apart so no tie is crossed)", () =>
    fc.assert(
      fc.property(fc.nat(), (seed) => {
        const perm = cast(random.permutation(random.key(seed), 32), "float64");
        const x = reshape(mul(sub(perm, 16), 0.1), [1, 4, 4, 2]);
        checkGrads((x: Tensor) => layers.maxPool2d(2).apply({}, x), [x], { order: 2, seed });
      }),
      { numRuns: 15 },
    ));

  it("flatten keeps the batch axis and the row-major order", () => {
    const x = reshape(arange(24), [2, 3, 2, 2]);
    const y = layers.flatten().apply({}, x);
    assert.deepEqual(y.shape, [2, 12]);
    assert.deepEqual(vals(y), vals(x));
    assert.deepEqual(layers.flatten().apply({}, tensor([1, 2, 3])).shape, [3, 1]);
    assert.deepEqual(layers.flatten().apply({}, zeros([4, 5])).shape, [4, 5]);
    assert.deepEqual(layers.flatten().init(random.key(0), [2, 3, 2, 2]).outputShape, [2, 12]);
    assert.throws(() => layers.flatten().init(random.key(0), []), ShapeError);
    const x64 = random.normal(random.key(0), [2, 3, 2], { dtype: "float64" });
    checkGrads((x: Tensor) => layers.flatten().apply({}, x), [x64], { order: 2, seed: 1 });
  });

  it("pooling layers refuse inputs that are not NHWC", () => {
    assert.throws(
      () => layers.maxPool2d(2).init(random.key(0), [4, 4]),
      (e) => e instanceof ShapeError && /maxPool2d: expects inputs of rank 4/.test(e.message),
    );
    assert.throws(() => layers.avgPool2d(2).apply({}, zeros([4, 4])), ShapeError);
  });
});

describe("a small CNN", () => {
  const cnn = layers.sequential([
    layers.conv2d(3, 3, { padding: "same" }),
    layers.relu,
    layers.maxPool2d(2),
    layers.flatten(),
    layers.dense(2),
  ]);

  it("init's shapes chain through conv, pool, flatten and dense", () => {
    const { params, outputShape } = cnn.init(random.key(0), [5, 8, 8, 1]);
    assert.deepEqual(outputShape, [5, 2]);
    assert.deepEqual(params[4].w.shape, [4 * 4 * 3, 2]);
    assert.deepEqual(cnn.apply(params, zeros([5, 8, 8, 1])).shape, [5, 2]);
  });

  it("its gradient with respect to every parameter matches finite differences (float64)", () => {
    const params = f64(cnn.init(random.key(1), [2, 4, 4, 1]).params);
    // inputs away from 0 so that the ReLU kinks and max ties are not met by a finite difference
    const x = add(random.uniform(random.key(2), [2, 4, 4, 1], { dtype: "float64" }), 0.5);
    checkGrads((p: typeof params) => sum(cnn.apply(p, x)), [params], { seed: 3 });
  });
});
