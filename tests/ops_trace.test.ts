/**
 * `trace` and `evalGraph`: the recorded primitives and their printed form,
 * captured constants, re-evaluation on new inputs (also under `grad`), trees,
 * and errors.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  add,
  evalGraph,
  exp,
  grad,
  matmul,
  mul,
  neg,
  sum,
  type Tensor,
  tensor,
  trace,
  TransformError,
  zeros,
} from "../mod.ts";
import { data, fromPool, poolArb } from "./lib/reference.ts";

// ===================================================================== trace

describe("trace and evalGraph", () => {
  const f = (x: Tensor, y: Tensor) => sum(add(mul(x, y), exp(neg(x))));

  it("records the primitives in order, prints one node a line, and names shapes and dtypes", () => {
    const g = trace(f, tensor([1, 2]), tensor([3, 4]));
    assert.deepEqual(g.nodes.map((n) => n.primitive), ["mul", "neg", "exp", "add", "sum"]);
    assert.deepEqual(g.inputs.map((v) => [v.shape, v.dtype]), [[[2], "float32"], [[2], "float32"]]);
    assert.equal(g.outputs.length, 1);
    assert.deepEqual(g.outputs[0].shape, []);
    const text = g.toString();
    assert.match(text, /^graph\(a: f32\[2\], b: f32\[2\]\) \{$/m);
    assert.match(text, /^ {2}c: f32\[2\] = mul a b$/m);
    assert.match(text, /= sum\[axes=\[0\]\] /);
    assert.match(text, /^ {2}return \w+$/m);
    assert.equal(text.split("\n").length, g.nodes.length + 3 + g.consts.length);
  });

  it("captures created tensors and numbers as constants", () => {
    const w = tensor([10, 20]);
    const g = trace((x: Tensor) => add(mul(x, w), 1), tensor([1, 2]));
    assert.equal(g.consts.length, 2);
    assert.ok(g.consts.some((c) => c.value === w));
    assert.match(g.toString(), /const \w+: f32\[2\] = \[10,20\]/);
    assert.match(g.toString(), /const \w+: f32\[\] = 1/);
  });

  it("evalGraph reproduces f on new inputs, and composes with grad (property)", () => {
    const g = trace(f, zeros([2, 3], { dtype: "float64" }), zeros([3], { dtype: "float64" }));
    fc.assert(
      fc.property(poolArb, (pool) => {
        const x = fromPool(pool, [2, 3], "float64");
        const y = fromPool(pool, [3], "float64", (v) => v, 100);
        const got = evalGraph(g, x, y) as Tensor;
        assert.equal(got.item(), f(x, y).item());
        const viaGraph = grad((x: Tensor) => evalGraph(g, x, y) as Tensor)(x);
        assert.deepEqual(data(viaGraph), data(grad((x: Tensor) => f(x, y))(x)));
      }),
      { numRuns: 30 },
    );
  });

  it("trees in and out keep their structure", () => {
    const h = (p: { a: Tensor; b: Tensor[] }) => ({ s: add(p.a, p.b[0]), t: [mul(p.a, 2)] });
    const args = { a: tensor([1, 2]), b: [tensor([3, 4])] };
    const g = trace(h, args);
    const out = evalGraph(g, { a: tensor([5, 6]), b: [tensor([1, 1])] }) as { s: Tensor; t: Tensor[] };
    assert.deepEqual(out.s.toArray(), [6, 7]);
    assert.deepEqual(out.t[0].toArray(), [10, 12]);
  });

  it("reading a traced value, or evaluating with the wrong inputs, is a TransformError", () => {
    assert.throws(
      () => trace((x: Tensor) => x.item(), tensor([1])),
      (e: unknown) =>
        e instanceof TransformError && /^trace: cannot read the value of a: f32\[1\] inside trace\(\)/.test(e.message),
    );
    const g = trace((x: Tensor) => exp(x), tensor([1, 2]));
    assert.throws(() => evalGraph(g, tensor([1, 2, 3])), /evalGraph: input 0 must be f32\[2\]/);
    assert.throws(() => evalGraph(g), /evalGraph: expected 1 input tensors, got 0/);
    assert.throws(() => evalGraph(g, tensor([1, 2], { dtype: "float64" })), TransformError);
  });

  it("stages every op inside the function, also ops on no traced value (omnistaging)", () => {
    const w = tensor([10, 20]);
    // exp(w) does not depend on x, yet it is recorded, not evaluated at trace time
    const g = trace((x: Tensor) => add(x, exp(w)), tensor([1, 2]));
    assert.deepEqual(g.nodes.map((n) => n.primitive), ["exp", "add"]);
    assert.equal(g.consts.length, 1);
    assert.equal(g.consts[0].value, w);
    // also inside a transform nested in the trace
    const h = trace((x: Tensor) => grad((y: Tensor) => sum(mul(y, neg(w))))(x), tensor([1, 2]));
    assert.ok(h.nodes.some((n) => n.primitive === "neg"), h.toString());
    assert.deepEqual((evalGraph(h, tensor([3, 4])) as Tensor).toArray(), [-10, -20]);
  });

  it("a value of an outer transform used inside trace() is a TransformError", () => {
    assert.throws(
      () => grad((x: Tensor) => sum(evalGraph(trace((y: Tensor) => mul(x, y), tensor([1]))) as Tensor))(tensor([2])),
      /trace: the traced function uses a value followed by an outer grad transform/,
    );
  });

  it("shape errors surface while tracing, with the op's message", () => {
    assert.throws(
      () => trace((x: Tensor) => matmul(x, x), zeros([2, 3])),
      /matmul: inner dimensions differ: \[2,3\] @ \[2,3\]/,
    );
  });
});
