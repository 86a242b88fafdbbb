/**
 * Inverted dropout: the identity at inference; in training a mask from
 * `ctx.key` (`random.bernoulli(key, 1 − rate)`), kept values scaled by
 * 1/(1 − rate), so the expectation over keys equals the inference output
 * (checked over 400 keys within 5 standard errors); the kept fraction;
 * gradients (the same mask); NaN kept as PyTorch's x·mask/(1 − p) keeps it;
 * a missing key is a ValueError; rates 0 and 1.
 */
import { assert, describe, it } from "./lib/test.ts";
import { grad, layers, linspace, random, sum, type Tensor, tensor, ValueError } from "../mod.ts";
import { checkGrads } from "../testing/mod.ts";

const vals = (t: Tensor): number[] => [...t.toTypedArray()];

describe("dropout", () => {
  it("is the identity at inference (no key needed)", () => {
    const x = tensor([1, 2, 3]);
    const d = layers.dropout(0.3);
    assert.equal(d.apply({}, x), x);
    assert.equal(d.apply({}, x, { training: false }), x);
    assert.deepEqual(d.init(random.key(0), [4, 3]), { params: {}, state: {}, outputShape: [4, 3] });
  });

  it("in training keeps x/(1 − rate) where random.bernoulli(key, 1 − rate) is true, 0 elsewhere", () => {
    const x = linspace(1, 2, 200);
    const k = random.key(4);
    const y = vals(layers.dropout(0.25).apply({}, x, { training: true, key: k }));
    const mask = vals(random.bernoulli(k, 0.75, [200]));
    const xs = vals(x);
    y.forEach((v, i) => assert.equal(v, mask[i] ? Math.fround(xs[i] * Math.fround(1 / 0.75)) : 0));
  });

  it("keeps a fraction 1 − rate of the elements (binomial, within 5 standard errors)", () => {
    const n = 20000;
    for (const rate of [0.1, 0.5, 0.9]) {
      const y = vals(
        layers.dropout(rate).apply({}, tensor(new Array(n).fill(1)), { training: true, key: random.key(1) }),
      );
      const kept = y.filter((v) => v !== 0).length / n;
      assert.ok(Math.abs(kept - (1 - rate)) <= 5 * Math.sqrt((rate * (1 - rate)) / n), `rate ${rate}: kept ${kept}`);
    }
  });

  it("keeps the expectation: the mean over many keys of the training output is the inference output", () => {
    const rate = 0.4;
    const d = layers.dropout(rate);
    const x = linspace(-2, 3, 50, { dtype: "float64" });
    const K = 400;
    const acc = new Array(50).fill(0);
    for (const k of random.split(random.key(7), K)) {
      vals(d.apply({}, x, { training: true, key: k })).forEach((v, i) => (acc[i] += v / K));
    }
    const test = vals(d.apply({}, x));
    test.forEach((xi, i) => {
      // each training output is xi/(1 − p) with probability 1 − p: variance xi²·p/(1 − p)
      const se = Math.abs(xi) * Math.sqrt(rate / (1 - rate) / K);
      assert.ok(Math.abs(acc[i] - xi) <= 5 * se + 1e-12, `element ${i}: mean ${acc[i]}, expected ${xi} ± ${5 * se}`);
    });
  });

  it("the same key gives the same mask; another key another", () => {
    const d = layers.dropout(0.5);
    const x = tensor(new Array(64).fill(1));
    const a = vals(d.apply({}, x, { training: true, key: random.key(1) }));
    assert.deepEqual(vals(d.apply({}, x, { training: true, key: random.key(1) })), a);
    assert.notDeepEqual(vals(d.apply({}, x, { training: true, key: random.key(2) })), a);
  });

  it("its gradient is the mask scaled by 1/(1 − rate)", () => {
    const d = layers.dropout(0.5);
    const k = random.key(3);
    const x = tensor(new Array(16).fill(0).map((_, i) => i - 8));
    const g = vals(grad((x: Tensor) => sum(d.apply({}, x, { training: true, key: k })))(x));
    const mask = vals(random.bernoulli(k, 0.5, [16]));
    assert.deepEqual(g, mask.map((m) => (m ? 2 : 0)));
  });

  it("its gradients match finite differences for a fixed key (float64, order 2)", () => {
    const d = layers.dropout(0.3);
    const x = random.normal(random.key(0), [4, 5], { dtype: "float64" });
    checkGrads((x: Tensor) => d.apply({}, x, { training: true, key: random.key(9) }), [x], { order: 2, seed: 2 });
    checkGrads((x: Tensor) => d.apply({}, x), [x], { order: 2, seed: 3 });
  });

  it("a NaN stays NaN, even where dropped (y = x·mask/(1 − p), as PyTorch)", () => {
    const y = vals(
      layers.dropout(0.5).apply({}, tensor(new Array(32).fill(NaN)), { training: true, key: random.key(0) }),
    );
    assert.ok(y.every(Number.isNaN));
  });

  it("training without a key is a ValueError that says to pass ctx.key", () => {
    const d = layers.dropout(0.5);
    assert.throws(
      () => d.apply({}, tensor([1]), { training: true }),
      (e) => e instanceof ValueError && /dropout: training mode needs a PRNG key.*ctx\.key/.test(e.message),
    );
    assert.throws(() => d.apply({}, tensor([1]), { training: true, key: 3 as never }), /got number/);
  });

  it("rate 0 is the identity even in training; rate 1 gives zeros; other rates are refused", () => {
    const x = tensor([1, -2]);
    assert.equal(layers.dropout(0).apply({}, x, { training: true }), x);
    assert.deepEqual(vals(layers.dropout(1).apply({}, x, { training: true, key: random.key(0) })), [0, -0]);
    for (const bad of [-0.1, 1.5, NaN]) {
      assert.throws(
        () => layers.dropout(bad),
        (e) => e instanceof ValueError && /dropout: rate must be/.test(e.message),
      );
    }
  });
});
