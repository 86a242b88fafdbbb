/**
 * The TypeScript backend's kernels against slow references written with
 * nd-index loops, over random shapes (rank 0–4, extents 0–5), broadcasts,
 * axes, views, pads, joins and gathers; plus the edge semantics by example.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { erf as erfScalar } from "../backends/ts/special_math.ts";
import { type BinaryOp, FUSED_BINARY_OPS, type ReduceOp, UNARY_OPS, type UnaryOp } from "../backends/backend.ts";
import { allocTyped, type DType, type TypedArray } from "../core/dtype.ts";
import { broadcastStrides, type Shape, sizeOf, stridesOf } from "../core/shape.ts";
import { binary, cast, full, unary, where } from "../backends/ts/elementwise.ts";
import { reduce } from "../backends/ts/reduce.ts";
import { concat, copyStrided, gather, pad, scatterAdd } from "../backends/ts/layout.ts";

// ---------------------------------------------------------------- helpers

/** Every index of `shape`, row-major. */
function indices(shape: Shape): number[][] {
  const out: number[][] = [];
  const n = sizeOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    out.push([...idx]);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

const dot = (idx: readonly number[], strides: readonly number[], offset = 0) =>
  idx.reduce((acc, v, d) => acc + v * strides[d], offset);

/** Equal element by element (NaN equals NaN), within `tol` relative to max(1, |expected|). */
function assertClose(actual: TypedArray, expected: TypedArray, what: string, tol = 0) {
  assert.equal(actual.constructor.name, expected.constructor.name, `${what}: storage type`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    const ok = a === e || (a !== a && e !== e) || Math.abs(a - e) <= tol * Math.max(1, Math.abs(e));
    if (!ok) assert.fail(`${what}: element ${i} is ${a}, expected ${e}`);
  }
}

/** Extents 0–5, with 0 rarer so that most cases have elements to check. */
const extentArb = fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, {
  arbitrary: fc.integer({ min: 1, max: 5 }),
  weight: 9,
});
const shapeArb = (minRank = 0) => fc.array(extentArb, { minLength: minRank, maxLength: 4 });

/** Values for `dtype`: mostly ordinary, sometimes the special ones. */
function valueArb(dtype: DType, small = false): fc.Arbitrary<number> {
  if (dtype === "bool") return fc.constantFrom(0, 1);
  if (dtype === "int32") {
    return fc.oneof(
      { arbitrary: fc.integer({ min: -20, max: 20 }), weight: 8 },
      { arbitrary: fc.constantFrom(2147483647, -2147483648, 65536, -65536, 46341), weight: 1 },
    );
  }
  // Multiples of 1/8 keep sums exact in any order; products stay in range.
  const ordinary = small ? fc.integer({ min: -16, max: 16 }).map((k) => k / 8) : fc.double({ min: -10, max: 10 });
  return fc.oneof(
    { arbitrary: ordinary, weight: 8 },
    {
      arbitrary: small
        ? fc.constantFrom(NaN, Infinity, -Infinity, -0)
        : fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 0.5, -1.5, 2.5, 1e4, -1e4, 100),
      weight: 1,
    },
  );
}

const bufArb = (dtype: DType, n: number, small = false): fc.Arbitrary<TypedArray> =>
  fc.array(valueArb(dtype, small), { minLength: n, maxLength: n }).map((v) => {
    const b = allocTyped(dtype, n);
    b.set(v);
    return b;
  });

/** An input shape that broadcasts to `out`: leading axes dropped, some extents set to 1. */
const broadcastArb = (out: Shape) =>
  fc.tuple(
    fc.integer({ min: 0, max: out.length }),
    fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
  )
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));

const layoutOf = (out: Shape, ...inputs: Shape[]) => ({
  shape: out,
  strides: inputs.map((s) => broadcastStrides(s, out)),
});

// ------------------------------------------------------------ references

function refUnary(op: UnaryOp, v: number, dtype: DType): number {
  switch (op) {
    case "neg":
      return -v;
    case "abs":
      return Math.abs(v);
    case "sign":
      return Number.isNaN(v) ? NaN : v > 0 ? 1 : v < 0 ? -1 : 0;
    case "square":
      return dtype === "int32" ? Number(BigInt.asIntN(32, BigInt(v) * BigInt(v))) : v * v;
    case "rsqrt":
      return 1 / Math.sqrt(v);
    case "sigmoid":
      return 1 / (1 + Math.exp(-v));
    case "softplus":
      return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
    case "erf":
      // erf's accuracy is checked against CPython in tests/ops_special.test.ts;
      // here the kernel must apply that scalar function to every element.
      return erfScalar(v);
    case "relu":
      return Number.isNaN(v) ? NaN : Math.max(v, 0);
    case "round": {
      const f = Math.floor(v), frac = v - f;
      return frac < 0.5 ? f : frac > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
    }
    case "logicalNot":
      return v === 0 ? 1 : 0;
    default:
      return (Math[op] as (x: number) => number)(v);
  }
}

