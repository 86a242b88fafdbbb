/**
 * Elementwise ops against slow per-element references: unary ops (float32,
 * float64 and int32, within 1–2 ulps), binary ops and comparisons on random
 * broadcast-compatible shape pairs, logical ops, `where` with three-way
 * broadcasting, weak typing of JS numbers, and dtype and shape errors.
 *
 * References compute in float64 JS numbers; a float32 result is compared
 * with the reference rounded to float32.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  abs,
  add,
  ceil,
  concat,
  cos,
  div,
  type DType,
  DTypeError,
  equal,
  exp,
  expm1,
  floor,
  greater,
  greaterEqual,
  less,
  lessEqual,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  matmul,
  maximum,
  minimum,
  mul,
  neg,
  notEqual,
  pow,
  relu,
  round,
  rsqrt,
  ShapeError,
  sigmoid,
  sign,
  sin,
  sqrt,
  square,
  sub,
  tan,
  tanh,
  type Tensor,
  tensor,
  where,
  zeros,
} from "../mod.ts";
import { broadcastShapesArb, shapeArb } from "../testing/mod.ts";
import {
  assertExact,
  data,
  dtypeArb,
  type FloatD,
  fromPool,
  half,
  poolArb,
  readBroadcast,
  type Ref,
  refBroadcastShape,
  rounded,
  sizeOf,
  toInt,
  unravel,
} from "./lib/reference.ts";

/** Distance in float32 or float64 ulps (0 for equal values, ±0 alike). */
const ulps = (a: number, b: number, dtype: FloatD): number => {
  if (a === b) return 0;
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const dv = new DataView(new ArrayBuffer(16));
  if (dtype === "float32") {
    dv.setFloat32(0, a);
    dv.setFloat32(4, b);
    const lex = (i: number) => (i < 0 ? -(i & 0x7fffffff) : i);
    return Math.abs(lex(dv.getInt32(0)) - lex(dv.getInt32(4)));
  }
  dv.setFloat64(0, a);
  dv.setFloat64(8, b);
  const lex = (i: bigint) => (i < 0n ? -(i & 0x7fffffffffffffffn) : i);
  const d = lex(dv.getBigInt64(0)) - lex(dv.getBigInt64(8));
  return Number(d < 0n ? -d : d);
};

// ======================================================= elementwise: unary

interface UnaryCase {
  readonly name: string;
  readonly f: (x: Tensor) => Tensor;
  readonly ref: (x: number) => number;
  readonly domain?: (x: number) => number;
  /** Also defined on int32 (with wrapping). */
  readonly ints?: boolean;
}

