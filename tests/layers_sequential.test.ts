/**
 * `sequential` and `functionLayer`: composition equal to applying the
 * layers by hand; plain functions as parameterless layers (params `{}`,
 * output shapes found by tracing, nothing computed); the init key and
 * `ctx.key` split per layer (`random.split(key, n)[i]` for item i); state
 * threaded through stateful children as a new tree, the old one untouched;
 * gradients through the container; errors.
 */
import { assert, describe, it } from "./lib/test.ts";
import {
  cast,
  layers,
  log,
  mul,
  NanError,
  random,
  sum,
  type Tensor,
  tensor,
  tree,
  ValueError,
  withDebugNans,
  zeros,
} from "../mod.ts";
import type { Layer } from "../layers/mod.ts";
import type { Tree } from "../core/tree/types.ts";
import { assertAllclose, checkGrads } from "../testing/mod.ts";

const vals = (t: Tensor): number[] => [...t.toTypedArray()];
const f64 = <T>(t: T): T => tree.map((x: Tensor) => cast(x, "float64"), t);

/** A layer that records the keys and contexts it is given, to check what the container passes down. */
const probe = (seen: unknown[]): Layer<Record<string, never>> => ({
  name: "probe",
  stateful: false,
  init: (key, shape) => {
    seen.push(key);
    return { params: {}, state: {}, outputShape: shape };
  },
  apply: (_p, x, ctx) => {
    seen.push(ctx);
    return x;
  },
  applyWithState: (_p, s, x, ctx) => {
    seen.push(ctx);
    return [x, s];
  },
});

describe("sequential: composition", () => {
  it("applies the layers in order, as by hand, with plain functions as layers", () => {
    const d1 = layers.dense(4);
    const d2 = layers.dense(2);
    const model = layers.sequential([d1, layers.tanh, d2]);
    const { params, state, outputShape } = model.init(random.key(0), [3, 5]);
    assert.equal(params.length, 3);
    assert.deepEqual([params[1], state, outputShape], [{}, {}, [3, 2]]);
    const x = random.normal(random.key(1), [3, 5]);
    const byHand = d2.apply(params[2], layers.tanh(d1.apply(params[0], x)));
    assertAllclose(model.apply(params, x), byHand, { rtol: 0, atol: 0 });
    assert.equal(model.stateful, false);
    assert.deepEqual(model.children?.map((l) => l.name), ["dense", "tanh", "dense"]);
  });

  it("a function's output shape comes from tracing it: shape-changing functions chain", () => {
    const model = layers.sequential([layers.dense(6), (x: Tensor) => sum(x, -1, true), layers.dense(2)]);
    const { params, outputShape } = model.init(random.key(0), [4, 3]);
    assert.deepEqual(params[2].w.shape, [1, 2]);
    assert.deepEqual(outputShape, [4, 2]);
    assert.deepEqual(model.apply(params, zeros([4, 3])).shape, [4, 2]);
  });

  it("init computes nothing in a function layer (a log of the zeros it would see raises no NaN check)", () => {
    const model = layers.sequential([(x: Tensor) => log(x)]);
    const r = withDebugNans(() => model.init(random.key(0), [2]));
    assert.deepEqual(r.outputShape, [2]);
    assert.throws(() => withDebugNans(() => model.apply([{}], zeros([2]))), NanError); // as running it would
  });

  it('functionLayer names: the function\'s, the one given, or "function"', () => {
    assert.equal(layers.functionLayer(layers.relu).name, "relu");
    assert.equal(layers.functionLayer((x) => mul(x, 2), "double").name, "double");
    assert.equal(layers.functionLayer(((f) => f)((x: Tensor) => x)).name, "function");
  });

  it("an empty sequential is the identity; nested containers compose", () => {
    const x = tensor([1, 2]);
    assert.equal(layers.sequential([]).apply([], x), x);
    const inner = layers.sequential([layers.dense(3), layers.relu], { name: "block" });
    const model = layers.sequential([inner, layers.dense(1)]);
    const { params } = model.init(random.key(0), [2, 2]);
    const y = model.apply(params, tensor([[1, 2], [3, 4]]));
    const byHand = layers.dense(1).apply(params[1], inner.apply(params[0], tensor([[1, 2], [3, 4]])));
    assertAllclose(y, byHand, { rtol: 0, atol: 0 });
    assert.equal(inner.name, "block");
  });
});

