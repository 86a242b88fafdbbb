/**
 * The transformations as a whole: the fused path against op by op (float64,
 * bit for bit) and its one kernel per leaf, clipping, freezing part of a
 * tree, immutability of every input, states as trees of tensors, errors.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { tensor } from "../core/creation.ts";
import { activeBackend, registerBackend, setBackend } from "../core/backend_registry.ts";
import { ValueError } from "../core/errors.ts";
import { mul, sin, square, sum } from "../core/ops/mod.ts";
import { grad } from "../core/transforms/vjp.ts";
import { checkGrads } from "../testing/check_grads.ts";
import { Tensor } from "../core/tensor.ts";
import * as tree from "../core/tree/mod.ts";
import type { Tree } from "../core/tree/mod.ts";
import type { Backend } from "../backends/backend.ts";
import { floatTensorArb, paramTreeArb } from "../testing/arbitraries.ts";
import { adagrad, adam, adamw, rmsprop } from "../optim/adaptive.ts";
import { chain, identity } from "../optim/chain.ts";
import { clipByGlobalNorm, clipByValue, globalNorm } from "../optim/clipping.ts";
import { applyUpdates } from "../optim/elementwise.ts";
import { freeze, masked, multiTransform, setToZero } from "../optim/masking.ts";
import { cosineDecay, linear } from "../optim/schedules.ts";
import { momentum, nesterov, sgd } from "../optim/sgd.ts";
import { unfused, updateAndApply } from "../optim/step.ts";
import type { GradientTransformation, OptState } from "../optim/types.ts";

type Opt = GradientTransformation<OptState>;
const leafy = (p: Tree) => tree.map((x: Tensor) => tree.isLeaf(x) && x.ndim > 0, p) as Tree<boolean>;

/** Every optimizer and option variant, by name. */
const OPTIMIZERS: readonly [string, () => Opt][] = [
  ["sgd", () => sgd(0.1)],
  ["sgd momentum", () => sgd(0.1, { momentum: 0.9 })],
  ["momentum heavy ball", () => momentum(0.1, 0.9)],
  ["momentum ema", () => momentum(0.1, 0.9, { form: "ema" })],
  ["nesterov", () => nesterov(0.1, 0.9)],
  ["rmsprop", () => rmsprop(0.01)],
  ["rmsprop PyTorch-style", () => rmsprop(0.01, { decay: 0.99, epsInSqrt: false })],
  [
    "rmsprop centered, momentum, bias-corrected",
    () => rmsprop(0.01, { centered: true, momentum: 0.9, nesterov: true, biasCorrection: true }),
  ],
  ["adagrad", () => adagrad(0.1)],
  ["adagrad PyTorch-style", () => adagrad(0.1, { initialAccumulator: 0, eps: 1e-10, epsInSqrt: false })],
  ["adagrad ε = 0 (not fusable: a select)", () => adagrad(0.1, { eps: 0 })],
  ["adam", () => adam()],
  ["adam nesterov, epsRoot, L2", () => adam(0.01, { nesterov: true, epsRoot: 1e-6, weightDecay: 0.1 })],
  ["adam with a cosine schedule", () => adam(cosineDecay(0.1, 5))],
  ["adamw", () => adamw(0.01)],
  ["adamw masked, decay scheduled", () => adamw(0.01, { weightDecay: linear(0.1, 0, 3), mask: leafy })],
  ["clip by global norm, then adam", () => chain(clipByGlobalNorm(0.5), adam(0.01))],
  ["clip by value, adam, then a clip by norm", () => chain(clipByValue(0.3), adam(0.01), clipByGlobalNorm(1e-3))],
  ["freeze(adam)", () => freeze(adam(0.01), leafy)],
];

const gradsOf = (p: Tree, k: number): Tree => tree.map((x: Tensor) => sin(mul(x, k)), p);
const bytesOf = (t: Tree): Uint8Array[] =>
  tree.leaves(t).map((x) => {
    const a = (x as Tensor).toTypedArray();
    return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  });
const sameBytes = (a: Tree, b: Tree, what: string) => {
  assert.ok(tree.structure(a).equals(tree.structure(b)), `${what}: structures differ`);
  const [x, y] = [bytesOf(a), bytesOf(b)];
  x.forEach((bytes, i) => assert.deepEqual(bytes, y[i], `${what}: leaf ${i} differs`));
};

/** Three steps of one of four ways to run `opt`. */
const run = (opt: Opt, params: Tree, how: "fused" | "unfused" | "update" | "update unfused") => {
  const tx = how === "fused" || how === "update" ? opt : unfused(opt);
  let p = params, s = tx.init(params);
  for (let k = 1; k <= 3; k++) {
    if (how === "fused" || how === "unfused") [p, s] = updateAndApply(tx, gradsOf(p, k), s, p);
    else {
      const [u, next] = tx.update(gradsOf(p, k), s, p);
      [p, s] = [applyUpdates(p, u), next];
    }
  }
  return [p, s] as const;
};

