/**
 * `vmap` (issue 12): the axis specs (`inAxes`/`outAxes` as numbers, null and
 * tree prefixes, `axisSize`), its errors, and what it composes into —
 * per-example gradients of an MLP, `grad` through `vmap`, nested `vmap`, and
 * Jacobians built from `vmap` of `jvp`/`vjp` against `jacfwd`/`jacrev`.
 * The batching rule of each primitive is tested in vmap_primitives.test.ts;
 * random compositions in grad_transforms.test.ts.
 */
import { assert, describe, it } from "./lib/test.ts";
import {
  add,
  cast,
  evalGraph,
  eye,
  gather,
  grad,
  jacfwd,
  jacrev,
  jvp,
  layers,
  losses,
  matmul,
  mean,
  mul,
  random,
  reshape,
  scatterAdd,
  sin,
  slice,
  sqrt,
  stack,
  sum,
  type Tensor,
  tensor,
  trace,
  TransformError,
  transpose,
  tree,
  vjp,
  vmap,
} from "../mod.ts";
import { assertAllclose } from "../testing/mod.ts";

const f64 = (x: number | number[] | number[][] | number[][][]) => tensor(x, { dtype: "float64" });
const isTransformError = (pattern: RegExp) => (e: unknown) => e instanceof TransformError && pattern.test(e.message);

describe("vmap: axes", () => {
  const xs = f64([[1, 2, 3], [4, 5, 6]]);

  it("maps axis 0 by default, any axis by inAxes, negative axes from the end", () => {
    assert.deepEqual(vmap((x: Tensor) => sum(x))(xs).toArray(), [6, 15]);
    assert.deepEqual(vmap((x: Tensor) => sum(x), { inAxes: 1 })(xs).toArray(), [5, 7, 9]);
    assert.deepEqual(vmap((x: Tensor) => sum(x), { inAxes: -1 })(xs).toArray(), [5, 7, 9]);
  });

  it("null shares an argument; a tree prefix maps parts of one", () => {
    const f = (p: { w: Tensor; b: Tensor }, x: Tensor) => add(mul(p.w, x), p.b);
    const p = { w: f64([10, 100]), b: f64([1]) };
    // w is mapped (one weight per example), b is shared, x is mapped along axis 1
    const out = vmap(f, { inAxes: [{ w: 0, b: null }, 1] })(p, f64([[1, 2], [3, 4]]));
    assert.deepEqual(out.toArray(), [[11, 31], [201, 401]]);
  });

  it("outAxes puts the batch axis anywhere, per output; unbatched outputs are repeated", () => {
    const f = (x: Tensor) => ({ same: x, total: sum(x), one: f64([7]) });
    const out = vmap(f, { outAxes: { same: 1, total: 0, one: -1 } })(xs);
    assert.deepEqual(out.same.toArray(), [[1, 4], [2, 5], [3, 6]]);
    assert.deepEqual(out.total.toArray(), [6, 15]);
    assert.deepEqual(out.one.toArray(), [[7, 7]]);
  });

  it("outAxes null returns an output that does not depend on the batch as it is", () => {
    const [y, c] = vmap((x: Tensor) => [sin(x), f64(2)] as const, { outAxes: [0, null] })(xs);
    assert.deepEqual(y.shape, [2, 3]);
    assert.equal(c.item(), 2);
  });

  it("axisSize gives the batch size when nothing is mapped", () => {
    const out = vmap((x: Tensor) => mul(x, 2), { inAxes: null, axisSize: 3 })(f64([1, 2]));
    assert.deepEqual(out.toArray(), [[2, 4], [2, 4], [2, 4]]);
  });

  it("numbers and other non-tensor leaves pass through when not mapped", () => {
    const out = vmap((x: Tensor, k: number) => mul(x, k), { inAxes: [0, null] })(xs, 3);
    assert.deepEqual(out.toArray(), [[3, 6, 9], [12, 15, 18]]);
  });
});

