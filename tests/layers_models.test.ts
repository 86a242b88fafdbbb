/**
 * Ready-made models: linear regression (trained by gradient descent to the
 * least-squares solution of the normal equations, computed by hand),
 * logistic and softmax regression (σ and softmax of x·w + b, or the logits),
 * and the MLP (its layers, activations and dense options; equal to the
 * composition by hand; gradients by `checkGrads`); argument errors.
 */
import { assert, describe, it } from "./lib/test.ts";
import {
  add,
  cast,
  grad,
  layers,
  linspace,
  matmul,
  mean,
  mul,
  random,
  reshape,
  sigmoid,
  softmax,
  square,
  sub,
  type Tensor,
  tensor,
  tree,
  ValueError,
} from "../mod.ts";
import type { DenseParams, ModelParams } from "../layers/mod.ts";
import { assertAllclose, checkGrads } from "../testing/mod.ts";

const f64 = <T>(t: T): T => tree.map((x: Tensor) => cast(x, "float64"), t);
const vals = (t: Tensor): number[] => [...t.toTypedArray()];

describe("linear regression", () => {
  it("is y = x·w + b, one dense layer (params [{ w, b }]); several outputs make it multivariate", () => {
    const model = layers.linearRegression(3);
    const { params, outputShape } = model.init(random.key(0), [4, 2]);
    assert.deepEqual([params.length, params[0].w.shape, params[0].b?.shape, outputShape], [1, [2, 3], [3], [4, 3]]);
    const x = random.normal(random.key(1), [4, 2]);
    assertAllclose(model.apply(params, x), add(matmul(x, params[0].w), params[0].b as Tensor), { rtol: 0, atol: 0 });
    assert.equal(layers.linearRegression().init(random.key(0), [1, 5]).params[0].w.shape[1], 1);
  });

  it("gradient descent on the mean squared error reaches the least-squares line (normal equations by hand)", () => {
    const n = 20;
    const xs = vals(linspace(-1, 1, n, { dtype: "float64" }));
    const noise = vals(random.normal(random.key(3), [n], { dtype: "float64", std: 0.3 }));
    const ys = xs.map((x, i) => 2 * x - 0.5 + noise[i]);
    const mx = xs.reduce((a, b) => a + b) / n;
    const my = ys.reduce((a, b) => a + b) / n;
    const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    const intercept = my - slope * mx;

    const model = layers.linearRegression();
    const x = reshape(linspace(-1, 1, n, { dtype: "float64" }), [n, 1]);
    const target = tensor(ys.map((v) => [v]), { dtype: "float64" });
    const loss = (p: ModelParams) => mean(square(sub(model.apply(p, x), target)));
    let params = f64(model.init(random.key(0), [n, 1]).params);
    for (let step = 0; step < 400; step++) {
      const g = grad(loss)(params);
      params = tree.map((p: Tensor, d: Tensor) => sub(p, mul(d, 0.5)), params, g);
    }
    assert.ok(Math.abs(params[0].w.item() - slope) < 1e-10, `slope ${params[0].w.item()} vs ${slope}`);
    assert.ok(Math.abs((params[0].b as Tensor).item() - intercept) < 1e-10);
  });
});