describe("fused and op-by-op paths", () => {
  for (const [name, opt] of OPTIMIZERS) {
    it(`${name}: updateAndApply, unfused, update + applyUpdates agree bit for bit (float64)`, () =>
      fc.assert(
        fc.property(paramTreeArb(), (params) => {
          const [p0, s0] = run(opt(), params, "fused");
          for (const how of ["unfused", "update", "update unfused"] as const) {
            const [p, s] = run(opt(), params, how);
            sameBytes(p, p0, `${how} params`);
            sameBytes(s, s0, `${how} state`);
          }
        }),
        { numRuns: 15 },
      ));
  }

  /** Kernel calls (by name) that wrote more than one element, during `f`. */
  const bigKernels = (f: () => void): Map<string, number> => {
    const inner = activeBackend(), counts = new Map<string, number>();
    const wrapped: Record<string, unknown> = { ...inner };
    for (const [k, v] of Object.entries(inner)) {
      if (typeof v !== "function") continue;
      wrapped[k] = (...args: unknown[]) => {
        const out = (v as (...a: unknown[]) => unknown)(...args);
        const outs = Array.isArray(out) ? out : [out]; // `fused` returns several buffers
        const big = outs.some((o) => ArrayBuffer.isView(o) && (o as Float64Array).length > 1);
        if (big) counts.set(k, (counts.get(k) ?? 0) + 1);
        return out;
      };
    }
    registerBackend("optim-counting", () => wrapped as unknown as Backend);
    setBackend("optim-counting");
    try {
      f();
    } finally {
      setBackend(inner.name);
    }
    return counts;
  };
  const params = { layers: [{ w: tensor([[1, 2], [3, 4]]), b: tensor([1, 2]) }, { w: tensor([[1], [2]]) }] };
  const grads = gradsOf(params, 1);
  for (const [name, opt] of OPTIMIZERS.filter(([n]) => !/select|clip|freeze/.test(n))) {
    it(`${name}: updateAndApply is one fused kernel per leaf and nothing else of that size`, () => {
      const tx = opt();
      const s = updateAndApply(tx, grads, tx.init(params), params)[1]; // compiles
      assert.deepEqual([...bigKernels(() => updateAndApply(tx, grads, s, params))], [["fused", 3]]);
    });
  }
  it("clip by global norm, then adam: the norm's squares, then one fused kernel per leaf", () => {
    const tx = chain(clipByGlobalNorm(0.5), adam(0.01));
    const s = updateAndApply(tx, grads, tx.init(params), params)[1];
    assert.deepEqual([...bigKernels(() => updateAndApply(tx, grads, s, params))].sort(), [["fused", 3], ["unary", 3]]);
  });
});

describe("clipping", () => {
  const trees = fc.tuple(paramTreeArb(), fc.double({ min: 0.01, max: 10, noNaN: true }));
  it("globalNorm is √(Σ x²) over every leaf", () =>
    fc.assert(fc.property(paramTreeArb(), (t) => {
      const xs = tree.leaves(t).flatMap((x) => [...x.toTypedArray()]);
      const expected = Math.sqrt(xs.reduce((a, x) => a + x * x, 0));
      assert.ok(Math.abs(globalNorm(t).item() - expected) <= 1e-14 + 1e-13 * expected);
    })));
  it("clipByGlobalNorm: above maxNorm, u·maxNorm/‖u‖ (norm maxNorm); below, u bit for bit (optax)", () =>
    fc.assert(fc.property(trees, ([t, maxNorm]) => {
      const norm = globalNorm(t).item();
      const [u] = clipByGlobalNorm(maxNorm).update(t, {});
      if (norm < maxNorm) return sameBytes(u, t, "unclipped");
      assert.ok(Math.abs(globalNorm(u).item() - maxNorm) <= 1e-12 * maxNorm);
      tree.leaves(u).forEach((x, i) =>
        [...x.toTypedArray()].forEach((v, j) => {
          const e = (tree.leaves(t)[i].toTypedArray()[j] / norm) * maxNorm;
          assert.ok(Math.abs(v - e) <= 1e-15 + 1e-14 * Math.abs(e));
        })
      );
    })));
  it("clipByValue: min(max(u, −limit), limit) (optax clip)", () =>
    fc.assert(fc.property(trees, ([t, limit]) => {
      const [u] = clipByValue(limit).update(t, {});
      tree.leaves(u).forEach((x, i) =>
        assert.deepEqual(
          [...x.toTypedArray()],
          [...tree.leaves(t)[i].toTypedArray()].map((v) => Math.min(Math.max(v, -limit), limit)),
        )
      );
    })));
});