const UNARY_FLOAT: readonly UnaryOp[] = UNARY_OPS;
const UNARY_FOR: Record<DType, readonly UnaryOp[]> = {
  float32: UNARY_FLOAT,
  float64: UNARY_FLOAT,
  int32: ["neg", "abs", "sign", "square", "relu"],
  bool: ["logicalNot"],
};

/** x^y modulo 2^32, with BigInt. */
function bigPowInt32(x: number, y: number): number {
  let r = 1n, b = BigInt(x), e = y;
  while (e > 0) {
    if (e % 2 === 1) r = BigInt.asIntN(32, r * b);
    b = BigInt.asIntN(32, b * b);
    e = Math.floor(e / 2);
  }
  return Number(r);
}

function refBinary(op: BinaryOp, x: number, y: number, dtype: DType): number {
  const int = dtype === "int32";
  switch (op) {
    case "add":
      return x + y;
    case "sub":
      return x - y;
    case "mul":
      return int ? Number(BigInt.asIntN(32, BigInt(x) * BigInt(y))) : x * y;
    case "div":
      return x / y;
    case "pow":
      return int && y >= 0 ? bigPowInt32(x, y) : Math.pow(x, y);
    case "maximum":
      return Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y);
    case "minimum":
      return Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y);
    case "equal":
      return +(x === y);
    case "notEqual":
      return +(x !== y);
    case "less":
      return +(x < y);
    case "lessEqual":
      return +(x <= y);
    case "greater":
      return +(x > y);
    case "greaterEqual":
      return +(x >= y);
    case "logicalAnd":
      return +(x !== 0 && y !== 0);
    case "logicalOr":
      return +(x !== 0 || y !== 0);
  }
}

const COMPARISONS: BinaryOp[] = ["equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual"];
const BINARY_FLOAT: BinaryOp[] = [
  ...FUSED_BINARY_OPS, // the arithmetic ones
  ...COMPARISONS,
  "logicalAnd",
  "logicalOr",
];
const BINARY_FOR: Record<DType, BinaryOp[]> = {
  float32: BINARY_FLOAT,
  float64: BINARY_FLOAT,
  int32: ["add", "sub", "mul", "maximum", "minimum", "pow", ...COMPARISONS],
  bool: ["logicalAnd", "logicalOr", ...COMPARISONS],
};
const writesBool = (op: BinaryOp) => COMPARISONS.includes(op) || op === "logicalAnd" || op === "logicalOr";

function refCast(v: number, to: DType): number {
  if (to === "bool") return v !== 0 ? 1 : 0;
  if (to === "int32") return Number.isNaN(v) ? 0 : Math.trunc(Math.min(Math.max(v, -(2 ** 31)), 2 ** 31 - 1));
  return v;
}

/** Fold of `values` (in order) by a reduction, exact for int32 through BigInt. */
function refFold(op: ReduceOp, values: number[], dtype: DType): number {
  if (dtype === "int32" && (op === "sum" || op === "prod")) {
    let acc = op === "sum" ? 0n : 1n;
    for (const v of values) acc = BigInt.asIntN(32, op === "sum" ? acc + BigInt(v) : acc * BigInt(v));
    return Number(acc);
  }
  if (op === "sum") return values.reduce((a, v) => a + v, 0);
  if (op === "prod") return values.reduce((a, v) => a * v, 1);
  if (values.some(Number.isNaN)) return NaN;
  const empty = op === "max" ? -Infinity : Infinity;
  if (values.length === 0) return dtype === "int32" ? (op === "max" ? -(2 ** 31) : 2 ** 31 - 1) : empty;
  return op === "max" ? Math.max(...values) : Math.min(...values);
}

/** Reduce by grouping every element under its kept index. */
function refReduce(op: ReduceOp, x: TypedArray, shape: Shape, axes: number[], dtype: DType): TypedArray {
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const outShape = kept.map((d) => shape[d]);
  const groups: number[][] = Array.from({ length: sizeOf(outShape) }, () => []);
  const os = stridesOf(outShape);
  indices(shape).forEach((idx, i) => groups[dot(kept.map((d) => idx[d]), os)].push(x[i]));
  const isArg = op === "argmax" || op === "argmin";
  const out = allocTyped(isArg ? "int32" : dtype, groups.length);
  groups.forEach((g, o) => {
    if (!isArg) {
      out[o] = refFold(op, g, dtype);
      return;
    }
    const nan = g.findIndex(Number.isNaN);
    const target = op === "argmax" ? Math.max(...g) : Math.min(...g);
    out[o] = nan >= 0 ? nan : Math.max(0, g.indexOf(target));
  });
  return out;
}

// ------------------------------------------------------------------ tests

