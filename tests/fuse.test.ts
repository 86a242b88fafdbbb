/**
 * `fuse`: a chain of elementwise ops run as one generated kernel gives the
 * results of the ops run one by one (bit for bit in float64, within float32
 * rounding in float32), and steps aside wherever it cannot apply: under
 * transforms, with debugNans on, for mixed shapes or dtypes, and for
 * functions that are not purely elementwise.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import * as ops from "../mod.ts";
import { fuse, grad, scalar, sum, type Tensor, tensor, withDebugNans } from "../mod.ts";
import { NanError } from "../core/errors.ts";
import { FUSED_BINARY_OPS, FUSED_UNARY_OPS, type FusedBinaryOp, type FusedUnaryOp } from "../backends/backend.ts";

const UNARY = FUSED_UNARY_OPS;
const BINARY = FUSED_BINARY_OPS;

/** One step of a random program: an op over earlier values, or a constant operand. */
type Step =
  | { kind: "unary"; op: FusedUnaryOp; a: number }
  | { kind: "binary"; op: FusedBinaryOp; a: number; b: number; constant?: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("unary" as const), op: fc.constantFrom(...UNARY), a: fc.nat() }),
  fc.record(
    {
      kind: fc.constant("binary" as const),
      op: fc.constantFrom(...BINARY),
      a: fc.nat(),
      b: fc.nat(),
      constant: fc.oneof(fc.constant(undefined), fc.double({ min: -3, max: 3, noNaN: true })),
    },
    { requiredKeys: ["kind", "op", "a", "b"] },
  ),
);

/** A function of `arity` tensors applying `steps`; returns the last `outputs` values computed. */
const program = (steps: readonly Step[], arity: number, outputs: number) => (...xs: Tensor[]): Tensor[] => {
  const values: Tensor[] = [...xs];
  const pick = (i: number) => values[i % values.length];
  for (const s of steps) {
    const f = (ops as unknown as Record<string, (...a: unknown[]) => Tensor>)[s.op];
    values.push(s.kind === "unary" ? f(pick(s.a)) : f(pick(s.a), s.constant ?? pick(s.b)));
  }
  return values.slice(Math.max(arity, values.length - outputs));
};

interface Case {
  steps: Step[];
  arity: number;
  scalars: boolean[];
  outputs: number;
  size: number;
  seed: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  steps: fc.array(stepArb, { minLength: 1, maxLength: 10 }),
  arity: fc.integer({ min: 1, max: 4 }),
  scalars: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  outputs: fc.integer({ min: 1, max: 3 }),
  size: fc.integer({ min: 0, max: 40 }),
  seed: fc.nat(),
});

/** Deterministic values in [-2.5, 2.5] with exact zeros, halves and an occasional NaN or ±∞. */
function values(n: number, seed: number): number[] {
  let s = seed | 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    const r = (s >>> 0) / 2 ** 32;
    if (r < 0.03) return [NaN, Infinity, -Infinity][Math.floor(r * 100) % 3];
    if (r < 0.1) return 0;
    return Math.round((r * 5 - 2.5) * 8) / 8 + (r < 0.5 ? 0 : r / 7);
  });
}

const argsFor = (c: Case, dtype: "float32" | "float64"): Tensor[] =>
  Array.from({ length: c.arity }, (_, i) => {
    const scalarArg = c.scalars[i] && i > 0; // the first argument fixes the shape
    const data = values(scalarArg ? 1 : c.size, c.seed + i);
    return scalarArg ? scalar(data[0], dtype) : tensor(data, { shape: [c.size], dtype });
  });

const same = (x: number, y: number) => Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y));