describe("freezing part of the parameters", () => {
  const params = { body: { w: tensor([[1, -2], [3, 4]]), b: tensor([0.5, -0.5]) }, head: tensor([1, 2, 3]) };
  const bodyFrozen = { body: { w: true, b: true }, head: false };
  const wild = {
    body: { w: tensor([[NaN, Infinity], [-1, -Infinity]]), b: tensor([-3, 2]) },
    head: tensor([1, -1, 2]),
  };

  it("freeze: the frozen subtree gets exactly zero update, whatever its gradients (NaN, ±∞)", () => {
    const tx = freeze(adam(0.1), bodyFrozen);
    const state = tx.init(params);
    const [u] = tx.update(wild, state, params);
    const body = (u as typeof params).body;
    for (const x of [body.w, body.b]) assert.ok([...x.toTypedArray()].every((v) => Object.is(v, 0)));
    const [next] = updateAndApply(tx, wild, state, params);
    assert.equal(next.body.w, params.body.w); // the same tensors
    assert.equal(next.body.b, params.body.b);
    const alone = adam(0.1);
    sameBytes(next.head, updateAndApply(alone, wild.head, alone.init(params.head), params.head)[0], "head");
  });
  it("multiTransform: each label's part moves as its optimizer alone on that part (optax multi_transform)", () => {
    const labels = { body: { w: "slow", b: "slow" }, head: "fast" };
    const tx = multiTransform({ slow: sgd(0.01), fast: adam(0.1) }, labels);
    const grads = gradsOf(params, 2) as typeof params;
    const [next, s] = updateAndApply(tx, grads, tx.init(params), params);
    const slow = sgd(0.01), fast = adam(0.1);
    sameBytes(next.body, updateAndApply(slow, grads.body, slow.init(params.body), params.body)[0], "body");
    sameBytes(next.head, updateAndApply(fast, grads.head, fast.init(params.head), params.head)[0], "head");
    assert.deepEqual(Object.keys(s.inner), ["slow", "fast"]);
  });
  it("masked: updates outside the mask pass through unchanged (optax masked)", () => {
    const tx = masked(adam(0.1), bodyFrozen);
    const grads = gradsOf(params, 3);
    const [u] = tx.update(grads, tx.init(params), params);
    sameBytes((u as typeof params).head, (grads as typeof params).head, "head");
    const inner = adam(0.1);
    sameBytes(
      (u as typeof params).body,
      inner.update((grads as typeof params).body, inner.init(params.body))[0],
      "body",
    );
  });
  it("masked around a transformation that is not elementwise (setToZero) cuts and joins trees", () => {
    const tx = masked(setToZero(), bodyFrozen);
    const [u] = tx.update(wild, tx.init(params), params);
    assert.deepEqual((u as typeof params).body.w.toArray(), [[0, 0], [0, 0]]);
    sameBytes((u as typeof params).head, wild.head, "head");
  });
  it("tree.partition / tree.combine: an optimizer over the trainable half leaves the rest as it was", () => {
    const [trainable, frozen] = tree.partition(params, (path) => path[0] === "head");
    const tx = adam(0.1);
    const grads = tree.filter(gradsOf(params, 1), (path) => path[0] === "head");
    const s0 = tx.init(trainable);
    assert.equal(tree.leaves(s0).length, 1 + 2); // count + the head's two moments
    const [next] = updateAndApply(tx, grads, s0, trainable);
    const merged = tree.combine<typeof params>(next, frozen);
    assert.equal(merged.body.w, params.body.w);
    assert.notDeepEqual(merged.head.toArray(), params.head.toArray());
  });
});