describe("elementwise kernels", () => {
  it("unary matches the reference for every dtype and op", () => {
    const arb = fc.tuple(fc.constantFrom<DType>("float32", "float64", "int32", "bool"), shapeArb())
      .chain(([dtype, shape]) => fc.tuple(fc.constant(dtype), bufArb(dtype, sizeOf(shape))));
    fc.assert(fc.property(arb, ([dtype, x]) => {
      const before = x.slice();
      for (const op of UNARY_FOR[dtype]) {
        const expected = allocTyped(op === "logicalNot" ? "bool" : dtype, x.length);
        for (let i = 0; i < x.length; i++) expected[i] = refUnary(op, x[i], dtype);
        assertClose(unary(op, x, dtype), expected, `${op} ${dtype}`);
      }
      assertClose(x, before, "input untouched");
    }));
  });

  it("binary matches the reference over random broadcasts", () => {
    const arb = fc.tuple(fc.constantFrom<DType>("float32", "float64", "int32", "bool"), shapeArb())
      .chain(([dtype, out]) =>
        fc.tuple(broadcastArb(out), broadcastArb(out)).chain(([sa, sb]) =>
          fc.tuple(fc.constant({ dtype, out, sa, sb }), bufArb(dtype, sizeOf(sa)), bufArb(dtype, sizeOf(sb)))
        )
      );
    fc.assert(fc.property(arb, ([{ dtype, out, sa, sb }, a, b]) => {
      const layout = layoutOf(out, sa, sb);
      const [stA, stB] = layout.strides;
      const before = [a.slice(), b.slice()];
      for (const op of BINARY_FOR[dtype]) {
        const expected = allocTyped(writesBool(op) ? "bool" : dtype, sizeOf(out));
        indices(out).forEach((idx, i) => expected[i] = refBinary(op, a[dot(idx, stA)], b[dot(idx, stB)], dtype));
        assertClose(binary(op, a, b, layout, dtype), expected, `${op} ${dtype} [${sa}] [${sb}] → [${out}]`);
      }
      assertClose(a, before[0], "a untouched");
      assertClose(b, before[1], "b untouched");
    }));
  });

  it("where against a scalar on either side (the fast paths) matches the reference", () => {
    const c = Uint8Array.of(1, 0, 1, 0, 0, 1), x = Float32Array.of(1, 2, 3, 4, 5, 6), s = Float32Array.of(-1);
    const full = [2, 1], none = [0, 0];
    assert.deepEqual([...where(c, x, s, { shape: [3, 2], strides: [full, full, none] }, "float32")], [
      1,
      -1,
      3,
      -1,
      -1,
      6,
    ]);
    assert.deepEqual([...where(c, s, x, { shape: [3, 2], strides: [full, none, full] }, "float32")], [
      -1,
      2,
      -1,
      4,
      5,
      -1,
    ]);
  });

  it("where matches the reference over random broadcasts", () => {
    const arb = fc.tuple(fc.constantFrom<DType>("float32", "float64", "int32", "bool"), shapeArb())
      .chain(([dtype, out]) =>
        fc.tuple(broadcastArb(out), broadcastArb(out), broadcastArb(out)).chain(([sc, sa, sb]) =>
          fc.tuple(
            fc.constant({ dtype, out, sc, sa, sb }),
            bufArb("bool", sizeOf(sc)),
            bufArb(dtype, sizeOf(sa)),
            bufArb(dtype, sizeOf(sb)),
          )
        )
      );
    fc.assert(fc.property(arb, ([{ dtype, out, sc, sa, sb }, c, a, b]) => {
      const layout = layoutOf(out, sc, sa, sb);
      const [stC, stA, stB] = layout.strides;
      const expected = allocTyped(dtype, sizeOf(out));
      indices(out).forEach((idx, i) => expected[i] = c[dot(idx, stC)] ? a[dot(idx, stA)] : b[dot(idx, stB)]);
      assertClose(where(c, a, b, layout, dtype), expected, `where ${dtype}`);
    }));
  });

  it("cast converts every pair of dtypes", () => {
    const dtypes: DType[] = ["float32", "float64", "int32", "bool"];
    const arb = fc.tuple(fc.constantFrom(...dtypes), fc.constantFrom(...dtypes), fc.nat({ max: 40 }))
      .chain(([from, to, n]) => fc.tuple(fc.constant([from, to] as const), bufArb(from, n)));
    fc.assert(fc.property(arb, ([[from, to], x]) => {
      const expected = allocTyped(to, x.length);
      for (let i = 0; i < x.length; i++) expected[i] = refCast(x[i], to);
      const out = cast(x, from, to);
      assertClose(out, expected, `${from} → ${to}`);
      assert.notEqual(out, x, "a fresh buffer");
    }));
  });

  it("fast paths agree with the general walk on large inputs", () => {
    const n = 3000;
    const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 5);
    const b = Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 5);
    for (const op of ["add", "sub", "mul", "div", "maximum", "minimum"] as const) {
      const contiguous = binary(op, a, b, { shape: [n], strides: [[1], [1]] }, "float32");
      // The same data seen through a 2-D layout with a non-mergeable axis.
      const general = binary(op, a, b, { shape: [1, n], strides: [[0, 1], [n, 1]] }, "float32");
      assertClose(contiguous, general, op);
      const scalarRight = binary(op, a, b, { shape: [n], strides: [[1], [0]] }, "float32");
      const scalarLeft = binary(op, b, a, { shape: [n], strides: [[0], [1]] }, "float32");
      for (let i = 0; i < n; i += 97) {
        assert.equal(scalarRight[i], Math.fround(refBinary(op, a[i], b[0], "float32")));
        assert.equal(scalarLeft[i], Math.fround(refBinary(op, b[0], a[i], "float32")));
      }
    }
  });
});

