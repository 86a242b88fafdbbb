/**
 * Every public op against a slow reference written here with nd-indices:
 * constructors, elementwise ops (broadcasting on random broadcast-compatible
 * shape pairs), weak typing of JS numbers, dtype and shape errors,
 * reductions over random axis sets, argmax/argmin ties, matmul (2-D,
 * batched with broadcast batch axes, 1-D operands, transposes), the shape
 * ops, gather/scatterAdd, oneHot, pad, cast, clip, softmax, and `trace`.
 *
 * References compute in float64 JS numbers; a float32 result is compared
 * with the reference rounded to float32.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  abs,
  add,
  arange,
  argmax,
  argmin,
  broadcastTo,
  cast,
  ceil,
  clip,
  concat,
  cos,
  div,
  type DType,
  DTypeError,
  equal,
  evalGraph,
  exp,
  expandDims,
  expm1,
  eye,
  flatten,
  floor,
  full,
  gather,
  grad,
  greater,
  greaterEqual,
  less,
  lessEqual,
  linspace,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  logSoftmax,
  logSumExp,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  neg,
  type NestedArray,
  notEqual,
  oneHot,
  ones,
  onesLike,
  pad,
  pow,
  prod,
  relu,
  reshape,
  round,
  rsqrt,
  scalar,
  scatterAdd,
  ShapeError,
  sigmoid,
  sign,
  sin,
  slice,
  type SliceSpec,
  softmax,
  sqrt,
  square,
  squeeze,
  stack,
  stopGradient,
  sub,
  sum,
  tan,
  tanh,
  type Tensor,
  tensor,
  trace,
  TransformError,
  transpose,
  ValueError,
  variance,
  where,
  zeros,
  zerosLike,
} from "../mod.ts";
import { assertAllclose, broadcastShapesArb, shapeArb } from "../testing/mod.ts";

type FloatD = "float32" | "float64";
const dtypeArb = fc.constantFrom<FloatD>("float32", "float64");

// ------------------------------------------------------------ nd-index helpers

const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

const unravel = (i: number, s: readonly number[]): number[] => {
  const idx = new Array<number>(s.length);
  for (let d = s.length - 1; d >= 0; d--) {
    idx[d] = i % s[d];
    i = Math.floor(i / s[d]);
  }
  return idx;
};

const ravel = (idx: readonly number[], s: readonly number[]): number => {
  let r = 0;
  for (let d = 0; d < s.length; d++) r = r * s[d] + idx[d];
  return r;
};

/** NumPy's broadcast of two shapes, written independently of the library. */
const refBroadcastShape = (a: readonly number[], b: readonly number[]): number[] => {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`reference: ${a} and ${b} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
};

/** The element of a (data, shape) operand seen at `outIdx` of a broadcast result. */
const readBroadcast = (data: ArrayLike<number>, shape: readonly number[], outIdx: readonly number[]): number => {
  const off = outIdx.length - shape.length;
  return data[ravel(shape.map((d, i) => (d === 1 ? 0 : outIdx[off + i])), shape)];
};

/** A reference result: a shape and float64 data. */
interface Ref {
  readonly shape: number[];
  readonly data: number[];
}

const refTensor = (r: Ref): Tensor => tensor(Float64Array.from(r.data), { shape: r.shape, dtype: "float64" });
const data = (t: Tensor): number[] => Array.from(t.toTypedArray());
const rounded = (x: number, dtype: DType): number => (dtype === "float32" ? Math.fround(x) : x);

/** Exact comparison of shape, dtype and (NaN-equal) values. */
const assertExact = (actual: Tensor, expected: Ref, dtype: DType, what: string): void => {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, dtype, `${what}: dtype`);
  const got = data(actual);
  for (let i = 0; i < got.length; i++) {
    const e = rounded(expected.data[i], dtype);
    assert.ok(Object.is(got[i], e) || got[i] === e, `${what}: element ${i} is ${got[i]}, expected ${e}`);
  }
};

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

// ------------------------------------------------------------------ arbitraries

const POOL = 512;
const K = 2 ** 30;
/**
 * A pool of values uniform on [−3, 3] (integers scaled, so not clustered
 * near 0 as fc.double is); tensors take a prefix of it.
 */
const poolArb = fc.array(fc.integer({ min: -K, max: K }), { minLength: POOL, maxLength: POOL }).map((ks) =>
  ks.map((k) => (3 * k) / K)
);

/** A tensor of `shape` from the pool, after mapping each value into a domain. */
const fromPool = (
  pool: readonly number[],
  shape: readonly number[],
  dtype: DType,
  domain: (x: number) => number = (x) => x,
  offset = 0,
): Tensor => {
  const n = sizeOf(shape);
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = domain(pool[(offset + i) % POOL]);
  return tensor(vals, { shape, dtype });
};

/** A permutation of `rank` axes from sort keys (no chain: keys are drawn for the largest rank). */
const permOf = (keys: readonly number[], rank: number): number[] =>
  Array.from({ length: rank }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);

// =============================================================== constructors

/** Nested arrays of a shape from flat values. */
const nestValues = (vals: readonly number[], shape: readonly number[]): NestedArray => {
  if (shape.length === 0) return vals[0];
  const stride = sizeOf(shape.slice(1));
  return Array.from(
    { length: shape[0] },
    (_, i) => nestValues(vals.slice(i * stride, (i + 1) * stride), shape.slice(1)),
  );
};

describe("constructors", () => {
  it("tensor(nested arrays) has the nested shape and round-trips through toArray (property)", () => {
    fc.assert(
      fc.property(shapeArb({ maxDim: 4 }), poolArb, dtypeArb, (shape, pool, dtype) => {
        const vals = pool.slice(0, sizeOf(shape));
        const nested = nestValues(vals, shape);
        const t = tensor(nested as never, { dtype });
        assert.deepEqual(t.shape, shape);
        assert.equal(t.dtype, dtype);
        assert.equal(t.size, sizeOf(shape));
        assert.equal(t.ndim, shape.length);
        assert.deepEqual(t.toArray(), nestValues(vals.map((v) => rounded(v, dtype)), shape));
        assert.deepEqual(tensor(t.toArray() as never, { dtype }).toTypedArray(), t.toTypedArray());
      }),
    );
  });

  it("tensor of a number, boolean, and typed arrays keeps the right dtype and shape", () => {
    assert.deepEqual([tensor(2.5).dtype, tensor(2.5).shape, tensor(2.5).item()], ["float32", [], 2.5]);
    assert.deepEqual([tensor(true).dtype, tensor(true).item()], ["bool", 1]);
    assert.deepEqual([tensor(false, { dtype: "float64" }).dtype, tensor(false, { dtype: "float64" }).item()], [
      "float64",
      0,
    ]);
    assert.deepEqual(tensor([true, false]).toArray(), [1, 0]);
    assert.equal(tensor([true, false]).dtype, "bool");
    assert.equal(tensor(Float32Array.of(1, 2)).dtype, "float32");
    assert.equal(tensor(Float64Array.of(1, 2)).dtype, "float64");
    assert.equal(tensor(Int32Array.of(1, 2)).dtype, "int32");
    assert.equal(tensor(Uint8Array.of(1, 0), { dtype: "bool" }).dtype, "bool");
    assert.throws(() => tensor(Uint8Array.of(1, 0)), /Uint8Array needs an explicit dtype/);
    assert.deepEqual(tensor(Int32Array.of(1, 2, 3, 4, 5, 6), { shape: [3, 2] }).toArray(), [[1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(tensor(Float64Array.of(1.7, -1.7), { dtype: "int32" }).toArray(), [1, -1]);
    assert.deepEqual(tensor([0, 2, -1], { dtype: "bool" }).toArray(), [0, 1, 1]);
    assert.deepEqual(tensor([1.5, -2.5], { dtype: "int32" }).toArray(), [1, -2]);
    assert.deepEqual(tensor(1e-50, { dtype: "float32" }).item(), 0);
    assert.deepEqual(tensor([]).shape, [0]);
    assert.deepEqual(tensor([[]]).shape, [1, 0]);
    assert.deepEqual(tensor(7, { shape: [1, 1] }).toArray(), [[7]]);
    assert.deepEqual(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
    assert.deepEqual(scalar(3).shape, []);
    assert.equal(scalar(3, "int32").dtype, "int32");
    assert.ok(String(tensor([[1, 2], [3, 4]])).startsWith("Tensor(float32[2,2]"));
  });

  it("a Uint8Array tensor is a proper bool tensor (bytes other than 0/1 become 1)", () => {
    const u = tensor(Uint8Array.of(0, 2, 255), { dtype: "bool" });
    assert.deepEqual(u.toArray(), [0, 1, 1]);
    assert.deepEqual(cast(u, "float32").toArray(), [0, 1, 1]);
    assert.deepEqual(equal(u, tensor([true, true, true])).toArray(), [0, 1, 1]);
  });

  it("a ragged nested array is a ValueError naming the position", () => {
    assert.throws(
      () => tensor([[1, 2], [3]] as never),
      (e: unknown) =>
        e instanceof ValueError &&
        /^tensor: ragged nested array: at \[1\] expected an array of length 2, got length 1/.test(e.message),
    );
    assert.throws(() => tensor([[1, 2], 3] as never), /ragged nested array: at \[1\] .* got number/);
    assert.throws(() => tensor([1, [2]] as never), /element at \[1\] is an array/);
    assert.throws(
      () => tensor([[[1], [2]], [[3], [4, 5]]] as never),
      /at \[1,1\] expected an array of length 1, got length 2/,
    );
    assert.throws(() => tensor([[], [1]] as never), ValueError);
  });

  it("a non-numeric element is a ValueError naming its position and type", () => {
    assert.throws(
      () => tensor([[1, "a"]] as never),
      (e: unknown) => e instanceof ValueError && /element at \[0,1\] is string/.test(e.message),
    );
    assert.throws(() => tensor([1, null] as never), /element at \[1\] is object/);
    assert.throws(() => tensor([[1, 2], [3, undefined]] as never), /element at \[1,1\] is undefined/);
    assert.throws(() => tensor([1n] as never), /element at \[0\] is bigint/);
    // a hole in a sparse array
    // deno-lint-ignore no-sparse-arrays
    assert.throws(() => tensor([1, , 3] as never), /element at \[1\] is undefined/);
    assert.throws(
      () => tensor("abc" as never),
      /tensor: expected a number, boolean, nested array or typed array, got string/,
    );
    assert.throws(() => tensor([1, true] as never), /mixes numbers and booleans/);
    assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), /3 elements cannot have shape \[2,2\]/);
    assert.throws(
      () => tensor([1], { dtype: "f32" as DType }),
      (e: unknown) => e instanceof DTypeError && /unknown dtype "f32"/.test(e.message),
    );
  });

  it("zeros, ones, full take a shape and dtype; bad shapes are ValueErrors", () => {
    for (const dtype of ["float32", "float64", "int32", "bool"] as const) {
      const z = zeros([2, 3], { dtype });
      assert.deepEqual([z.shape, z.dtype, z.size, data(z)], [[2, 3], dtype, 6, [0, 0, 0, 0, 0, 0]]);
      assert.deepEqual(data(ones([2], { dtype })), [1, 1]);
    }
    assert.deepEqual(full([2], 7).toArray(), [7, 7]);
    assert.deepEqual(full([], 3).shape, []);
    assert.deepEqual(full([2], 2.5, { dtype: "int32" }).toArray(), [2, 2]);
    assert.deepEqual(zeros([0, 3]).shape, [0, 3]);
    assert.equal(zeros([0, 3]).size, 0);
    assert.deepEqual(zerosLike(tensor([[1.5]], { dtype: "float64" })).dtype, "float64");
    assert.deepEqual(onesLike(tensor([1], { dtype: "int32" })).toArray(), [1]);
    assert.throws(
      () => zeros([2, -1]),
      (e: unknown) => e instanceof ValueError && /non-negative integers/.test(e.message),
    );
    assert.throws(() => zeros([2.5]), ValueError);
  });

  it("arange: stop, start/stop/step, negative and fractional steps, empty ranges, errors", () => {
    assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
    assert.deepEqual(arange(2, 5).toArray(), [2, 3, 4]);
    assert.deepEqual(arange(5, 2, -1).toArray(), [5, 4, 3]);
    assert.deepEqual(arange(1, 2, 0.25, { dtype: "float64" }).toArray(), [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(arange(0, 1, 0.3, { dtype: "float64" }).size, 4);
    assert.deepEqual(arange(5, 2).shape, [0]);
    assert.equal(arange(3, { dtype: "int32" }).dtype, "int32");
    assert.throws(() => arange(0, 1, 0), /arange: step must not be 0/);
    assert.throws(() => arange(Infinity), /arange: stop must be finite/);
    assert.throws(() => arange(NaN), ValueError);
  });

  it("linspace includes both ends exactly; eye is the identity (rectangular too)", () => {
    assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(linspace(1, 0, 3, { dtype: "float64" }).toArray(), [1, 0.5, 0]);
    assert.deepEqual(linspace(3, 7, 1).toArray(), [3]);
    assert.deepEqual(linspace(0, 1, 0).shape, [0]);
    const l = linspace(0.1, 0.7, 7, { dtype: "float64" });
    assert.equal(data(l)[6], 0.7);
    assert.throws(() => linspace(0, 1, -1), /linspace: num must be a non-negative integer/);
    assert.throws(() => linspace(0, 1, 2.5), ValueError);
    assert.deepEqual(eye(2).toArray(), [[1, 0], [0, 1]]);
    assert.deepEqual(eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    assert.deepEqual(eye(3, 1, { dtype: "int32" }).toArray(), [[1], [0], [0]]);
    assert.deepEqual(eye(0).shape, [0, 0]);
  });

  it("item reads one-element tensors of any rank and refuses others", () => {
    assert.equal(tensor([[5]]).item(), 5);
    assert.equal(tensor(5).item(), 5);
    assert.throws(() => tensor([1, 2]).item(), /item: expected a tensor with one element, got shape \[2\]/);
    assert.throws(() => zeros([0]).item(), /got shape \[0\]/);
  });
});

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

const toInt = (x: number): number => Math.round(10 * x);

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
const half = (x: number) => Math.round(2 * x) / 2;

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

// ================================================================ reductions

interface ReduceCase {
  readonly name: string;
  readonly f: (x: Tensor, axis: number | number[] | undefined, keepDims: boolean, viaOptions: boolean) => Tensor;
  readonly ref: (xs: readonly number[]) => number;
  readonly exact?: boolean;
  readonly ints?: boolean;
}

const call = (
  r: (
    x: Tensor,
    axis?: number | readonly number[] | { axis?: number | readonly number[]; keepDims?: boolean },
    k?: boolean,
  ) => Tensor,
) =>
(x: Tensor, axis: number | number[] | undefined, keepDims: boolean, viaOptions: boolean) =>
  viaOptions ? r(x, { axis, keepDims }) : r(x, axis, keepDims);

const refMean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const refLse = (xs: readonly number[]) => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};

const REDUCE: readonly ReduceCase[] = [
  { name: "sum", f: call(sum), ref: (xs) => xs.reduce((a, b) => a + b, 0), ints: true },
  { name: "max", f: call(max), ref: (xs) => Math.max(...xs), exact: true, ints: true },
  { name: "min", f: call(min), ref: (xs) => Math.min(...xs), exact: true, ints: true },
  { name: "prod", f: call(prod), ref: (xs) => xs.reduce((a, b) => a * b, 1) },
  { name: "mean", f: call(mean), ref: refMean },
  {
    name: "variance",
    f: call(variance),
    ref: (xs) => {
      const m = refMean(xs);
      return xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
    },
  },
  { name: "logSumExp", f: call(logSumExp), ref: refLse },
];

/** Reference reduction: groups the elements of each output position. */
const refReduce = (
  x: Tensor,
  axes: readonly number[],
  keepDims: boolean,
  f: (xs: readonly number[]) => number,
): Ref => {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: sizeOf(kept) }, () => []);
  const xs = data(x);
  for (let i = 0; i < xs.length; i++) {
    const idx = unravel(i, x.shape).map((v, d) => (axes.includes(d) ? 0 : v));
    groups[ravel(idx, kept)].push(xs[i]);
  }
  const shape = keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
  return { shape, data: groups.map(f) };
};

/** An axis argument: all axes, one (maybe negative) axis, or a list, drawn from masks. */
const axisArgArb = fc.tuple(
  fc.constantFrom("all", "list", "single"),
  fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  fc.nat(3),
);

const axisArgFor = (
  [mode, mask, negative, pick]: [string, boolean[], boolean[], number],
  rank: number,
): { arg: number | number[] | undefined; axes: number[] } => {
  const spell = (a: number) => (negative[a] ? a - rank : a);
  if (mode === "all" || rank === 0) return { arg: undefined, axes: Array.from({ length: rank }, (_, i) => i) };
  if (mode === "single") {
    const a = pick % rank;
    return { arg: spell(a), axes: [a] };
  }
  const axes = Array.from({ length: rank }, (_, i) => i).filter((i) => mask[i]);
  return { arg: axes.map(spell).reverse(), axes };
};

describe("reductions", () => {
  for (const op of REDUCE) {
    it(`${op.name} over random axis sets, with and without keepDims, equals the reference (property)`, () => {
      fc.assert(
        fc.property(
          shapeArb({ maxDim: 4 }),
          axisArgArb,
          fc.boolean(),
          fc.boolean(),
          poolArb,
          dtypeArb,
          fc.boolean(),
          (shape, axisDraw, keepDims, viaOptions, pool, dtype, asInt) => {
            const d: DType = op.ints && asInt ? "int32" : dtype;
            // prod stays in [0.5, 1.5]^n so float32 cannot overflow
            const domain = d === "int32" ? toInt : op.name === "prod" ? (x: number) => 1 + x / 6 : undefined;
            const x = fromPool(pool, shape, d, domain);
            const { arg, axes } = axisArgFor(axisDraw, shape.length);
            const out = op.f(x, arg, keepDims, viaOptions);
            const ref = refReduce(x, axes, keepDims, op.ref);
            assert.deepEqual(out.shape, ref.shape, `${op.name} axes ${JSON.stringify(arg)} keepDims ${keepDims}`);
            assert.equal(out.dtype, d);
            if (op.exact || d === "int32") {
              assertExact(out, ref, d, op.name);
              return;
            }
            // error bound of a length-n reduction: n·ε relative to the magnitudes involved
            const n = Math.max(1, sizeOf(axes.map((a) => shape[a])));
            const eps = d === "float32" ? 2 ** -23 : 2 ** -52;
            const tol = 4 * n * eps * (op.name === "variance" ? 9 : 3);
            assertAllclose(out, refTensor(ref), { rtol: tol, atol: tol, message: op.name });
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  it("argmax/argmin along an axis or flattened take the first index among ties (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }),
        fc.option(fc.integer({ min: -3, max: 2 }), { nil: undefined }),
        fc.boolean(),
        poolArb,
        dtypeArb,
        (shape, axisDraw, keepDims, pool, dtype) => {
          // values in {0, 1, 2}: ties everywhere
          const x = fromPool(pool, shape, dtype, (v) => Math.floor(Math.abs(v)));
          const xs = data(x);
          for (
            const [name, f, better] of [
              ["argmax", argmax, (a: number, b: number) => a > b],
              ["argmin", argmin, (a: number, b: number) => a < b],
            ] as const
          ) {
            if (axisDraw === undefined) {
              const out = f(x);
              let best = 0;
              xs.forEach((v, i) => better(v, xs[best]) && (best = i));
              assert.deepEqual([out.shape, out.dtype, out.item()], [[], "int32", best], name);
              continue;
            }
            const axis = ((axisDraw % shape.length) + shape.length) % shape.length;
            const out = f(x, axisDraw < 0 ? axis - shape.length : axis, keepDims);
            const ref = refReduce(
              fromPool(Array.from({ length: POOL }, (_, i) => i), shape, "float64"),
              [axis],
              keepDims,
              (flatIdx) => {
                let best = 0;
                flatIdx.forEach((fi, j) => better(xs[fi], xs[flatIdx[best]]) && (best = j));
                return best;
              },
            );
            assertExact(out, ref, "int32", `${name} axis ${axisDraw}`);
          }
        },
      ),
    );
  });

  it("argmax of an empty axis is a ShapeError; bad axes are named", () => {
    assert.throws(() => argmax(zeros([0])), /argmax: cannot take argmax over an empty axis of shape \[0\]/);
    assert.throws(
      () => sum(zeros([2, 3]), 2),
      (e: unknown) =>
        e instanceof ShapeError && /^sum: axis 2 is out of range for rank 2 \(expected -2..1\)/.test(e.message),
    );
    assert.throws(() => sum(zeros([2, 3]), [1, -1]), /sum: axis 1 is repeated/);
    assert.throws(() => mean(zeros([2]), 0.5), /mean: axis 0.5 is not an integer/);
    assert.throws(() => mean(tensor([1], { dtype: "int32" })), /mean: input has dtype int32/);
    assert.throws(() => sum(tensor([true])), /sum: input has dtype bool/);
  });

  it("empty reductions give the identities; mean of nothing is NaN", () => {
    assert.equal(sum(zeros([0])).item(), 0);
    assert.equal(prod(zeros([0])).item(), 1);
    assert.equal(max(zeros([0])).item(), -Infinity);
    assert.equal(min(zeros([0])).item(), Infinity);
    assert.equal(logSumExp(zeros([0])).item(), -Infinity);
    assert.ok(Number.isNaN(mean(zeros([0])).item()));
    assert.deepEqual(sum(zeros([2, 0]), 1).toArray(), [0, 0]);
  });

  it("variance with ddof = 1 is the unbiased estimate", () => {
    const x = tensor([1, 2, 3, 4], { dtype: "float64" });
    assert.equal(variance(x, undefined, false, 1).item(), 5 / 3);
    assert.deepEqual(variance(tensor([[1, 2], [3, 5]], { dtype: "float64" }), 1, true, 1).toArray(), [[0.5], [2]]);
  });
});

describe("softmax and logSoftmax", () => {
  it("softmax and logSoftmax along a random axis equal the reference; softmax sums to 1 (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxDim: 4 }),
        fc.nat(3),
        fc.boolean(),
        poolArb,
        dtypeArb,
        (shape, a, neg, pool, dtype) => {
          const axis = a % shape.length;
          const x = fromPool(pool, shape, dtype, (v) => 10 * v);
          const arg = neg ? axis - shape.length : axis;
          const lse = refReduce(x, [axis], true, refLse);
          const xs = data(x);
          const refLsm = xs.map((v, i) => {
            const idx = unravel(i, shape);
            idx[axis] = 0;
            return v - lse.data[ravel(idx, lse.shape)];
          });
          const tol = dtype === "float32" ? 2e-5 : 1e-12;
          assertAllclose(logSoftmax(x, arg), refTensor({ shape, data: refLsm }), { rtol: tol, atol: tol });
          const s = softmax(x, arg);
          assertAllclose(s, refTensor({ shape, data: refLsm.map(Math.exp) }), { rtol: tol, atol: tol });
          assertAllclose(sum(s, arg), ones(shape.filter((_, i) => i !== axis), { dtype: "float64" }), {
            rtol: tol,
            atol: tol,
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("softmax defaults to the last axis", () => {
    const x = tensor([[0, Math.log(3)], [0, 0]], { dtype: "float64" });
    assertAllclose(softmax(x), [[0.25, 0.75], [0.5, 0.5]], { rtol: 1e-15, atol: 0 });
  });
});

// ==================================================================== matmul

interface MatmulDraw {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly vec: "none" | "a" | "b" | "both";
  readonly batch: { inputs: number[][]; result: number[] };
}

const matmulArb = fc.record({
  m: fc.integer({ min: 1, max: 5 }),
  k: fc.integer({ min: 1, max: 5 }),
  n: fc.integer({ min: 1, max: 5 }),
  transA: fc.boolean(),
  transB: fc.boolean(),
  vec: fc.constantFrom<MatmulDraw["vec"]>("none", "none", "none", "a", "b", "both"),
  batch: broadcastShapesArb(2, { maxRank: 2, maxDim: 3 }),
});

/** The reference product: explicit loops over batch, rows, columns and the inner index. */
const refMatmul = (a: Tensor, b: Tensor, dr: MatmulDraw): Ref => {
  const vecA = dr.vec === "a" || dr.vec === "both";
  const vecB = dr.vec === "b" || dr.vec === "both";
  const aBatch = vecA ? [] : a.shape.slice(0, -2);
  const bBatch = vecB ? [] : b.shape.slice(0, -2);
  const batch = refBroadcastShape(aBatch, bBatch);
  const ad = data(a);
  const bd = data(b);
  const matA = vecA ? [1, dr.k] : a.shape.slice(-2);
  const matB = vecB ? [dr.k, 1] : b.shape.slice(-2);
  const elemA = (bi: number[], i: number, p: number): number => {
    if (vecA) return ad[p];
    const off = batch.length - aBatch.length;
    const bIdx = aBatch.map((d, j) => (d === 1 ? 0 : bi[off + j]));
    return ad[ravel([...bIdx, ...(dr.transA ? [p, i] : [i, p])], [...aBatch, ...matA])];
  };
  const elemB = (bi: number[], p: number, j: number): number => {
    if (vecB) return bd[p];
    const off = batch.length - bBatch.length;
    const bIdx = bBatch.map((d, jj) => (d === 1 ? 0 : bi[off + jj]));
    return bd[ravel([...bIdx, ...(dr.transB ? [j, p] : [p, j])], [...bBatch, ...matB])];
  };
  const m = vecA ? 1 : dr.m;
  const n = vecB ? 1 : dr.n;
  const out: number[] = [];
  for (let t = 0; t < sizeOf(batch); t++) {
    const bi = unravel(t, batch);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < dr.k; p++) s += elemA(bi, i, p) * elemB(bi, p, j);
        out.push(s);
      }
    }
  }
  return { shape: [...batch, ...(vecA ? [] : [m]), ...(vecB ? [] : [n])], data: out };
};

describe("matmul", () => {
  it("2-D, batched with broadcast batch axes, 1-D operands and transA/transB equal the reference (property)", () => {
    fc.assert(
      fc.property(matmulArb, poolArb, dtypeArb, (dr, pool, dtype) => {
        const vecA = dr.vec === "a" || dr.vec === "both";
        const vecB = dr.vec === "b" || dr.vec === "both";
        const [ba, bb] = dr.batch.inputs;
        const aShape = vecA ? [dr.k] : [...ba, ...(dr.transA ? [dr.k, dr.m] : [dr.m, dr.k])];
        const bShape = vecB ? [dr.k] : [...bb, ...(dr.transB ? [dr.n, dr.k] : [dr.k, dr.n])];
        const a = fromPool(pool, aShape, dtype);
        const b = fromPool(pool, bShape, dtype, (x) => x, 256);
        const out = matmul(a, b, { transA: dr.transA && !vecA, transB: dr.transB && !vecB });
        const ref = refMatmul(a, b, dr);
        const eps = dtype === "float32" ? 2 ** -23 : 2 ** -52;
        // |Δ| ≤ k·u·Σ|a||b| ≤ k·u·9k
        const tol = 2 * dr.k * eps * 9 * dr.k;
        assertAllclose(out, refTensor(ref), { rtol: 0, atol: tol, message: JSON.stringify({ aShape, bShape, ...dr }) });
        assert.equal(out.dtype, dtype);
      }),
      { numRuns: 400 },
    );
  });

  it("1-D cases as NumPy: vector·vector is a scalar, matrix·vector a vector", () => {
    assert.equal(matmul(tensor([1, 2]), tensor([3, 4])).item(), 11);
    assert.deepEqual(matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])).toArray(), [3, 7]);
    assert.deepEqual(matmul(tensor([1, 1]), tensor([[1, 2], [3, 4]])).toArray(), [4, 6]);
    assert.deepEqual(matmul(zeros([2, 0]), zeros([0, 3])).toArray(), [[0, 0, 0], [0, 0, 0]]);
  });

  it("shape errors name matmul and both shapes", () => {
    assert.throws(
      () => matmul(tensor([[1, 2, 3]]), tensor([[1, 2]])),
      (e: unknown) =>
        e instanceof ShapeError && /^matmul: inner dimensions differ: \[1,3\] @ \[1,2\] \(3 ≠ 1\)/.test(e.message),
    );
    assert.throws(
      () => matmul(zeros([2, 3]), zeros([3, 3]), { transA: true }),
      /matmul: inner dimensions differ: \[2,3\]ᵀ @ \[3,3\] \(2 ≠ 3\)/,
    );
    assert.throws(() => matmul(zeros([2, 3]), zeros([2, 3]), { transB: false }), /\[2,3\] @ \[2,3\] \(3 ≠ 2\)/);
    assert.throws(() => matmul(zeros([2, 2, 2]), zeros([3, 2, 2])), /matmul: shapes \[2\] and \[3\] do not broadcast/);
    assert.throws(() => matmul(zeros([2]), zeros([])), /matmul: operands need rank ≥ 1, got \[2\] @ \[\]/);
    assert.throws(
      () => matmul(zeros([2, 2], { dtype: "int32" }), zeros([2, 2], { dtype: "int32" })),
      /matmul: operands have dtype int32/,
    );
  });
});

// ================================================================= shape ops

describe("shape ops", () => {
  it("reshape keeps row-major order and infers one −1 axis (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ maxDim: 4 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.nat(4),
        poolArb,
        (shape, keys, hole, pool) => {
          const x = fromPool(pool, shape, "float64");
          const target = permOf(keys, shape.length).map((i) => shape[i]);
          assert.deepEqual(data(reshape(x, target)), data(x));
          assert.deepEqual(reshape(x, target).shape, target);
          if (target.length > 0) {
            const withHole = target.map((d, i) => (i === hole % target.length ? -1 : d));
            assert.deepEqual(reshape(x, withHole).shape, target);
          }
          assert.deepEqual(reshape(x, [-1]).shape, [sizeOf(shape)]);
          assert.deepEqual(data(flatten(x)), data(x));
        },
      ),
    );
  });

  it("reshape errors: wrong size, two −1s, negative entries", () => {
    assert.throws(
      () => reshape(zeros([2, 3]), [4, -1]),
      (e: unknown) =>
        e instanceof ShapeError && /^reshape: cannot reshape \[2,3\] \(6 elements\) into \[4,-1\]/.test(e.message),
    );
    assert.throws(() => reshape(zeros([2, 3]), [5]), /cannot reshape \[2,3\] \(6 elements\) into \[5\]/);
    assert.throws(
      () => reshape(zeros([2, 3]), [-1, -1]),
      (e: unknown) => e instanceof ValueError && /at most one axis may be -1/.test(e.message),
    );
    assert.throws(() => reshape(zeros([2, 3]), [-2, -3]), ValueError);
  });

  it("transpose by a random permutation moves element idx to idx∘perm (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ maxDim: 4 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        poolArb,
        (shape, keys, negAxes, pool) => {
          const x = fromPool(pool, shape, "float32");
          const perm = permOf(keys, shape.length);
          const out = transpose(x, negAxes ? perm.map((p) => p - shape.length) : perm);
          const outShape = perm.map((p) => shape[p]);
          const xs = data(x);
          const expected = Array.from({ length: sizeOf(outShape) }, (_, i) => {
            const o = unravel(i, outShape);
            const src = new Array<number>(shape.length);
            perm.forEach((p, j) => (src[p] = o[j]));
            return xs[ravel(src, shape)];
          });
          assertExact(out, { shape: outShape, data: expected }, "float32", `transpose ${perm}`);
          // the default reverses the axes
          assert.deepEqual(transpose(x).shape, [...shape].reverse());
        },
      ),
    );
    assert.throws(
      () => transpose(zeros([2, 3]), [0, 0]),
      /transpose: permutation \[0,0\] is not a permutation of 2 axes/,
    );
    assert.throws(() => transpose(zeros([2, 3]), [0]), ValueError);
  });

  it("squeeze and expandDims", () => {
    assert.deepEqual(squeeze(zeros([1, 3, 1])).shape, [3]);
    assert.deepEqual(squeeze(zeros([1, 3, 1]), 0).shape, [3, 1]);
    assert.deepEqual(squeeze(zeros([1, 3, 1]), [-1, 0]).shape, [3]);
    assert.deepEqual(squeeze(zeros([1])).shape, []);
    assert.throws(
      () => squeeze(zeros([2, 3]), 0),
      (e: unknown) => e instanceof ShapeError && /^squeeze: axis 0 of shape \[2,3\] has size 2, not 1/.test(e.message),
    );
    assert.deepEqual(expandDims(zeros([3]), 0).shape, [1, 3]);
    assert.deepEqual(expandDims(zeros([3]), -1).shape, [3, 1]);
    assert.deepEqual(expandDims(scalar(1), 0).shape, [1]);
    assert.throws(() => expandDims(zeros([3]), 2), /expandDims: axis 2 is out of range for rank 2/);
    fc.assert(
      fc.property(shapeArb({ maxDim: 4 }), fc.integer({ min: -5, max: 4 }), poolArb, (shape, a, pool) => {
        const r = shape.length + 1;
        if (a < -r || a >= r) return;
        const x = fromPool(pool, shape, "float64");
        const e = expandDims(x, a);
        const at = a < 0 ? a + r : a;
        assert.deepEqual(e.shape, [...shape.slice(0, at), 1, ...shape.slice(at)]);
        assert.deepEqual(data(squeeze(e, a)), data(x));
        assert.deepEqual(squeeze(e, a).shape, shape);
      }),
      { numRuns: 100 },
    );
  });

  const specArb: fc.Arbitrary<SliceSpec | number | null> = fc.oneof(
    fc.constant(null),
    fc.integer({ min: -4, max: 3 }),
    fc.record(
      {
        start: fc.integer({ min: -6, max: 6 }),
        stop: fc.integer({ min: -6, max: 6 }),
        step: fc.integer({ min: 1, max: 3 }),
      },
      { requiredKeys: [] },
    ),
  );

  it("slice with steps, negative and clamped bounds, and integer indices equals the reference (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxDim: 4 }),
        fc.array(specArb, { maxLength: 4 }),
        poolArb,
        (shape, rawSpecs, pool) => {
          const specs = rawSpecs.slice(0, shape.length).map((s, i) =>
            typeof s === "number" ? ((s % shape[i]) + shape[i]) % shape[i] - (s < 0 ? shape[i] : 0) : s
          );
          const x = fromPool(pool, shape, "float64");
          const picks = shape.map((d, i) => {
            const s = specs[i] ?? null;
            if (typeof s === "number") return [s < 0 ? s + d : s];
            const norm = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
            const start = norm(s?.start ?? 0);
            const stop = norm(s?.stop ?? d);
            const out: number[] = [];
            for (let j = start; j < stop; j += s?.step ?? 1) out.push(j);
            return out;
          });
          const outShape = picks.map((p) => p.length);
          const xs = data(x);
          const expected = Array.from({ length: sizeOf(outShape) }, (_, i) => {
            const o = unravel(i, outShape);
            return xs[ravel(o.map((v, d) => picks[d][v]), shape)];
          });
          assertExact(
            slice(x, specs),
            { shape: outShape, data: expected },
            "float64",
            `slice ${JSON.stringify(specs)}`,
          );
        },
      ),
      { numRuns: 400 },
    );
    assert.throws(() => slice(zeros([4]), [4]), /slice: index 4 is out of range for axis 0 of size 4/);
    assert.throws(() => slice(zeros([4]), [{ step: -1 }]), /slice: axis 0: step must be a positive integer, got -1/);
    assert.throws(() => slice(zeros([4]), [null, null]), /slice: 2 slice specs for a tensor of rank 1/);
  });

  it("concat joins along any axis, zero-size parts included (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }),
        fc.nat(2),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
        poolArb,
        dtypeArb,
        (base, a, sizes, pool, dtype) => {
          const axis = a % base.length;
          const parts = sizes.map((s, j) =>
            fromPool(pool, base.map((d, i) => (i === axis ? s : d)), dtype, (x) => x, 37 * j)
          );
          const out = concat(parts, axis - (a % 2) * base.length);
          const outShape = base.map((d, i) => (i === axis ? sizes.reduce((x, y) => x + y, 0) : d));
          const expected = Array.from({ length: sizeOf(outShape) }, (_, i) => {
            const o = unravel(i, outShape);
            let j = 0;
            let at = o[axis];
            while (at >= sizes[j]) at -= sizes[j++];
            const src = [...o];
            src[axis] = at;
            return data(parts[j])[ravel(src, parts[j].shape)];
          });
          assertExact(out, { shape: outShape, data: expected }, dtype, "concat");
        },
      ),
    );
    assert.throws(
      () => concat([zeros([2, 3]), zeros([3, 3])], 1),
      (e: unknown) =>
        e instanceof ShapeError && /^concat: shapes \[2,3\], \[3,3\] differ outside axis 1/.test(e.message),
    );
    assert.throws(() => concat([]), /concat: needs at least one tensor/);
    assert.throws(() => concat([scalar(1), scalar(2)]), /concat: cannot concatenate scalars; use stack/);
  });

  it("stack inserts a new axis at any position (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ maxRank: 3, maxDim: 3 }),
        fc.integer({ min: -4, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        poolArb,
        (shape, a, k, pool) => {
          const r = shape.length + 1;
          if (a < -r || a >= r) return;
          const axis = a < 0 ? a + r : a;
          const parts = Array.from({ length: k }, (_, j) => fromPool(pool, shape, "float64", (x) => x, 50 * j));
          const out = stack(parts, a);
          const outShape = [...shape.slice(0, axis), k, ...shape.slice(axis)];
          const expected = Array.from({ length: sizeOf(outShape) }, (_, i) => {
            const o = unravel(i, outShape);
            const j = o[axis];
            return data(parts[j])[ravel(o.filter((_, d) => d !== axis), shape)];
          });
          assertExact(out, { shape: outShape, data: expected }, "float64", "stack");
        },
      ),
    );
    assert.throws(() => stack([zeros([2]), zeros([3])]), /stack: shapes differ: \[2\], \[3\]/);
    assert.throws(() => stack([]), ValueError);
  });

  it("broadcastTo repeats along new and size-1 axes (property)", () => {
    fc.assert(
      fc.property(
        broadcastShapesArb(1, { maxDim: 4 }),
        shapeArb({ maxRank: 2, maxDim: 3 }),
        poolArb,
        (bs, lead, pool) => {
          const [s] = bs.inputs;
          const target = [...lead, ...bs.result];
          const x = fromPool(pool, s, "float32");
          const xs = data(x);
          const expected = Array.from({ length: sizeOf(target) }, (_, i) => readBroadcast(xs, s, unravel(i, target)));
          assertExact(broadcastTo(x, target), { shape: target, data: expected }, "float32", "broadcastTo");
        },
      ),
    );
    assert.throws(
      () => broadcastTo(tensor([1, 2]), [3]),
      (e: unknown) => e instanceof ShapeError && /^broadcastTo: cannot broadcast \[2\] to \[3\]/.test(e.message),
    );
    assert.throws(() => broadcastTo(zeros([2, 1]), [2]), /cannot broadcast \[2,1\] to \[2\]/);
  });

  it("pad adds before/after elements of a value (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ maxRank: 3, maxDim: 3 }),
        fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: -3, max: 3 }),
        poolArb,
        dtypeArb,
        (shape, ws, value, pool, dtype) => {
          const widths = shape.map((_, i) => ws[i]);
          const x = fromPool(pool, shape, dtype);
          const outShape = shape.map((d, i) => d + widths[i][0] + widths[i][1]);
          const xs = data(x);
          const expected = Array.from({ length: sizeOf(outShape) }, (_, i) => {
            const o = unravel(i, outShape);
            const src = o.map((v, d) => v - widths[d][0]);
            return src.every((v, d) => v >= 0 && v < shape[d]) ? xs[ravel(src, shape)] : value;
          });
          assertExact(
            pad(x, widths, value),
            { shape: outShape, data: expected },
            dtype,
            `pad ${JSON.stringify(widths)}`,
          );
        },
      ),
    );
    assert.deepEqual(pad(tensor([1, 2]), [[1, 2]]).toArray(), [0, 1, 2, 0, 0]);
    assert.throws(() => pad(zeros([4]), [[-1, 0]]), /pad: pad widths must be non-negative integers, got \[-1, 0\]/);
    assert.throws(() => pad(zeros([4]), [[1, 0], [0, 0]]), /pad: 2 pad widths for a tensor of rank 1 \(shape \[4\]\)/);
  });
});

// ======================================================== gather and scatter

describe("gather, scatterAdd, oneHot", () => {
  const gatherArb = fc.tuple(
    shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }),
    fc.nat(2),
    shapeArb({ maxRank: 2, maxDim: 3 }),
    fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 9, maxLength: 9 }),
    poolArb,
  );

  /** Indices in [−d, d) from raw integers, as an int32 tensor. */
  const indicesFor = (raw: readonly number[], shape: readonly number[], d: number): Tensor =>
    tensor(Int32Array.from({ length: sizeOf(shape) }, (_, i) => (((raw[i] % (2 * d)) + 2 * d) % (2 * d)) - d), {
      shape,
    });

  it("gather along an axis with negative indices equals np.take (property)", () => {
    fc.assert(
      fc.property(gatherArb, ([shape, a, idxShape, raw, pool]) => {
        const axis = a % shape.length;
        const x = fromPool(pool, shape, "float64");
        const idx = indicesFor(raw, idxShape, shape[axis]);
        const out = gather(x, idx, axis);
        const outShape = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
        const xs = data(x);
        const is = data(idx);
        const expected = Array.from({ length: sizeOf(outShape) }, (_, i) => {
          const o = unravel(i, outShape);
          const ii = o.slice(axis, axis + idxShape.length);
          const v = is[ravel(ii, idxShape)];
          const src = [...o.slice(0, axis), v < 0 ? v + shape[axis] : v, ...o.slice(axis + idxShape.length)];
          return xs[ravel(src, shape)];
        });
        assertExact(out, { shape: outShape, data: expected }, "float64", "gather");
      }),
    );
  });

  it("scatterAdd accumulates repeated indices and is the transpose of gather (property)", () => {
    fc.assert(
      fc.property(gatherArb, ([shape, a, idxShape, raw, pool]) => {
        const axis = a % shape.length;
        const idx = indicesFor(raw, idxShape, shape[axis]);
        const updShape = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
        const upd = fromPool(pool, updShape, "float64");
        const out = scatterAdd(upd, idx, shape, axis);
        const expected = new Array<number>(sizeOf(shape)).fill(0);
        const us = data(upd);
        const is = data(idx);
        us.forEach((u, i) => {
          const o = unravel(i, updShape);
          const v = is[ravel(o.slice(axis, axis + idxShape.length), idxShape)];
          const dst = [...o.slice(0, axis), v < 0 ? v + shape[axis] : v, ...o.slice(axis + idxShape.length)];
          expected[ravel(dst, shape)] += u;
        });
        assertAllclose(out, refTensor({ shape, data: expected }), { rtol: 1e-14, atol: 1e-14 });
        // ⟨gather(x, i), u⟩ = ⟨x, scatterAdd(u, i)⟩
        const x = fromPool(pool, shape, "float64", (v) => v, 200);
        const lhs = sum(mul(gather(x, idx, axis), upd)).item();
        const rhs = sum(mul(x, out)).item();
        assert.ok(Math.abs(lhs - rhs) <= 1e-12 * (1 + Math.abs(lhs)), `${lhs} vs ${rhs}`);
      }),
    );
  });

  it("out-of-range and non-int32 indices are errors naming the index", () => {
    assert.throws(
      () => gather(tensor([1, 2]), tensor([2], { dtype: "int32" })),
      (e: unknown) =>
        e instanceof ValueError &&
        /^gather: index 2 \(at flat position 0\) is out of range for an axis of size 2/.test(e.message),
    );
    assert.throws(() => gather(tensor([1, 2]), tensor([0, -3], { dtype: "int32" })), /index -3 \(at flat position 1\)/);
    assert.throws(
      () => gather(tensor([1, 2]), tensor([0])),
      (e: unknown) => e instanceof DTypeError && /^gather: indices have dtype float32; expected int32/.test(e.message),
    );
    assert.throws(() => gather(scalar(1), tensor(0, { dtype: "int32" })), /gather: cannot gather from a scalar/);
    assert.throws(
      () => scatterAdd(tensor([1]), tensor([3], { dtype: "int32" }), [3]),
      /scatterAdd: index 3 .* out of range/,
    );
    assert.throws(
      () => scatterAdd(tensor([1, 2]), tensor([0], { dtype: "int32" }), [3]),
      (e: unknown) =>
        e instanceof ShapeError && /^scatterAdd: updates have shape \[2\]; expected \[1\]/.test(e.message),
    );
    assert.deepEqual(gather(tensor([1, 2]), zeros([0], { dtype: "int32" })).shape, [0]);
  });

  it("oneHot: a new last axis of size n; labels outside [0, n) give zero rows", () => {
    fc.assert(
      fc.property(shapeArb({ maxRank: 2, maxDim: 4 }), fc.integer({ min: 0, max: 4 }), poolArb, (shape, n, pool) => {
        const labels = fromPool(pool, shape, "int32", (v) => Math.round(v * 2));
        const out = oneHot(labels, n);
        const ls = data(labels);
        const expected = ls.flatMap((l) => Array.from({ length: n }, (_, j) => +(l === j)));
        assertExact(out, { shape: [...shape, n], data: expected }, "float32", "oneHot");
      }),
      { numRuns: 100 },
    );
    assert.equal(oneHot(tensor([1], { dtype: "int32" }), 3, "float64").dtype, "float64");
    assert.throws(() => oneHot(tensor([1]), 3), /oneHot: labels have dtype float32; expected int32/);
    assert.throws(() => oneHot(tensor([1], { dtype: "int32" }), -1), /oneHot: n must be a non-negative integer/);
  });
});

// ========================================================== cast, clip, misc

describe("cast and clip", () => {
  it("cast: float → int truncates toward zero, → bool is x ≠ 0, int/bool → float exact, float64 → float32 rounds", () => {
    assert.deepEqual(cast(tensor([1.7, -1.7, 0.5, -0.5, 2, -2.999]), "int32").toArray(), [1, -1, 0, 0, 2, -2]);
    assert.deepEqual(cast(tensor([0, -0, 0.1, -3]), "bool").toArray(), [0, 0, 1, 1]);
    assert.deepEqual(cast(tensor([2, 0, -5], { dtype: "int32" }), "bool").toArray(), [1, 0, 1]);
    assert.deepEqual(cast(tensor([true, false]), "float32").toArray(), [1, 0]);
    assert.deepEqual(cast(tensor([true, false]), "int32").toArray(), [1, 0]);
    assert.deepEqual(cast(tensor([16777217], { dtype: "int32" }), "float64").toArray(), [16777217]);
    assert.deepEqual(cast(tensor([0.1], { dtype: "float64" }), "float32").toArray(), [Math.fround(0.1)]);
    assert.equal(cast(tensor([1.5]), "float32").dtype, "float32");
    assert.throws(() => cast(tensor([1]), "f32" as DType), /cast: unknown dtype "f32"/);
    fc.assert(
      fc.property(poolArb, (pool) => {
        const x = tensor(Float64Array.from(pool.slice(0, 32), (v) => 1000 * v), { dtype: "float64" });
        assert.deepEqual(data(cast(x, "int32")), data(x).map((v) => Math.trunc(v) | 0));
        assert.deepEqual(data(cast(x, "float32")), data(x).map(Math.fround));
      }),
      { numRuns: 30 },
    );
  });

  it("the derivative of cast flows between floats and stops at integers", () => {
    assert.equal(grad((x: Tensor) => sum(cast(x, "float64")))(tensor([1.5])).dtype, "float32");
    assert.deepEqual(grad((x: Tensor) => sum(cast(x, "float64")))(tensor([1.5])).toArray(), [1]);
    assert.deepEqual(grad((x: Tensor) => sum(cast(cast(x, "int32"), "float32")))(tensor([1.5])).toArray(), [0]);
  });

  it("clip limits to [lo, hi] (property); at a bound its derivative is ½", () => {
    fc.assert(
      fc.property(
        shapeArb({ maxDim: 4 }),
        fc.integer({ min: -4, max: 4 }),
        fc.nat(4),
        poolArb,
        dtypeArb,
        (shape, lo4, w, pool, dtype) => {
          const lo = lo4 / 2;
          const hi = lo + w / 2;
          const x = fromPool(pool, shape, dtype, half);
          assertExact(
            clip(x, lo, hi),
            { shape, data: data(x).map((v) => Math.min(Math.max(v, lo), hi)) },
            dtype,
            "clip",
          );
        },
      ),
      { numRuns: 100 },
    );
    assert.deepEqual(grad((x: Tensor) => sum(clip(x, 0, 1)))(tensor([-1, 0, 0.5, 1, 2])).toArray(), [
      0,
      0.5,
      1,
      0.5,
      0,
    ]);
  });

  it("stopGradient is the identity on values and zero for derivatives", () => {
    const x = tensor([2, 3]);
    assert.deepEqual(stopGradient(x).toArray(), [2, 3]);
    assert.deepEqual(grad((x: Tensor) => sum(mul(x, stopGradient(x))))(x).toArray(), [2, 3]);
  });
});

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

  it("shape errors surface while tracing, with the op's message", () => {
    assert.throws(
      () => trace((x: Tensor) => matmul(x, x), zeros([2, 3])),
      /matmul: inner dimensions differ: \[2,3\] @ \[2,3\]/,
    );
  });
});
