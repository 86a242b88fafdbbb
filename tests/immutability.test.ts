/**
 * T1: no op and no transform ever writes into its inputs.
 *
 * 200 random programs (sequences of ops drawn from a table, applied to
 * random float32/float64 inputs, run plain or under grad, valueAndGrad, jvp,
 * vjp, jacfwd, jacrev, hessian or trace + evalGraph, with array or tree
 * arguments) compare every input byte for byte before and after. Alongside:
 * `toTypedArray()` and `toArray()` return copies, `tensor(typedArray)` copies
 * its source, and a reshape (which shares storage) offers no way to write.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { forEachBackend } from "./lib/backends.ts";
import {
  abs,
  add,
  broadcastTo,
  cast,
  clip,
  concat,
  div,
  evalGraph,
  exp,
  expm1,
  gather,
  grad,
  greater,
  hessian,
  jacfwd,
  jacrev,
  jvp,
  log1p,
  logSoftmax,
  logSumExp,
  matmul,
  max,
  maximum,
  mean,
  minimum,
  mul,
  neg,
  pad,
  pow,
  prod,
  relu,
  reshape,
  scatterAdd,
  sigmoid,
  sin,
  slice,
  softmax,
  sqrt,
  square,
  squeeze,
  stack,
  stopGradient,
  sub,
  sum,
  tanh,
  Tensor,
  tensor,
  trace,
  transpose,
  tree,
  valueAndGrad,
  variance,
  vjp,
  where,
} from "../mod.ts";
import { shapeArb } from "../testing/mod.ts";

type FloatD = "float32" | "float64";

// ----------------------------------------------------------------- snapshots

/** The bytes of a tensor's value, through the public copy. */
const bytesOf = (t: Tensor): Uint8Array => {
  const a = t.toTypedArray();
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
};

interface Snapshot {
  readonly t: Tensor;
  readonly shape: number[];
  readonly dtype: string;
  readonly bytes: Uint8Array;
}

const snap = (t: Tensor): Snapshot => ({ t, shape: [...t.shape], dtype: t.dtype, bytes: bytesOf(t) });

const assertUnchanged = (s: Snapshot, what: string): void => {
  assert.deepEqual([...s.t.shape], s.shape, `${what}: shape changed`);
  assert.equal(s.t.dtype, s.dtype, `${what}: dtype changed`);
  const now = bytesOf(s.t);
  assert.equal(now.length, s.bytes.length, `${what}: byte length changed`);
  for (let i = 0; i < now.length; i++) {
    if (now[i] !== s.bytes[i]) assert.fail(`${what}: byte ${i} changed from ${s.bytes[i]} to ${now[i]}`);
  }
};

// ------------------------------------------------------------------ op table

/**
 * Ops from two same-shaped tensors to one of that shape, each exercising
 * different primitives (and so different kernels and derivative rules).
 * Values stay bounded so that every transform gives finite numbers.
 */
interface Op {
  readonly name: string;
  readonly f: (a: Tensor, b: Tensor) => Tensor;
  /** Needs rank ≥ this. */
  readonly minRank?: number;
}

const lastAxis = (a: Tensor) => a.ndim - 1;