describe("vmap: errors", () => {
  const a = f64([[1, 2], [3, 4], [5, 6]]);
  it("mapped axes of different sizes name the arguments and sizes", () => {
    assert.throws(
      () => vmap(add)(a, f64([[1, 2], [3, 4]])),
      isTransformError(/different sizes \(argument 0: 3, argument 1: 2\)/),
    );
    assert.throws(() => vmap(sum, { axisSize: 4 })(a), isTransformError(/argument 0: 3; axisSize 4/));
  });

  it("bad specs say what is wrong and where", () => {
    assert.throws(() => vmap(add, { inAxes: [0] })(a, a), isTransformError(/inAxes has 1 entries for 2 argument/));
    assert.throws(() => vmap(sum, { inAxes: 2 })(a), isTransformError(/axis 2 is out of range for a tensor of rank 2/));
    assert.throws(
      () => vmap((p: { w: Tensor }) => p.w, { inAxes: [{ v: 0 }] })({ w: a }),
      isTransformError(/inAxes has no entry for \[0\]\.w/),
    );
    assert.throws(
      () => vmap((x: Tensor, k: number) => mul(x, k))(a, 2),
      isTransformError(/argument 1 is number, not a tensor, so it cannot be mapped \(give it inAxes null\)/),
    );
    assert.throws(() => vmap(sum, { inAxes: null })(a), isTransformError(/no argument is mapped.*axisSize/));
    assert.throws(
      () => vmap(sin, { outAxes: null })(a),
      isTransformError(/output depends on the batch, but its outAxes is null/),
    );
  });

  it("reading a batched value inside vmap is an error that says why; a leaked tracer fails when used", () => {
    assert.throws(
      () => vmap((x: Tensor) => f64(x.toArray() as number[]))(a),
      isTransformError(
        /cannot read the values of a float64\[2\] tensor inside vmap: it stands for 3 different examples/,
      ),
    );
    let leaked: Tensor | undefined;
    vmap((x: Tensor) => {
      leaked = x;
      return x;
    })(a);
    assert.throws(() => sin(leaked!), isTransformError(/vmap transform .* was used after that transform returned/));
  });
});