describe("sequential: keys", () => {
  it("init gives item i the key random.split(key, n)[i]", () => {
    const seen: unknown[] = [];
    const k = random.key(11);
    const model = layers.sequential([probe(seen), layers.dense(2), probe(seen)]);
    const { params } = model.init(k, [1, 3]);
    const keys = random.split(k, 3);
    assert.deepEqual(seen.map((s) => (s as random.Key).words), [keys[0].words, keys[2].words]);
    assert.deepEqual(vals(params[1].w), vals(layers.dense(2).init(keys[1], [1, 3]).params.w));
  });

  it("ctx.key is split the same way, and the rest of ctx passes unchanged; no key, no split", () => {
    const seen: unknown[] = [];
    const model = layers.sequential([probe(seen), probe(seen)]);
    const k = random.key(5);
    model.apply([{}, {}], zeros([1]), { training: true, key: k });
    const keys = random.split(k, 2);
    assert.deepEqual(seen, [{ training: true, key: keys[0] }, { training: true, key: keys[1] }]);
    seen.length = 0;
    model.apply([{}, {}], zeros([1]), { training: false });
    assert.deepEqual(seen, [{ training: false }, { training: false }]);
  });

  it("two dropouts in a container draw different masks, each the one its split key gives", () => {
    const model = layers.sequential([layers.dropout(0.5), layers.dropout(0.5)]);
    const x = tensor(new Array(64).fill(1));
    const k = random.key(3);
    const y = model.apply([{}, {}], x, { training: true, key: k });
    const [k0, k1] = random.split(k, 2);
    const d = layers.dropout(0.5);
    const byHand = d.apply({}, d.apply({}, x, { training: true, key: k0 }), { training: true, key: k1 });
    assert.deepEqual(vals(y), vals(byHand));
  });
});

describe("sequential: state", () => {
  const model = layers.sequential([layers.dense(3), layers.batchNorm(), layers.relu, layers.batchNorm()]);
  const x = random.normal(random.key(1), [8, 2]);

  it("is stateful when a child is: apply is refused, the state has one entry per item", () => {
    assert.equal(model.stateful, true);
    const { params, state } = model.init(random.key(0), [8, 2]);
    assert.ok(Array.isArray(state) && state.length === 4);
    assert.deepEqual([(state as unknown[])[0], (state as unknown[])[2]], [{}, {}]);
    assert.throws(() => model.apply(params, x), (e) => e instanceof ValueError && /applyWithState/.test(e.message));
  });

  it("threads each child's state and returns a new tree, leaving the old one as it was", () => {
    const { params, state } = model.init(random.key(0), [8, 2]);
    const before = tree.leaves(state).map(vals);
    const [y, next] = model.applyWithState(params, state, x, { training: true });
    assert.deepEqual(tree.leaves(state).map(vals), before);
    // by hand, child by child
    const c = model.children as readonly Layer[];
    const s = state as readonly unknown[];
    const h0 = c[0].apply(params[0], x);
    const [h1, s1] = c[1].applyWithState(params[1], s[1] as never, h0, { training: true });
    const h2 = c[2].apply(params[2], h1);
    const [h3, s3] = c[3].applyWithState(params[3], s[3] as never, h2, { training: true });
    assertAllclose(y, h3, { rtol: 0, atol: 0 });
    const n = next as readonly Tree[];
    assert.deepEqual([n[0], n[2]], [{}, {}]);
    assert.deepEqual(tree.leaves(n[1]).map(vals), tree.leaves(s1).map(vals));
    assert.deepEqual(tree.leaves(n[3]).map(vals), tree.leaves(s3).map(vals));
    assert.notDeepEqual(tree.leaves(next).map(vals), before);
  });

  it("a stateless container inside a stateful one passes its {} state back", () => {
    const outer = layers.sequential([layers.sequential([layers.dense(2)]), layers.batchNorm()]);
    const { params, state } = outer.init(random.key(0), [4, 3]);
    const [, next] = outer.applyWithState(params, state, random.normal(random.key(1), [4, 3]));
    assert.deepEqual((next as unknown[])[0], {});
  });
});

describe("sequential: gradients and errors", () => {
  it("the gradient with respect to every layer's params matches finite differences (float64, order 2)", () => {
    const model = layers.sequential([layers.dense(4), layers.tanh, layers.dense(3), layers.softplus, layers.dense(1)]);
    const params = f64(model.init(random.key(0), [5, 2]).params);
    const x = random.normal(random.key(1), [5, 2], { dtype: "float64" });
    checkGrads((p: typeof params, x: Tensor) => model.apply(p, x), [params, x], { order: 2, seed: 2 });
  });

  it("wrong params or state, and items that are not layers, are ValueErrors naming the container", () => {
    const model = layers.sequential([layers.dense(2), layers.relu], { name: "net" });
    const { params } = model.init(random.key(0), [1, 2]);
    assert.throws(
      () => model.apply([params[0]] as never, zeros([1, 2])),
      (e) =>
        e instanceof ValueError &&
        /net: params must be an array of 2 entries, one per layer \(from init\), got an array of 1/
          .test(e.message),
    );
    assert.throws(() => model.apply({} as never, zeros([1, 2])), /net: params must be an array of 2 entries/);
    assert.throws(
      () => layers.sequential([layers.dense(2), 3 as never]),
      (e) => e instanceof ValueError && /sequential: item 1 is neither a layer nor a function/.test(e.message),
    );
    const bn = layers.sequential([layers.batchNorm()]);
    const r = bn.init(random.key(0), [2, 2]);
    assert.throws(() => bn.applyWithState(r.params, {}, zeros([2, 2])), /sequential: state must be an array of 1/);
  });

  it("mutates neither the input nor the params", () => {
    const model = layers.sequential([layers.dense(3), layers.relu, layers.dense(1)]);
    const { params } = model.init(random.key(0), [2, 2]);
    const x = tensor([[1, 2], [3, -4]]);
    const before = [vals(x), ...tree.leaves(params).map(vals)];
    model.apply(params, x);
    assert.deepEqual([vals(x), ...tree.leaves(params).map(vals)], before);
  });
});