const OPS: readonly Op[] = [
  { name: "add", f: add },
  { name: "sub", f: sub },
  { name: "mul", f: (a, b) => mul(a, tanh(b)) },
  { name: "div", f: (a, b) => div(a, add(2, square(b))) },
  { name: "pow", f: (a, b) => pow(add(1.5, sigmoid(a)), tanh(b)) },
  { name: "tanh", f: (a) => tanh(a) },
  { name: "sin", f: (a) => sin(a) },
  { name: "exp∘tanh", f: (a) => exp(tanh(a)) },
  { name: "expm1∘tanh", f: (a) => expm1(tanh(a)) },
  { name: "log1p∘square", f: (a) => log1p(square(a)) },
  { name: "sqrt", f: (a) => sqrt(add(1, square(a))) },
  { name: "abs·relu", f: (a, b) => add(abs(a), relu(b)) },
  { name: "neg", f: (a) => neg(a) },
  { name: "maximum", f: maximum },
  { name: "minimum", f: minimum },
  {
    name: "clip",
    f: (a) => clip(a, -1, 1),
  },
  { name: "where", f: (a, b) => where(greater(a, b), a, mul(b, 0.5)) },
  { name: "stopGradient", f: (a, b) => mul(a, stopGradient(b)) },
  { name: "cast round trip", f: (a) => cast(cast(a, a.dtype === "float32" ? "float64" : "float32"), a.dtype) },
  { name: "reshape round trip", f: (a) => reshape(reshape(a, [-1]), a.shape) },
  { name: "transpose twice", f: (a) => transpose(transpose(a)) },
  { name: "mean keepDims", f: (a, b) => add(a, mean(b, undefined, true)) },
  { name: "sum axis 0", f: (a, b) => add(a, broadcastTo(sum(b, 0, true), b.shape)), minRank: 1 },
  { name: "max axis", f: (a, b) => sub(a, max(b, -1, true)), minRank: 1 },
  { name: "prod", f: (a, b) => mul(a, prod(tanh(b), -1, true)), minRank: 1 },
  { name: "variance", f: (a, b) => add(a, variance(b, -1, true)), minRank: 1 },
  { name: "softmax", f: (a, b) => mul(a, softmax(b, lastAxis(b))), minRank: 1 },
  { name: "logSoftmax", f: (a) => logSoftmax(a, -1), minRank: 1 },
  { name: "logSumExp", f: (a, b) => sub(a, logSumExp(b, -1, true)), minRank: 1 },
  {
    name: "slice + pad",
    f: (a) => pad(slice(a, [{ start: 1 }]), a.shape.map((_, i) => (i === 0 ? [1, 0] : [0, 0]) as [number, number])),
    minRank: 1,
  },
  {
    name: "concat + slice",
    f: (a, b) => slice(concat([a, b], 0), [{ start: a.shape[0] }]),
    minRank: 1,
  },
  { name: "stack + sum", f: (a, b) => sum(stack([a, b], 0), 0) },
  {
    name: "gather reversed",
    f: (a) => gather(a, tensor(Int32Array.from({ length: a.shape[0] }, (_, i) => -1 - i)), 0),
    minRank: 1,
  },
  {
    name: "scatterAdd∘gather",
    f: (a) => {
      const idx = tensor(Int32Array.from({ length: a.shape[0] }, (_, i) => (i * 7) % a.shape[0]));
      return scatterAdd(gather(a, idx, 0), idx, a.shape, 0);
    },
    minRank: 1,
  },
  {
    name: "matmul",
    f: (a, b) => matmul(div(matmul(a, b, { transB: true }), 4), a),
    minRank: 2,
  },
  { name: "squeeze", f: (a) => reshape(squeeze(reshape(a, [1, ...a.shape, 1])), a.shape) },
];

// --------------------------------------------------------------- programs

type Transform = "none" | "grad" | "valueAndGrad" | "jvp" | "vjp" | "jacfwd" | "jacrev" | "hessian" | "trace";

interface Program {
  readonly shape: number[];
  readonly dtype: FloatD;
  readonly steps: readonly { op: number; x: number; y: number }[];
  readonly transform: Transform;
  readonly asTree: boolean;
  readonly values: readonly number[];
}

const K = 2 ** 30;
const programArb: fc.Arbitrary<Program> = fc.record({
  shape: shapeArb({ maxRank: 3, maxDim: 4 }),
  dtype: fc.constantFrom<FloatD>("float32", "float64"),
  steps: fc.array(fc.record({ op: fc.nat(OPS.length - 1), x: fc.nat(), y: fc.nat() }), { minLength: 1, maxLength: 8 }),
  transform: fc.constantFrom<Transform>(
    "none",
    "grad",
    "valueAndGrad",
    "jvp",
    "vjp",
    "jacfwd",
    "jacrev",
    "hessian",
    "trace",
  ),
  asTree: fc.boolean(),
  values: fc.array(fc.integer({ min: -K, max: K }).map((k) => (2 * k) / K), { minLength: 4 * 64, maxLength: 4 * 64 }),
});

/**
 * Runs the steps on a pool that starts as [x, y]: each step applies an op to
 * two pool entries and appends the result; the program returns the last.
 */
const runSteps = (p: Program, x: Tensor, y: Tensor): Tensor => {
  const pool = [x, y];
  for (const s of p.steps) {
    const op = OPS[s.op];
    const a = pool[s.x % pool.length];
    const b = pool[s.y % pool.length];
    const f = op.f;
    pool.push(a.ndim >= (op.minRank ?? 0) ? f(a, b) : add(a, b));
  }
  return pool[pool.length - 1];
};