describe("elementwise edge semantics", () => {
  const f64 = (...v: number[]) => Float64Array.from(v);
  const un = (op: UnaryOp, ...v: number[]) => [...unary(op, f64(...v), "float64")];
  const vec = (n: number) => ({ shape: [n], strides: [[1], [1]] });

  it("sigmoid saturates without NaN", () => {
    assert.deepEqual(un("sigmoid", 1e4, -1e4, Infinity, -Infinity, 0), [1, 0, 1, 0, 0.5]);
    assert.deepEqual([...unary("sigmoid", Float32Array.of(1e4, -1e4), "float32")], [1, 0]);
  });

  it("round sends halves to even", () => {
    assert.deepEqual(un("round", -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994, 2.6), [
      -2,
      -2,
      -0,
      0,
      2,
      2,
      0,
      3,
    ]);
    assert.deepEqual(un("round", NaN, Infinity), [NaN, Infinity]);
  });

  it("relu and sign keep NaN; sign(0) = 0", () => {
    assert.deepEqual(un("relu", NaN, -1, -0, 2), [NaN, 0, 0, 2]);
    assert.deepEqual(un("sign", NaN, 0, -3, 4), [NaN, 0, -1, 1]);
  });

  it("maximum and minimum propagate NaN on either side, on every path", () => {
    const a = f64(NaN, 1, 2), b = f64(0, NaN, 1);
    assert.deepEqual([...binary("maximum", a, b, vec(3), "float64")], [NaN, NaN, 2]);
    assert.deepEqual([...binary("minimum", a, b, vec(3), "float64")], [NaN, NaN, 1]);
    const s = { shape: [3], strides: [[1], [0]] };
    assert.deepEqual([...binary("maximum", a, f64(5), s, "float64")], [NaN, 5, 5]);
    assert.deepEqual([...binary("maximum", f64(1, 2, 3), f64(NaN), s, "float64")], [NaN, NaN, NaN]);
    const general = { shape: [2, 3], strides: [[0, 1], [1, 0]] };
    assert.deepEqual([...binary("minimum", a, f64(NaN, 1), general, "float64")], [NaN, NaN, NaN, NaN, 1, 1]);
  });

  it("comparisons write bool and follow IEEE for NaN", () => {
    const out = binary("notEqual", f64(NaN, 1), f64(NaN, 1), vec(2), "float64");
    assert.ok(out instanceof Uint8Array);
    assert.deepEqual([...out], [1, 0]);
    assert.deepEqual([...binary("equal", f64(NaN, -0), f64(NaN, 0), vec(2), "float64")], [0, 1]);
  });

  it("int32 arithmetic wraps like C", () => {
    const i32 = (...v: number[]) => Int32Array.from(v);
    assert.deepEqual([...binary("mul", i32(65536, 46341), i32(65536, 46341), vec(2), "int32")], [0, -2147479015]);
    assert.deepEqual([...binary("add", i32(2147483647), i32(1), vec(1), "int32")], [-2147483648]);
    assert.deepEqual([...binary("pow", i32(3, 2, 2, -1), i32(4, 32, -1, -3), vec(4), "int32")], [81, 0, 0, -1]);
    assert.deepEqual([...unary("neg", i32(-2147483648), "int32")], [-2147483648]);
  });

  it("cast truncates toward zero, sends NaN to 0 and saturates", () => {
    const out = cast(f64(2.9, -2.9, NaN, 1e10, -1e10, Infinity), "float64", "int32");
    assert.deepEqual([...out], [2, -2, 0, 2147483647, -2147483648, 2147483647]);
    assert.deepEqual([...cast(f64(0, -0, NaN, 0.1), "float64", "bool")], [0, 0, 1, 1]);
    assert.deepEqual([...cast(f64(1 + 2 ** -30), "float64", "float32")], [1]);
  });

  it("full fills and converts like cast", () => {
    assert.deepEqual([...full("int32", 3, -7.9)], [-7, -7, -7]);
    assert.deepEqual([...full("bool", 2, NaN)], [1, 1]);
    assert.ok(Object.is(full("float32", 1, -0)[0], -0));
    assert.equal(full("float64", 0, 1).length, 0);
  });

  it("empty layouts give empty buffers", () => {
    const layout = { shape: [0, 3], strides: [[3, 1], [0, 1]] };
    assert.equal(binary("add", new Float32Array(0), new Float32Array(3), layout, "float32").length, 0);
    assert.equal(unary("exp", new Float32Array(0), "float32").length, 0);
  });
});