describe("logistic and softmax regression", () => {
  it("logistic regression is σ(x·w + b); with logits: true, x·w + b", () => {
    const x = random.normal(random.key(1), [6, 3]);
    const model = layers.logisticRegression();
    const { params, outputShape } = model.init(random.key(0), [6, 3]);
    assert.deepEqual([params[0].w.shape, params[1], outputShape], [[3, 1], {}, [6, 1]]);
    const z = add(matmul(x, params[0].w), params[0].b as Tensor);
    assertAllclose(model.apply(params, x), sigmoid(z), { rtol: 0, atol: 0 });
    const logits = layers.logisticRegression({ logits: true });
    const p2 = logits.init(random.key(0), [6, 3]).params;
    assert.equal(p2.length, 1);
    assertAllclose(logits.apply(p2, x), z, { rtol: 0, atol: 0 });
  });

  it("softmax regression is softmax(x·w + b) over the classes (rows sum to 1); with logits: true, x·w + b", () => {
    const x = random.normal(random.key(1), [5, 4]);
    const model = layers.softmaxRegression(3);
    const { params } = model.init(random.key(0), [5, 4]);
    const z = add(matmul(x, params[0].w), params[0].b as Tensor);
    const p = model.apply(params, x);
    assertAllclose(p, softmax(z), { rtol: 0, atol: 0 });
    (p.toArray() as number[][]).forEach((row) => assert.ok(Math.abs(row.reduce((a, b) => a + b) - 1) < 1e-6));
    const logits = layers.softmaxRegression(3, { logits: true });
    assertAllclose(logits.apply(logits.init(random.key(0), [5, 4]).params, x), z, { rtol: 0, atol: 0 });
  });
});

describe("mlp", () => {
  it("mlp([64, 64, 1]) is dense(64), relu, dense(64), relu, dense(1)", () => {
    const model = layers.mlp([64, 64, 1]);
    assert.deepEqual(model.children?.map((l) => l.name), ["dense", "relu", "dense", "relu", "dense"]);
    const { params, outputShape } = model.init(random.key(0), [8, 3]);
    assert.deepEqual(
      [params[0].w.shape, params[2].w.shape, params[4].w.shape, params[1], outputShape],
      [[3, 64], [64, 64], [64, 1], {}, [8, 1]],
    );
  });

  it("equals its layers applied by hand, with the activation and output activation given", () => {
    const model = layers.mlp([5, 2], { activation: layers.tanh, outputActivation: layers.softmax });
    assert.deepEqual(model.children?.map((l) => l.name), ["dense", "tanh", "dense", "softmax"]);
    const { params } = model.init(random.key(0), [3, 4]);
    const x = random.normal(random.key(1), [3, 4]);
    const d = layers.dense(1);
    const [p0, p2] = [params[0], params[2]] as DenseParams[];
    const byHand = softmax(d.apply(p2, layers.tanh(d.apply(p0, x))));
    assertAllclose(model.apply(params, x), byHand, { rtol: 0, atol: 0 });
  });

  it("passes the dense options to every layer", () => {
    const model = layers.mlp([3, 2], { useBias: false, init: layers.initializers.heNormal });
    const k = random.key(6);
    const { params } = model.init(k, [1, 4]);
    assert.deepEqual([Object.keys(params[0]), Object.keys(params[2])], [["w"], ["w"]]);
    const [k0] = random.split(random.split(k, 3)[0]);
    assert.deepEqual(vals(params[0].w), vals(layers.initializers.heNormal(k0, [4, 3])));
  });

  it("its gradient with respect to every parameter matches finite differences (float64, order 2)", () => {
    const model = layers.mlp([6, 4, 1], { activation: layers.tanh });
    const params = f64(model.init(random.key(0), [5, 3]).params);
    const x = random.normal(random.key(1), [5, 3], { dtype: "float64" });
    checkGrads((p: ModelParams, x: Tensor) => model.apply(p, x), [params, x], { order: 2, seed: 4 });
  });

  it("bad sizes are ValueErrors naming the model and the argument", () => {
    assert.throws(
      () => layers.mlp([]),
      (e) => e instanceof ValueError && /mlp: sizes must be a non-empty array/.test(e.message),
    );
    assert.throws(
      () => layers.mlp([4, 0]),
      (e) => e instanceof ValueError && /mlp: sizes\[1\] must be a positive integer/.test(e.message),
    );
    assert.throws(() => layers.softmaxRegression(0), /softmaxRegression: classes/);
    assert.throws(() => layers.linearRegression(1.5), /linearRegression: outputs/);
  });
});