describe("purity and states", () => {
  for (const [name, opt] of OPTIMIZERS) {
    it(`${name}: no input is mutated (params, grads, state compared byte for byte)`, () =>
      fc.assert(
        fc.property(paramTreeArb(), (params) => {
          const tx = opt();
          const grads = gradsOf(params, 1);
          const [, state] = tx.update(grads, tx.init(params), params);
          const before = [params, grads, state].map(bytesOf);
          tx.update(grads, state, params);
          updateAndApply(tx, grads, state, params);
          updateAndApply(unfused(tx), grads, state, params);
          [params, grads, state].forEach((t, i) => assert.deepEqual(bytesOf(t), before[i]));
        }),
        { numRuns: 10 },
      ));
    it(`${name}: the state is a tree of tensors of fixed structure that survives a checkpoint`, () => {
      const params = { w: tensor([[0.5, -1], [2, 1]]), b: tensor([0.1, 0.2]) };
      const tx = opt();
      let s = tx.init(params);
      const def = tree.structure(s);
      let p: Tree = params;
      for (let k = 1; k <= 3; k++) [p, s] = updateAndApply(tx, gradsOf(p, k), s, p);
      assert.ok(tree.structure(s).equals(def));
      const [leaves, sdef] = tree.flatten(s);
      assert.ok(leaves.every((x) => x instanceof Tensor));
      for (const c of leaves.filter((x) => x.dtype === "int32")) assert.deepEqual([c.shape, c.item()], [[], 3]);
      // Saved and loaded: fresh tensors from the bytes; the next step is the same.
      const restored = tree.unflatten<Tensor>(
        sdef,
        leaves.map((x) => tensor(x.toTypedArray().slice(), { shape: x.shape, dtype: x.dtype })),
      );
      sameBytes(
        updateAndApply(tx, gradsOf(p, 4), restored, p)[0],
        updateAndApply(tx, gradsOf(p, 4), s, p)[0],
        "resumed",
      );
    });
  }
});

describe("dtypes, foreign transformations, errors", () => {
  it("float32 parameters stay float32, and fused and op-by-op steps agree to float32 rounding", () =>
    fc.assert(
      fc.property(floatTensorArb({ shape: [7], dtype: "float32" }), (p) => {
        const params = { w: p, v: tensor([1, 2], { dtype: "float64" }) };
        const [a] = run(adam(0.01), params, "fused"), [b] = run(adam(0.01), params, "unfused");
        const [aw, bw] = [(a as typeof params).w, (b as typeof params).w];
        assert.deepEqual([aw.dtype, (a as typeof params).v.dtype], ["float32", "float64"]);
        aw.toTypedArray().forEach((x, i) => assert.ok(Math.abs(x - bw.toTypedArray()[i]) <= 1e-6 * (1 + Math.abs(x))));
      }),
      { numRuns: 20 },
    ));
  it("a step is differentiable: under grad the fused kernels fall back to ops (checkGrads through two Adam steps)", () =>
    fc.assert(
      fc.property(floatTensorArb({ shape: [3], min: 0.5, max: 2 }), (p0) => {
        const opt = chain(clipByGlobalNorm(2), adam(0.1));
        const loss = (p: Tensor) => sum(mul(square(p), p));
        const twoSteps = (p: Tensor) => {
          let [q, s] = updateAndApply(opt, grad(loss)(p), opt.init(p), p);
          [q, s] = updateAndApply(opt, grad(loss)(q), s, q);
          return sum(square(q));
        };
        checkGrads(twoSteps, [p0], { modes: ["rev"] });
      }),
      { numRuns: 10 },
    ));
  it("a chain may hold transformations that are not the library's: they run by their update", () => {
    const double: GradientTransformation = {
      init: () => ({ calls: tensor(0) }),
      update: (
        g,
        s,
      ) => [tree.map((x: Tensor) => mul(x, 2), g), { calls: tensor((s as { calls: Tensor }).calls.item() + 1) }],
    };
    const params = { w: tensor([1, -2], { dtype: "float64" }) };
    const g = gradsOf(params, 1);
    const tx = chain(double, adam(0.1)), ref = adam(0.1);
    const [p] = updateAndApply(tx, g, tx.init(params), params);
    sameBytes(p, updateAndApply(ref, double.update(g, double.init(params))[0], ref.init(params), params)[0], "chained");
  });
  it("identity and an empty chain change nothing", () => {
    const params = { w: tensor([1, 2]) };
    sameBytes(
      updateAndApply(identity(), params, {}, params)[0],
      tree.map((x: Tensor) => mul(x, 2), params),
      "identity",
    );
    assert.equal(updateAndApply(chain(), params, [], params)[0], params);
  });
  it("errors name the transformation and what was expected", () => {
    const params = { w: tensor([1, 2]) };
    const tx = adamw(0.1);
    assert.throws(() => tx.update(params, tx.init(params)), { name: "ValueError", message: /needs the parameters/ });
    assert.throws(
      () => tx.update(params, {} as never, params),
      (e: unknown) => e instanceof ValueError && /chain/.test(e.message),
    );
    const a = adam();
    assert.throws(
      () => a.update({ w: params.w, b: params.w }, a.init(params), undefined),
      /state\.mu has 1 leaves, the updates 2/,
    );
    assert.throws(() => sgd(0.1, { momentum: -1 }), /decay must be a finite number ≥ 0/);
    assert.throws(() => multiTransform({ a: sgd(1) }, { w: "b" }).init(params), /label "b" has no transformation/);
    assert.throws(() => masked(sgd(1), { v: true }).init(params), /mask \(or labels\) has structure/);
  });
});