describe("reduce", () => {
  const axesArb = (rank: number) =>
    fc.subarray(Array.from({ length: rank }, (_, d) => d)).map((a) => [...a].sort((x, y) => x - y));

  it("sum, prod, max and min match the reference over random axes", () => {
    const arb = fc.tuple(fc.constantFrom<DType>("float32", "float64", "int32"), shapeArb())
      .chain(([dtype, shape]) =>
        fc.tuple(fc.constant({ dtype, shape }), axesArb(shape.length), bufArb(dtype, sizeOf(shape), true))
      );
    fc.assert(fc.property(arb, ([{ dtype, shape }, axes, x]) => {
      for (const op of ["sum", "prod", "max", "min"] as const) {
        const tol = dtype === "float32" ? 1e-6 : dtype === "float64" ? 1e-12 : 0;
        assertClose(
          reduce(op, x, shape, axes, dtype),
          refReduce(op, x, shape, axes, dtype),
          `${op} [${shape}] over [${axes}]`,
          tol,
        );
      }
    }));
  });

  it("argmax and argmin match the reference", () => {
    const arb = fc.tuple(fc.constantFrom<DType>("float32", "float64", "int32"), shapeArb(1))
      .chain(([dtype, shape]) =>
        fc.tuple(fc.constant({ dtype, shape }), fc.nat({ max: shape.length - 1 }), bufArb(dtype, sizeOf(shape), true))
      );
    fc.assert(fc.property(arb, ([{ dtype, shape }, axis, x]) => {
      for (const op of ["argmax", "argmin"] as const) {
        assertClose(
          reduce(op, x, shape, [axis], dtype),
          refReduce(op, x, shape, [axis], dtype),
          `${op} [${shape}] axis ${axis}`,
        );
      }
    }));
  });

  it("every axes subset of a rank-4 and a rank-5 shape", () => {
    for (const shape of [[2, 3, 4, 5], [3, 2, 1, 4, 2]]) {
      const x = Float64Array.from({ length: sizeOf(shape) }, (_, i) => ((i * 37) % 23) / 4 - 2);
      for (let mask = 0; mask < 1 << shape.length; mask++) {
        const axes = shape.map((_, d) => d).filter((d) => mask & (1 << d));
        for (const op of ["sum", "prod", "max", "min"] as const) {
          assertClose(
            reduce(op, x, shape, axes, "float64"),
            refReduce(op, x, shape, axes, "float64"),
            `${op} [${axes}]`,
            1e-12,
          );
        }
      }
    }
  });

  it("column sums of a [128, 512] matrix are exact in doubles", () => {
    const x = Float32Array.from({ length: 128 * 512 }, (_, i) => ((i * 7919) % 101) / 8 - 6);
    assertClose(reduce("sum", x, [128, 512], [0], "float32"), refReduce("sum", x, [128, 512], [0], "float32"), "cols");
    assertClose(reduce("sum", x, [128, 512], [1], "float32"), refReduce("sum", x, [128, 512], [1], "float32"), "rows");
    assertClose(
      reduce("sum", x, [8, 16, 512], [1], "float32"),
      refReduce("sum", x, [8, 16, 512], [1], "float32"),
      "mid",
    );
  });

  it("accumulates float32 in double precision", () => {
    // 2^24 + 1 + 1 … in float32 would stick at 2^24.
    const x = new Float32Array(1001).fill(1);
    x[0] = 2 ** 24;
    assert.deepEqual([...reduce("sum", x, [1001], [0], "float32")], [2 ** 24 + 1000]);
  });

  it("max and min propagate NaN", () => {
    const x = Float64Array.of(1, NaN, 3, 4, 5, 6);
    assert.deepEqual([...reduce("max", x, [2, 3], [1], "float64")], [NaN, 6]);
    assert.deepEqual([...reduce("min", x, [2, 3], [0], "float64")], [1, NaN, 3]);
    assert.deepEqual([...reduce("max", x, [2, 3], [0, 1], "float64")], [NaN]);
  });

  it("argmax takes the first extreme, or the first NaN", () => {
    const x = Float64Array.of(1, 5, 5, 2, NaN, 7, NaN, 0);
    assert.deepEqual([...reduce("argmax", x, [2, 4], [1], "float64")], [1, 0]);
    assert.deepEqual([...reduce("argmin", x, [2, 4], [1], "float64")], [0, 0]);
    assert.deepEqual([...reduce("argmax", x, [2, 4], [0], "float64")], [1, 1, 1, 0]);
    const out = reduce("argmin", Float32Array.of(3, 1, 1, NaN, 2, NaN), [6], [0], "float32");
    assert.ok(out instanceof Int32Array);
    assert.deepEqual([...out], [3]);
  });

  it("empty reductions give the identity", () => {
    const x = new Float32Array(0);
    assert.deepEqual([...reduce("sum", x, [3, 0], [1], "float32")], [0, 0, 0]);
    assert.deepEqual([...reduce("prod", x, [0], [0], "float32")], [1]);
    assert.deepEqual([...reduce("max", x, [0, 2], [0], "float32")], [-Infinity, -Infinity]);
    assert.deepEqual([...reduce("min", x, [0], [0], "float64")], [Infinity]);
    assert.deepEqual([...reduce("max", new Int32Array(0), [0], [0], "int32")], [-2147483648]);
    assert.equal(reduce("sum", x, [0, 3], [1], "float32").length, 0);
    assert.deepEqual([...reduce("sum", Float32Array.of(4), [], [], "float32")], [4]);
  });
});