describe("fuse: one kernel for a chain of elementwise ops", () => {
  it("float64: fused results equal the ops run one by one, bit for bit (300 random programs)", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const f = program(c.steps, c.arity, c.outputs);
        const args = argsFor(c, "float64");
        const want = f(...args), got = fuse(f)(...args);
        assert.equal(got.length, want.length);
        got.forEach((g, o) => {
          assert.deepEqual(g.shape, want[o].shape);
          const gv = g.toTypedArray(), wv = want[o].toTypedArray();
          for (let i = 0; i < gv.length; i++) assert.ok(same(gv[i], wv[i]), `output ${o}[${i}]: ${gv[i]} vs ${wv[i]}`);
        });
      }),
      { numRuns: 300 },
    );
  });

  it("float32: fused results are the float64 chain on the same values, rounded once (200 random programs)", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        // Constants are rounded to float32 in the float32 program, so use float32-exact ones.
        const steps = c.steps.map((s) =>
          s.kind === "binary" && s.constant !== undefined ? { ...s, constant: Math.fround(s.constant) } : s
        );
        const f = program(steps, c.arity, c.outputs);
        const args32 = argsFor(c, "float32");
        const args64 = args32.map((a) => ops.cast(a, "float64"));
        // A rank-0 result beside full-shaped arguments is not fused (it would need broadcasting).
        fc.pre(!(f(...args32).some((t) => t.shape.length === 0) && args32[0].shape.length > 0));
        const got = fuse(f)(...args32), exact = fuse(f)(...args64);
        got.forEach((g, o) => {
          assert.equal(g.dtype, "float32");
          const gv = g.toTypedArray(), ev = exact[o].toTypedArray();
          for (let i = 0; i < gv.length; i++) {
            assert.ok(same(gv[i], Math.fround(ev[i])), `output ${o}[${i}]: ${gv[i]} vs fround(${ev[i]})`);
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it("float32: fused results agree with the ops run one by one within float32 rounding", () => {
    const f = (p: Tensor, g: Tensor, m: Tensor, v: Tensor, lr: Tensor) => {
      const m1 = ops.add(ops.mul(m, 0.9), ops.mul(g, 0.1));
      const v1 = ops.add(ops.mul(v, 0.999), ops.mul(ops.square(g), 0.001));
      return [ops.sub(p, ops.mul(ops.div(m1, ops.add(ops.sqrt(v1), 1e-8)), lr)), m1, v1];
    };
    const n = 1000;
    const args = [0, 1, 2, 3].map((k) => tensor(values(n, 7 + k).map((x) => (Number.isFinite(x) ? Math.abs(x) : 1))));
    const want = f(args[0], args[1], args[2], args[3], scalar(0.01));
    const got = fuse(f)(args[0], args[1], args[2], args[3], scalar(0.01));
    got.forEach((g, o) => {
      const gv = g.toTypedArray(), wv = want[o].toTypedArray();
      for (let i = 0; i < n; i++) assert.ok(Math.abs(gv[i] - wv[i]) <= 1e-5 * (1 + Math.abs(wv[i])), `${o}[${i}]`);
    });
  });

  it("keeps the result structure: a single tensor or an array", () => {
    const one = fuse((x: Tensor) => ops.exp(x));
    assert.deepEqual(one(tensor([0])).toArray(), [1]);
    const two = fuse((x: Tensor) => [ops.neg(x), ops.square(x)]);
    const [a, b] = two(tensor([[1, 2], [3, 4]]));
    assert.deepEqual(a.toArray(), [[-1, -2], [-3, -4]]);
    assert.deepEqual(b.toArray(), [[1, 4], [9, 16]]);
  });

  it("steps aside under grad: gradients equal those of the unfused function", () => {
    const f = (x: Tensor, s: Tensor) => ops.mul(ops.tanh(ops.mul(x, s)), ops.sigmoid(x));
    const ff = fuse(f);
    const x = tensor([-1, 0.5, 2], { dtype: "float64" }), s = scalar(1.5, "float64");
    const want = grad((a: Tensor) => sum(f(a, s)))(x).toArray();
    const got = grad((a: Tensor) => sum(ff(a, s)))(x).toArray();
    assert.deepEqual(got, want);
  });

  it("steps aside for non-elementwise functions, mixed shapes and mixed dtypes", () => {
    const reduce = fuse((x: Tensor) => ops.mul(x, sum(x)));
    assert.deepEqual(reduce(tensor([1, 2])).toArray(), [3, 6]);
    const bcast = fuse((x: Tensor, y: Tensor) => ops.add(x, y));
    assert.deepEqual(bcast(tensor([[1], [2]]), tensor([10, 20])).toArray(), [[11, 21], [12, 22]]);
    const ints = fuse((x: Tensor) => ops.add(x, 1));
    assert.deepEqual(ints(tensor([1, 2], { dtype: "int32" })).toArray(), [2, 3]);
    const compare = fuse((x: Tensor) => ops.greater(x, 0));
    assert.equal(compare(tensor([-1, 1])).dtype, "bool");
  });

  it("steps aside with debugNans on, so the failing primitive is named", () => {
    const f = fuse((x: Tensor) => ops.exp(ops.log(x)));
    assert.deepEqual(f(tensor([1], { dtype: "float64" })).toArray(), [1]);
    assert.throws(
      () => withDebugNans(() => f(tensor([-1], { dtype: "float64" }))),
      (e) => e instanceof NanError && /log/.test(e.message),
    );
  });

  it("never writes to its inputs", () => {
    const x = tensor([1, 2, 3]), before = [...x.toTypedArray()];
    fuse((a: Tensor) => [ops.mul(a, 2), ops.neg(a)])(x);
    assert.deepEqual([...x.toTypedArray()], before);
  });
});