const describeProgram = (p: Program): string =>
  `${p.transform}${p.asTree ? " (tree)" : ""} ${p.dtype}[${p.shape}]: ${
    p.steps.map((s) => OPS[s.op].name).join(" → ")
  }`;

forEachBackend((backend, it) =>
  describe(`T1: no input mutation by any op or transform [${backend}]`, () => {
    it("200 random programs under every transform leave inputs, tangents and cotangents byte-identical (property)", () => {
      let ran = 0;
      fc.assert(
        fc.property(programArb, (p) => {
          const n = p.shape.reduce((a, b) => a * b, 1);
          // hessian costs n² programs: keep it to small inputs
          const transform = p.transform === "hessian" && n > 4 ? "jacrev" : p.transform;
          const make = (off: number) =>
            tensor(Float64Array.from({ length: n }, (_, i) => p.values[off + i]), { shape: p.shape, dtype: p.dtype });
          const x = make(0);
          const y = make(64);
          const t = make(128);
          const c = make(192);
          const inputs = [snap(x), snap(y), snap(t), snap(c)];
          const arg = p.asTree ? { w: x, rest: [y] } : x;
          const argTree = p.asTree ? (arg as { w: Tensor; rest: Tensor[] }) : null;
          const f = (a: Tensor | { w: Tensor; rest: Tensor[] }) =>
            a instanceof Tensor ? runSteps(p, a, y) : runSteps(p, a.w, a.rest[0]);
          const loss = (a: Tensor | { w: Tensor; rest: Tensor[] }) => sum(f(a));
          const tangent = p.asTree ? { w: t, rest: [c] } : t;

          const outputs: Tensor[] = [];
          const keep = (r: unknown) => outputs.push(...(tree.leaves(r) as Tensor[]));
          switch (transform) {
            case "none":
              keep(f(arg));
              break;
            case "grad":
              keep(grad(loss)(arg));
              break;
            case "valueAndGrad":
              keep(valueAndGrad(loss)(arg));
              break;
            case "jvp":
              keep(jvp(f, [arg], [tangent]));
              break;
            case "vjp": {
              const [out, pullback] = vjp(f, arg);
              assert.deepEqual([out.shape, out.dtype], [c.shape, c.dtype], "every op keeps the shape and dtype");
              keep(out);
              keep(pullback(c));
              break;
            }
            case "jacfwd":
              keep(jacfwd(f)(arg));
              break;
            case "jacrev":
              keep(jacrev(f)(arg));
              break;
            case "hessian":
              keep(hessian(loss)(arg));
              break;
            case "trace": {
              const g = trace(f, arg);
              keep(evalGraph(g, arg));
              keep(grad((a: typeof arg) => sum(evalGraph(g, a) as Tensor))(arg));
              break;
            }
          }
          const what = describeProgram(p);
          ["x", "y", "tangent", "cotangent"].forEach((name, i) => assertUnchanged(inputs[i], `${name} after ${what}`));
          if (argTree !== null) {
            // the tree itself: same keys, same leaves (identity), no additions
            assert.deepEqual(Object.keys(argTree), ["w", "rest"], what);
            assert.equal(argTree.w, x, what);
            assert.equal(argTree.rest.length, 1, what);
            assert.equal(argTree.rest[0], y, what);
          }
          // writing into an output's copy changes neither the output nor an input
          for (const o of outputs) {
            const before = snap(o);
            const copy = o.toTypedArray();
            copy.fill(7);
            assertUnchanged(before, `output of ${what}`);
          }
          ["x", "y", "tangent", "cotangent"].forEach((name, i) =>
            assertUnchanged(inputs[i], `${name} after writing outputs of ${what}`)
          );
          ran++;
        }),
        { numRuns: 200 },
      );
      assert.equal(ran >= 200, true);
    });

    it("every op of the table runs under grad on every rank it accepts (the table is not dead code)", () => {
      for (const op of OPS) {
        for (const dtype of ["float32", "float64"] as const) {
          const shape = op.minRank === 2 ? [2, 3] : [3];
          const x = tensor(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i / 7 - 0.3), {
            shape,
            dtype,
          });
          const y = tensor(Float64Array.from({ length: x.size }, (_, i) => 0.5 - i / 5), { shape, dtype });
          const before = [snap(x), snap(y)];
          const f = op.f;
          const g = grad((a: Tensor) => sum(f(a, y)))(x);
          assert.deepEqual(g.shape, x.shape, op.name);
          assert.ok(Array.from(g.toTypedArray()).every(Number.isFinite), `${op.name}: gradient ${g}`);
          before.forEach((s, i) => assertUnchanged(s, `${op.name} input ${i}`));
        }
      }
    });
  })
);