describe("layout kernels", () => {
  it("copyStrided matches the reference for arbitrary views", () => {
    const arb = shapeArb().chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.array(fc.integer({ min: -6, max: 6 }), { minLength: shape.length, maxLength: shape.length }),
      )
    ).chain(([shape, strides]) => {
      let lo = 0, hi = 0;
      shape.forEach((d, i) => {
        if (d > 0) {
          lo += Math.min(0, (d - 1) * strides[i]);
          hi += Math.max(0, (d - 1) * strides[i]);
        }
      });
      const view = { shape, strides, offset: -lo };
      return fc.tuple(fc.constant(view), fc.constantFrom<DType>("float32", "int32", "bool"))
        .chain(([v, dtype]) => fc.tuple(fc.constant(v), fc.constant(dtype), bufArb(dtype, hi - lo + 1)));
    });
    fc.assert(fc.property(arb, ([view, dtype, x]) => {
      const expected = allocTyped(dtype, sizeOf(view.shape));
      indices(view.shape).forEach((idx, i) => expected[i] = x[dot(idx, view.strides, view.offset)]);
      assertClose(copyStrided(x, view, dtype), expected, `view ${JSON.stringify(view)}`);
    }));
  });

  /** The view that permutes the axes of a contiguous `shape`. */
  const permuted = (shape: number[], perm: number[]) => {
    const st = stridesOf(shape);
    return { shape: perm.map((p) => shape[p]), strides: perm.map((p) => st[p]), offset: 0 };
  };

  it("copyStrided transposes by any permutation", () => {
    const arb = shapeArb().chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.shuffledSubarray(shape.map((_, d) => d), { minLength: shape.length, maxLength: shape.length }),
      )
    );
    fc.assert(fc.property(arb, ([shape, perm]) => {
      const x = Float64Array.from({ length: sizeOf(shape) }, (_, i) => i);
      const view = permuted(shape, perm);
      const expected = new Float64Array(x.length);
      const st = stridesOf(shape);
      indices(view.shape).forEach((idx, i) => expected[i] = dot(idx, perm.map((p) => st[p])));
      assertClose(copyStrided(x, view, "float64"), expected, `perm [${perm}] of [${shape}]`);
    }));
  });

  it("copyStrided applies every permutation of a rank-4 shape", () => {
    const shape = [2, 3, 4, 5];
    const x = Int32Array.from({ length: sizeOf(shape) }, (_, i) => i);
    const perms = (xs: number[]): number[][] =>
      xs.length === 0 ? [[]] : xs.flatMap((v) => perms(xs.filter((w) => w !== v)).map((p) => [v, ...p]));
    for (const perm of perms([0, 1, 2, 3])) {
      const view = permuted(shape, perm);
      const expected = new Int32Array(x.length);
      indices(view.shape).forEach((idx, i) => expected[i] = dot(idx, view.strides));
      assertClose(copyStrided(x, view, "int32"), expected, `perm [${perm}]`);
    }
  });

  it("copyStrided handles large tiled transposes and broadcasts", () => {
    for (
      const [shape, perm] of [[[67, 45], [1, 0]], [[20, 150], [1, 0]], [[3, 40, 70], [0, 2, 1]], [[33, 5, 65], [
        2,
        1,
        0,
      ]]]
    ) {
      const x = Float32Array.from({ length: sizeOf(shape) }, (_, i) => i);
      const view = permuted(shape, perm);
      const expected = new Float32Array(x.length);
      indices(view.shape).forEach((idx, i) => expected[i] = x[dot(idx, view.strides)]);
      assertClose(copyStrided(x, view, "float32"), expected, `perm [${perm}] of [${shape}]`);
    }
    // A flipped transpose: negative row stride, many panels of rows.
    const src = Float32Array.from({ length: 300 * 21 }, (_, i) => i);
    const flipped = { shape: [300, 21], strides: [-1, 300], offset: 299 };
    const want = new Float32Array(src.length);
    indices(flipped.shape).forEach((idx, i) => want[i] = src[dot(idx, flipped.strides, flipped.offset)]);
    assertClose(copyStrided(src, flipped, "float32"), want, "flipped transpose");
    const row = Float32Array.from({ length: 100 }, (_, i) => i);
    const rows = copyStrided(row, { shape: [37, 100], strides: [0, 1], offset: 0 }, "float32");
    for (let r = 0; r < 37; r++) assertClose(rows.subarray(r * 100, r * 100 + 100), row, `row ${r}`);
    const cols = copyStrided(row, { shape: [100, 37], strides: [1, 0], offset: 0 }, "float32");
    for (let i = 0; i < cols.length; i++) assert.equal(cols[i], Math.floor(i / 37));
  });

  it("pad matches the reference", () => {
    const arb = fc.tuple(shapeArb(), fc.constantFrom<DType>("float32", "float64", "int32")).chain(([shape, dtype]) => {
      const pads = fc.array(fc.nat({ max: 2 }), { minLength: shape.length, maxLength: shape.length });
      return fc.tuple(fc.constant({ shape, dtype }), pads, pads, pads, bufArb(dtype, sizeOf(shape)));
    });
    fc.assert(fc.property(arb, ([{ shape, dtype }, lo, hi, interior, x]) => {
      const outShape = shape.map((n, d) => lo[d] + hi[d] + Math.max(0, n + (n - 1) * interior[d]));
      const expected = allocTyped(dtype, sizeOf(outShape)).fill(-3);
      const os = stridesOf(outShape);
      indices(shape).forEach((idx, i) => expected[dot(idx.map((v, d) => lo[d] + v * (interior[d] + 1)), os)] = x[i]);
      assertClose(pad(x, shape, lo, hi, interior, -3, dtype), expected, `pad [${shape}] ${lo} ${hi} ${interior}`);
    }));
  });

  it("concat matches the reference", () => {
    const arb = shapeArb(1).chain((base) =>
      fc.tuple(
        fc.constant(base),
        fc.nat({ max: base.length - 1 }),
        fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 3 }),
      )
    ).chain(([base, axis, lens]) => {
      const shapes = lens.map((l) => base.map((d, i) => (i === axis ? l : d)));
      return fc.tuple(fc.constant({ axis, shapes }), fc.tuple(...shapes.map((s) => bufArb("float32", sizeOf(s)))));
    });
    fc.assert(fc.property(arb, ([{ axis, shapes }, xs]) => {
      const outShape = shapes[0].map((d, i) => (i === axis ? shapes.reduce((a, s) => a + s[axis], 0) : d));
      const expected = new Float32Array(sizeOf(outShape));
      indices(outShape).forEach((idx, i) => {
        let k = 0, at = idx[axis];
        while (at >= shapes[k][axis]) at -= shapes[k++][axis];
        const local = idx.map((v, d) => (d === axis ? at : v));
        expected[i] = xs[k][dot(local, stridesOf(shapes[k]))];
      });
      assertClose(concat(xs, shapes, axis, "float32"), expected, `concat axis ${axis} of ${JSON.stringify(shapes)}`);
    }));
  });

  /** A shape, an axis and valid indices of some index shape. */
  const gatherArb = shapeArb(1).chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.nat({ max: shape.length - 1 }),
      fc.array(fc.nat({ max: 3 }), { maxLength: 2 }),
    )
  ).chain(([shape, axis, indexShape0]) => {
    const len = shape[axis];
    const indexShape = len === 0 && sizeOf(indexShape0) > 0 ? [0] : indexShape0;
    const n = sizeOf(indexShape);
    return fc.tuple(
      fc.constant({ shape, axis, indexShape }),
      fc.array(fc.nat({ max: Math.max(0, len - 1) }), { minLength: n, maxLength: n }).map((v) => Int32Array.from(v)),
    );
  });

  it("gather is np.take along an axis", () => {
    fc.assert(fc.property(gatherArb, ([{ shape, axis, indexShape }, ind]) => {
      const x = Float64Array.from({ length: sizeOf(shape) }, (_, i) => i * 1.5);
      const outShape = [...shape.slice(0, axis), ...indexShape, ...shape.slice(axis + 1)];
      const expected = new Float64Array(sizeOf(outShape));
      const ist = stridesOf(indexShape), xs = stridesOf(shape), q = indexShape.length;
      indices(outShape).forEach((idx, i) => {
        const j = ind[dot(idx.slice(axis, axis + q), ist)];
        expected[i] = x[dot([...idx.slice(0, axis), j, ...idx.slice(axis + q)], xs)];
      });
      assertClose(gather(x, shape, ind, indexShape, axis, "float64", "take"), expected, `gather axis ${axis}`);
    }));
  });

  it("scatterAdd is the transpose of gather and accumulates repeats", () => {
    const arb = fc.tuple(gatherArb, fc.constantFrom<DType>("float32", "float64", "int32")).chain(([g, dtype]) => {
      const [{ shape, axis, indexShape }] = g;
      const updShape = [...shape.slice(0, axis), ...indexShape, ...shape.slice(axis + 1)];
      return fc.tuple(fc.constant(g), fc.constant(dtype), bufArb(dtype, sizeOf(updShape), true));
    });
    fc.assert(fc.property(arb, ([[{ shape, axis, indexShape }, ind], dtype, upd]) => {
      const updShape = [...shape.slice(0, axis), ...indexShape, ...shape.slice(axis + 1)];
      const acc = new Float64Array(sizeOf(shape));
      const ist = stridesOf(indexShape), os = stridesOf(shape), q = indexShape.length;
      indices(updShape).forEach((idx, i) => {
        const j = ind[dot(idx.slice(axis, axis + q), ist)];
        acc[dot([...idx.slice(0, axis), j, ...idx.slice(axis + q)], os)] += upd[i];
      });
      const expected = allocTyped(dtype, acc.length);
      expected.set(acc);
      assertClose(
        scatterAdd(upd, ind, indexShape, shape, axis, dtype, "scatterAdd"),
        expected,
        `scatterAdd axis ${axis}`,
      );
    }));
  });

  it("scatterAdd sums float32 repeats in doubles", () => {
    const upd = new Float32Array(1001).fill(1);
    upd[0] = 2 ** 24;
    const out = scatterAdd(upd, new Int32Array(1001), [1001], [2], 0, "float32", "scatterAdd");
    assert.deepEqual([...out], [2 ** 24 + 1000, 0]);
  });
});