describe("vmap composes", () => {
  it("per-example gradients of an MLP: row by row the single-example gradients; their mean the batch gradient", () => {
    const model = layers.mlp([8, 3], { activation: layers.tanh });
    const [kInit, kx] = random.split(random.key(5));
    const { params } = model.init(kInit, [1, 4]);
    const p64 = tree.map((t: Tensor) => cast(t, "float64"), params);
    const xs = random.normal(kx, [6, 4], { dtype: "float64" });
    const ys = tensor([0, 2, 1, 1, 0, 2], { dtype: "int32" });
    const one = (p: typeof p64, x: Tensor, y: Tensor) =>
      losses.softmaxCrossEntropy(model.apply(p, reshape(x, [1, 4])), reshape(y, [1]));
    const perExample = vmap(grad(one), { inAxes: [null, 0, 0] })(p64, xs, ys);
    for (let i = 0; i < 6; i++) {
      const single = grad(one)(p64, reshape(slice(xs, [i]), [4]), slice(ys, [i]));
      tree.leaves(single).forEach((g, j) => {
        const row = slice(tree.leaves(perExample)[j] as Tensor, [i]);
        assertAllclose(reshape(row, (g as Tensor).shape), g as Tensor, { rtol: 1e-12, atol: 1e-14 });
      });
    }
    const batch = grad((p: typeof p64) => losses.softmaxCrossEntropy(model.apply(p, xs), ys))(p64);
    tree.leaves(batch).forEach((g, j) =>
      assertAllclose(mean(tree.leaves(perExample)[j] as Tensor, 0), g as Tensor, { rtol: 1e-12, atol: 1e-14 })
    );
  });

  it("grad of a vmapped function, and vmap of vmap over two axes", () => {
    const f = (w: Tensor, x: Tensor) => sum(sin(mul(w, x)));
    const x = f64([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]);
    const w = f64([1.5, -2]);
    const viaVmap = grad((v: Tensor) => sum(vmap(f, { inAxes: [null, 0] })(v, x)))(w);
    const direct = grad((v: Tensor) => f(v, x))(w);
    assertAllclose(viaVmap, direct, { rtol: 1e-14 });
    const outer = vmap(vmap((a: Tensor, b: Tensor) => mul(a, b), { inAxes: [0, null] }), { inAxes: [null, 0] });
    const table = outer(f64([1, 2, 3]), f64([10, 20]));
    assert.deepEqual(table.toArray(), [[10, 20, 30], [20, 40, 60]]); // [b, a]
  });

  it("no perturbation confusion: vmap inside grad inside vmap, with closed-over batched values", () => {
    const cs = f64([1, 2, 3]);
    // for each c: d/dx Σ_k (x·c·k) over k = 1, 2 (an inner vmap over k that closes over c) = 3c
    const out = vmap((c: Tensor) =>
      grad((x: Tensor) => sum(vmap((k: Tensor) => mul(mul(x, c), k))(f64([1, 2]))))(f64(0.5))
    )(cs);
    assert.deepEqual(out.toArray(), [3, 6, 9]);
  });

  it("Jacobians from vmap of jvp and of vjp equal jacfwd and jacrev", () => {
    const a = f64([[1, 2, 0], [0, -1, 3]]);
    const f = (x: Tensor) => sin(matmul(a, reshape(x, [3, 1])));
    const x = f64([0.3, -0.2, 0.9]);
    const basis = eye(3, 3, { dtype: "float64" });
    const columns = vmap((v: Tensor) => jvp(f, [x], [v])[1])(basis); // [3 (inputs), 2, 1]
    assertAllclose(transpose(reshape(columns, [3, 2])), reshape(jacfwd(f)(x), [2, 3]), { rtol: 1e-14 });
    const [, pullback] = vjp(f, x);
    const rows = vmap((u: Tensor) => pullback(reshape(u, [2, 1]))[0])(eye(2, 2, { dtype: "float64" }));
    assertAllclose(rows, reshape(jacrev(f)(x), [2, 3]), { rtol: 1e-14 });
  });

  it("jacrev seeds only the output leaf it differentiates: a sibling with an infinite derivative stays out", () => {
    // With zero cotangents for the other leaf, 0 · (0.5 / sqrt(0)) = NaN leaked into a's block.
    const J = jacrev((x: Tensor) => ({ a: mul(x, 2), b: sqrt(x) }))(f64([0, 4]));
    assert.deepEqual(J.a.toArray(), [[2, 0], [0, 2]]);
    assert.deepEqual((J.b.toArray() as number[][])[1][1], 0.25);
  });

  it("a stack of examples through vmap equals the stacked results (reference)", () => {
    const f = (x: Tensor) => matmul(reshape(x, [1, 2]), f64([[1, 2], [3, 4]]));
    const xs = [f64([1, 0]), f64([0, 1]), f64([2, 2])];
    assert.deepEqual(vmap(f)(stack(xs)).toArray(), stack(xs.map(f)).toArray());
  });
});

describe("vmap: indices batched with their data (gather, scatterAdd)", () => {
  const x = f64([[1, 2, 3], [4, 5, 6]]);
  const idx = tensor([[2, -3], [1, 1]], { dtype: "int32" });
  const pick = (row: Tensor, i: Tensor) => gather(row, i);

  it("each example takes its own indices (negatives from the end), as the loop does", () => {
    assert.deepEqual(vmap(pick)(x, idx).toArray(), [[3, 1], [5, 5]]);
    const spread = vmap((u: Tensor, i: Tensor) => scatterAdd(u, i, [3]))(f64([[1, 2], [3, 4]]), idx);
    assert.deepEqual(spread.toArray(), [[2, 0, 1], [0, 7, 0]]);
  });

  it("an index out of range for its example is gather's error, not another example's row", () => {
    assert.throws(() => vmap(pick)(x, tensor([[0, 3], [0, 0]], { dtype: "int32" })), /gather/);
  });

  it("under trace, where indices are symbolic, the rule runs per example and gives the same graph result", () => {
    const g = trace(vmap(pick), x, idx);
    assert.deepEqual((evalGraph(g, x, idx) as Tensor).toArray(), [[3, 1], [5, 5]]);
  });
});