describe("T1: copies at the API's edges", () => {
  it("toTypedArray returns a fresh copy every time", () => {
    for (const dtype of ["float32", "float64", "int32", "bool"] as const) {
      const x = tensor([1, 0, 1], { dtype });
      const a = x.toTypedArray();
      const b = x.toTypedArray();
      assert.notEqual(a, b);
      assert.notEqual(a.buffer, b.buffer);
      a.fill(0);
      b[0] = 0;
      assert.deepEqual(x.toArray(), [1, 0, 1], dtype);
    }
  });

  it("toArray returns fresh nested arrays", () => {
    const x = tensor([[1, 2], [3, 4]]);
    const a = x.toArray() as number[][];
    a[0][0] = 99;
    a.pop();
    assert.deepEqual(x.toArray(), [[1, 2], [3, 4]]);
  });

  it("tensor() copies its typed array and nested-array sources", () => {
    const src = Float32Array.of(1, 2, 3, 4);
    const x = tensor(src, { shape: [2, 2] });
    src.fill(0);
    assert.deepEqual(x.toArray(), [[1, 2], [3, 4]]);
    // a subarray view: only the viewed elements, copied
    const big = Float64Array.of(9, 1, 2, 9);
    const v = tensor(big.subarray(1, 3));
    big.fill(0);
    assert.deepEqual(v.toArray(), [1, 2]);
    const nested = [[1, 2], [3, 4]];
    const y = tensor(nested);
    nested[0][0] = 99;
    assert.deepEqual(y.toArray(), [[1, 2], [3, 4]]);
    // converting constructors copy too
    const ints = Int32Array.of(1, 2);
    const z = tensor(ints, { dtype: "float64" });
    ints[0] = 5;
    assert.deepEqual(z.toArray(), [1, 2]);
  });

  it("reshape shares storage but offers no way to write: neither side changes through the other's copies", () => {
    const x = tensor([1, 2, 3, 4, 5, 6]);
    const r = reshape(x, [2, 3]);
    const f = reshape(r, [-1]);
    const s = squeeze(reshape(x, [1, 6, 1]));
    for (const view of [r, f, s]) view.toTypedArray().fill(0);
    x.toTypedArray().fill(0);
    assert.deepEqual(x.toArray(), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(r.toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(f.toArray(), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(s.toArray(), [1, 2, 3, 4, 5, 6]);
    // ops on the reshaped tensor leave the original alone
    const y = add(r, 1);
    assert.deepEqual(x.toArray(), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(y.toArray(), [[2, 3, 4], [5, 6, 7]]);
  });

  it("a transform's gradient tree is new: the argument tree is neither returned nor mutated", () => {
    const params = { layers: [{ w: tensor([[1, 2], [3, 4]]), b: tensor([0.5, -0.5]) }], scale: tensor(2) };
    const before = tree.leaves(params).map((l) => snap(l as Tensor));
    const frozenKeys = JSON.stringify(tree.structure(params).toString());
    const g = grad((p: typeof params) => sum(mul(p.scale, add(matmul(p.layers[0].w, p.layers[0].b), 1))))(params);
    assert.notEqual(g, params);
    assert.notEqual(g.layers, params.layers);
    assert.notEqual(g.layers[0], params.layers[0]);
    assert.equal(JSON.stringify(tree.structure(params).toString()), frozenKeys);
    before.forEach((s, i) => assertUnchanged(s, `leaf ${i}`));
    assert.deepEqual(Object.keys(params.layers[0]), ["w", "b"]);
  });

  it("a tensor's shape cannot be changed at run time, nor shared mutably with op results", () => {
    const x = tensor([1, 2]);
    const y = exp(x);
    // Elementwise results may share their input's shape array, so it must be frozen.
    assert.ok(Object.isFrozen(x.shape) && Object.isFrozen(y.shape));
    assert.throws(() => {
      (y.shape as number[])[0] = 5; // modules are strict: writing to a frozen array throws
    }, TypeError);
    assert.throws(() => (x.shape as number[]).push(3), TypeError);
    assert.deepEqual([x.shape, y.shape], [[2], [2]]);
  });
});