// The branch-free fast paths (relu on float32 bits, where by word masks, comparisons as +(x > y))
// against the plain per-element definitions, bit for bit, on the values where bit tricks go wrong.
describe("ts kernels: branch-free fast paths equal the per-element definitions", () => {
  const SPECIAL = [NaN, -NaN, 0, -0, Infinity, -Infinity, 1, -1, 2.5, -3.75, 1e-40, -1e-40, 3.4e38, -3.4e38];
  const valueArb = fc.oneof(fc.constantFrom(...SPECIAL), fc.double({ noNaN: false }));
  const same = (x: number, y: number) => Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y));

  it("relu of float32 keeps NaN, maps -0, -Inf and negatives to +0 (property)", () => {
    fc.assert(
      fc.property(fc.array(valueArb, { minLength: 1, maxLength: 40 }), (vs) => {
        const x = Float32Array.from(vs);
        const y = unary("relu", x, "float32");
        x.forEach((v, i) => assert.ok(same(y[i], v > 0 || v !== v ? v : 0), `relu(${v}) = ${y[i]}`));
        // a negative-signed NaN stays a NaN
        const w = new Int32Array(1).fill(-4194304); // 0xffc00000
        assert.ok(Number.isNaN(unary("relu", new Float32Array(w.buffer), "float32")[0]));
      }),
      { numRuns: 100 },
    );
  });

  it("where copies the chosen operand's bits for float32, float64 and int32, contiguous or scalar (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), valueArb, valueArb), { minLength: 1, maxLength: 30 }),
        fc.constantFrom<DType>("float32", "float64", "int32"),
        fc.constantFrom("tt", "ts", "st"),
        (rows, dtype, kinds) => {
          const n = rows.length;
          const c = Uint8Array.from(rows.map((r) => +r[0]));
          const mk = (k: 1 | 2, scalar: boolean) => {
            const arr = allocTyped(dtype, scalar ? 1 : n);
            for (let i = 0; i < arr.length; i++) arr[i] = dtype === "int32" ? (rows[i][k] | 0) : rows[i][k];
            return arr;
          };
          const a = mk(1, kinds[0] === "s"), b = mk(2, kinds[1] === "s");
          const layout = { shape: [n], strides: [[1], [a.length === 1 ? 0 : 1], [b.length === 1 ? 0 : 1]] };
          const out = where(c, a, b, layout, dtype);
          for (let i = 0; i < n; i++) {
            const want = c[i] ? a[a.length === 1 ? 0 : i] : b[b.length === 1 ? 0 : i];
            assert.ok(same(out[i], want), `where(${c[i]}, …)[${i}] = ${out[i]}, expected ${want}`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("comparisons give 0/1 with NaN unordered, contiguous and against a scalar (property)", () => {
    const ops = ["greater", "greaterEqual", "less", "lessEqual", "equal", "notEqual"] as const;
    const ref = {
      greater: (x: number, y: number) => x > y,
      greaterEqual: (x: number, y: number) => x >= y,
      less: (x: number, y: number) => x < y,
      lessEqual: (x: number, y: number) => x <= y,
      equal: (x: number, y: number) => x === y,
      notEqual: (x: number, y: number) => x !== y,
    };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(valueArb, valueArb), { minLength: 1, maxLength: 30 }),
        fc.constantFrom(...ops),
        fc.boolean(),
        (pairs, op, scalar) => {
          const n = pairs.length;
          const a = Float64Array.from(pairs.map((p) => p[0]));
          const b = scalar ? Float64Array.of(pairs[0][1]) : Float64Array.from(pairs.map((p) => p[1]));
          const out = binary(op, a, b, { shape: [n], strides: [[1], [scalar ? 0 : 1]] }, "float64");
          for (let i = 0; i < n; i++) {
            assert.equal(
              out[i],
              +ref[op](a[i], b[scalar ? 0 : i]),
              `${op}(${a[i]}, ${b[scalar ? 0 : i]})`,
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