const roundHalfEven = (x: number): number => {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

const UNARY: readonly UnaryCase[] = [
  { name: "neg", f: neg, ref: (x) => -x, ints: true },
  { name: "abs", f: abs, ref: Math.abs, ints: true },
  { name: "sign", f: sign, ref: Math.sign, ints: true },
  { name: "exp", f: exp, ref: Math.exp },
  { name: "log", f: log, ref: Math.log, domain: (x) => Math.abs(x) + 1e-3 },
  { name: "log1p", f: log1p, ref: Math.log1p, domain: (x) => Math.abs(x) - 0.99 },
  { name: "expm1", f: expm1, ref: Math.expm1 },
  { name: "sqrt", f: sqrt, ref: Math.sqrt, domain: Math.abs },
  { name: "rsqrt", f: rsqrt, ref: (x) => 1 / Math.sqrt(x), domain: (x) => Math.abs(x) + 1e-3 },
  { name: "square", f: square, ref: (x) => x * x, ints: true },
  { name: "sin", f: sin, ref: Math.sin, domain: (x) => 4 * x },
  { name: "cos", f: cos, ref: Math.cos, domain: (x) => 4 * x },
  { name: "tan", f: tan, ref: Math.tan },
  { name: "tanh", f: tanh, ref: Math.tanh },
  { name: "sigmoid", f: sigmoid, ref: (x) => 1 / (1 + Math.exp(-x)), domain: (x) => 10 * x },
  { name: "relu", f: relu, ref: (x) => (x > 0 ? x : 0), ints: true },
  { name: "floor", f: floor, ref: Math.floor, domain: (x) => 3 * x },
  { name: "ceil", f: ceil, ref: Math.ceil, domain: (x) => 3 * x },
  // quantized to quarters so that exact halves (ties to even) occur often
  { name: "round", f: round, ref: roundHalfEven, domain: (x) => Math.round(4 * x) / 4 },
];

describe("elementwise unary ops", () => {
  for (const op of UNARY) {
    it(`${op.name} matches Math per element, float32 and float64${op.ints ? " and int32" : ""} (property)`, () => {
      fc.assert(
        fc.property(shapeArb({ maxDim: 4 }), poolArb, dtypeArb, fc.boolean(), (shape, pool, dtype, asInt) => {
          const d: DType = op.ints && asInt ? "int32" : dtype;
          const x = fromPool(pool, shape, d, d === "int32" ? toInt : op.domain);
          const y = op.f(x);
          assert.deepEqual(y.shape, shape);
          assert.equal(y.dtype, d);
          const xs = data(x);
          const ys = data(y);
          for (let i = 0; i < xs.length; i++) {
            if (d === "int32") {
              assert.equal(ys[i], op.ref(xs[i]) | 0, `${op.name}(${xs[i]})`);
              continue;
            }
            const e = rounded(op.ref(xs[i]), d);
            assert.ok(
              ulps(ys[i], e, d as FloatD) <= (d === "float32" ? 1 : 2),
              `${op.name}(${xs[i]}) = ${ys[i]}, Math gives ${e}`,
            );
          }
        }),
        { numRuns: 100 },
      );
    });
  }

  it("unary ops keep zero-size shapes", () => {
    for (const op of UNARY) assert.deepEqual(op.f(zeros([2, 0])).shape, [2, 0], op.name);
  });

  it("float-only unary ops reject int32 and bool with a DTypeError naming the op and the dtype", () => {
    for (const op of UNARY.filter((o) => !o.ints && !["floor", "ceil", "round"].includes(o.name))) {
      assert.throws(
        () => op.f(tensor([1], { dtype: "int32" })),
        (e: unknown) =>
          e instanceof DTypeError &&
          new RegExp(`^${op.name}: input has dtype int32; expected float32 or float64`).test(e.message),
        op.name,
      );
    }
    assert.throws(() => neg(tensor([true])), /neg: input has dtype bool/);
    assert.throws(() => floor(tensor([1], { dtype: "int32" })), /floor: input has dtype int32/);
  });

  it("logicalNot is bool → bool and rejects numbers", () => {
    assert.deepEqual(logicalNot(tensor([true, false])).toArray(), [0, 1]);
    assert.equal(logicalNot(tensor([true])).dtype, "bool");
    assert.throws(() => logicalNot(tensor([1])), /logicalNot: input has dtype float32; expected bool/);
  });
});

// ====================================================== elementwise: binary

interface BinaryCase {
  readonly name: string;
  readonly f: (a: Tensor, b: Tensor) => Tensor;
  readonly ref: (a: number, b: number) => number;
  readonly domainA?: (x: number) => number;
  readonly domainB?: (x: number) => number;
  readonly ints?: boolean;
  readonly bool?: boolean;
}

const awayFromZero = (x: number) => (x < 0 ? x - 0.25 : x + 0.25);

const BINARY: readonly BinaryCase[] = [
  { name: "add", f: add, ref: (a, b) => a + b, ints: true },
  { name: "sub", f: sub, ref: (a, b) => a - b, ints: true },
  { name: "mul", f: mul, ref: (a, b) => a * b, ints: true },
  { name: "div", f: div, ref: (a, b) => a / b, domainB: awayFromZero },
  { name: "pow", f: pow, ref: Math.pow, domainA: (x) => Math.abs(x) + 0.1 },
  { name: "maximum", f: maximum, ref: Math.max, ints: true, domainA: half, domainB: half },
  { name: "minimum", f: minimum, ref: Math.min, ints: true, domainA: half, domainB: half },
  // comparisons on values quantized to halves, so that ties occur
  { name: "equal", f: equal, ref: (a, b) => +(a === b), bool: true, ints: true, domainA: half, domainB: half },
  { name: "notEqual", f: notEqual, ref: (a, b) => +(a !== b), bool: true, ints: true, domainA: half, domainB: half },
  { name: "less", f: less, ref: (a, b) => +(a < b), bool: true, ints: true, domainA: half, domainB: half },
  { name: "lessEqual", f: lessEqual, ref: (a, b) => +(a <= b), bool: true, ints: true, domainA: half, domainB: half },
  { name: "greater", f: greater, ref: (a, b) => +(a > b), bool: true, ints: true, domainA: half, domainB: half },
  {
    name: "greaterEqual",
    f: greaterEqual,
    ref: (a, b) => +(a >= b),
    bool: true,
    ints: true,
    domainA: half,
    domainB: half,
  },
];

/** The slow reference: loop over the broadcast result's nd-indices. */
const refBinary = (a: Tensor, b: Tensor, f: (x: number, y: number) => number): Ref => {
  const shape = refBroadcastShape(a.shape, b.shape);
  const ad = data(a);
  const bd = data(b);
  const out: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    out.push(f(readBroadcast(ad, a.shape, idx), readBroadcast(bd, b.shape, idx)));
  }
  return { shape, data: out };
};

describe("elementwise binary ops with broadcasting", () => {
  for (const op of BINARY) {
    it(`${op.name} equals a per-element reference on random broadcast-compatible shapes (property)`, () => {
      fc.assert(
        fc.property(broadcastShapesArb(2, { maxDim: 4 }), poolArb, dtypeArb, fc.boolean(), (bs, pool, dtype, asInt) => {
          const d: DType = op.ints && asInt ? "int32" : dtype;
          const [sa, sb] = bs.inputs;
          const a = fromPool(pool, sa, d, d === "int32" ? toInt : op.domainA);
          const b = fromPool(pool, sb, d, d === "int32" ? toInt : op.domainB, 256);
          const out = op.f(a, b);
          const ref = refBinary(a, b, op.ref);
          assert.deepEqual(out.shape, bs.result);
          const outD: DType = op.bool ? "bool" : d;
          if (d === "int32" || op.bool) {
            assertExact(
              out,
              { shape: ref.shape, data: ref.data.map((v) => (outD === "int32" ? v | 0 : v)) },
              outD,
              op.name,
            );
          } else {
            assert.equal(out.dtype, d);
            const got = data(out);
            got.forEach((v, i) => {
              const e = rounded(ref.data[i], d);
              assert.ok(
                ulps(v, e, d as FloatD) <= (d === "float32" ? 1 : 2),
                `${op.name}: element ${i} is ${v}, expected ${e}`,
              );
            });
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  it("logicalAnd and logicalOr broadcast bools (property) and reject numbers", () => {
    fc.assert(
      fc.property(broadcastShapesArb(2, { maxDim: 4 }), poolArb, (bs, pool) => {
        const [sa, sb] = bs.inputs;
        const a = greater(fromPool(pool, sa, "float64"), 0);
        const b = greater(fromPool(pool, sb, "float64", (x) => x, 256), 0);
        assertExact(logicalAnd(a, b), refBinary(a, b, (x, y) => +(x && y)), "bool", "logicalAnd");
        assertExact(logicalOr(a, b), refBinary(a, b, (x, y) => +(x || y)), "bool", "logicalOr");
      }),
      { numRuns: 100 },
    );
    assert.throws(() => logicalAnd(tensor([1]), tensor([1])), /logicalAnd: operands have dtype float32; expected bool/);
    assert.throws(() => logicalOr(tensor([1], { dtype: "int32" }), tensor([1], { dtype: "int32" })), DTypeError);
  });

  it("shapes that do not broadcast are a ShapeError naming the op and both shapes", () => {
    assert.throws(
      () => add(tensor([1, 2]), tensor([1, 2, 3])),
      (e: unknown) => e instanceof ShapeError && /^add: shapes \[2\] and \[3\] do not broadcast/.test(e.message),
    );
    assert.throws(
      () => mul(zeros([2, 3]), zeros([3, 2])),
      /mul: shapes \[2,3\] and \[3,2\] do not broadcast \(axis -\d has \d and \d; each axis must match or be 1\)/,
    );
    assert.throws(
      () => where(tensor([true, false]), zeros([3]), 0),
      /where: shapes \[2\] and \[3\] .*do not broadcast/,
    );
  });

  it("operands of different dtypes are a DTypeError naming the op and both dtypes", () => {
    const f32 = tensor([1]);
    const f64 = tensor([1], { dtype: "float64" });
    const i32 = tensor([1], { dtype: "int32" });
    for (
      const [name, f] of [["add", add], ["sub", sub], ["mul", mul], ["div", div], ["maximum", maximum], [
        "less",
        less,
      ]] as const
    ) {
      assert.throws(
        () => f(f32, f64),
        (e: unknown) =>
          e instanceof DTypeError && new RegExp(`^${name}: dtype mismatch: float32 vs float64`).test(e.message),
        name,
      );
    }
    assert.throws(() => add(i32, f32), /add: dtype mismatch: int32 vs float32/);
    assert.throws(
      () => matmul(zeros([2, 2]), zeros([2, 2], { dtype: "float64" })),
      /matmul: dtype mismatch: float32 @ float64/,
    );
    assert.throws(() => concat([zeros([1]), zeros([1], { dtype: "int32" })]), /concat: dtype mismatch: float32, int32/);
    assert.throws(() => where(tensor([true]), f32, f64), /where: dtype mismatch: float32 vs float64/);
    assert.throws(() => div(i32, i32), /div: operands have dtype int32; expected float32 or float64/);
    assert.throws(() => add(tensor([true]), tensor([true])), /add: operands have dtype bool; expected a numeric dtype/);
  });
});

describe("weak typing of JS numbers", () => {
  it("a number takes the dtype of the tensor it meets", () => {
    assert.equal(mul(tensor([1, 2]), 2).dtype, "float32");
    assert.equal(mul(2, tensor([1, 2])).dtype, "float32");
    assert.equal(add(tensor([1], { dtype: "float64" }), 1e-300).dtype, "float64");
    assert.equal(add(tensor([1], { dtype: "float64" }), 1e-300).item(), 1);
    assert.equal(sub(tensor([1], { dtype: "int32" }), 2).dtype, "int32");
    assert.deepEqual(sub(tensor([1], { dtype: "int32" }), 2).toArray(), [-1]);
    assert.equal(maximum(tensor([1], { dtype: "int32" }), 0).dtype, "int32");
    assert.equal(less(tensor([1], { dtype: "int32" }), 2).dtype, "bool");
    // two numbers give a float32 scalar
    assert.deepEqual([add(2, 3).dtype, add(2, 3).shape, add(2, 3).item()], ["float32", [], 5]);
    // a float32 tensor rounds the number to float32: 0.1 + 0.2 in float32
    assert.equal(add(tensor([0.1]), 0.2).item(), Math.fround(Math.fround(0.1) + Math.fround(0.2)));
  });

  it("a non-integer number never silently becomes an integer: int32 + 2.5 is a DTypeError", () => {
    const i = tensor([1], { dtype: "int32" });
    for (const v of [2.5, NaN, Infinity]) {
      assert.throws(
        () => add(i, v),
        (e: unknown) =>
          e instanceof DTypeError &&
          new RegExp(`^add: cannot combine an int32 tensor with the non-integer ${v}`).test(e.message),
      );
    }
    assert.throws(() => mul(2.5, i), DTypeError);
    assert.throws(() => where(tensor([true]), i, 2.5), /where: cannot combine/);
  });

  it("where lifts numbers to the tensor branch's dtype, or to its dtype argument", () => {
    const c = tensor([true, false]);
    assert.equal(where(c, tensor([1, 2], { dtype: "float64" }), 0).dtype, "float64");
    assert.equal(where(c, 0, tensor([1, 2], { dtype: "int32" })).dtype, "int32");
    assert.equal(where(c, 1, 0).dtype, "float32");
    assert.equal(where(c, 1, 0, "float64").dtype, "float64");
    assert.deepEqual(where(c, 1, 0).toArray(), [1, 0]);
    assert.throws(() => where(tensor([1]), 1, 0), /where: condition has dtype float32; expected bool/);
  });
});

describe("where", () => {
  it("selects per element with three-way broadcasting (property)", () => {
    fc.assert(
      fc.property(broadcastShapesArb(3, { maxDim: 3 }), poolArb, dtypeArb, (bs, pool, dtype) => {
        const [sc, sa, sb] = bs.inputs;
        const c = greater(fromPool(pool, sc, "float64"), 0);
        const a = fromPool(pool, sa, dtype, (x) => x, 100);
        const b = fromPool(pool, sb, dtype, (x) => x, 300);
        const out = where(c, a, b);
        assert.deepEqual(out.shape, bs.result);
        const cd = data(c);
        const ad = data(a);
        const bd = data(b);
        const expected = Array.from({ length: sizeOf(bs.result) }, (_, i) => {
          const idx = unravel(i, bs.result);
          return readBroadcast(cd, sc, idx) ? readBroadcast(ad, sa, idx) : readBroadcast(bd, sb, idx);
        });
        assertExact(out, { shape: bs.result, data: expected }, dtype, "where");
      }),
      { numRuns: 100 },
    );
  });
});
