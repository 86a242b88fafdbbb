/**
 * The pure-TypeScript matrix product against a slow float64 triple loop:
 * every shape (including empty and odd sizes, and sizes that cross the 4-wide
 * micro-tiles and the packed blocks), both transposes, batch strides that
 * broadcast or not, and both float dtypes.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { gemm } from "../backends/ts/gemm.ts";
import type { GemmDims } from "../backends/backend.ts";
import { DTypeError, ShapeError } from "../core/errors.ts";
import { assertClose, dimsOf, type Float, operands, problem as problemOf } from "./lib/gemm.ts";

/** Dimensions: mostly 0..40 (with 1 and odd sizes), sometimes 65..130 to cross block edges. */
const dim = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 2, 3, 4, 5) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 130 }) },
);

const problem = fc.tuple(problemOf(dim), fc.constantFrom<Float>("float32", "float64"))
  .map(([p, dtype]) => ({ ...p, dtype }));

describe("backends/ts gemm", () => {
  it("matches a float64 triple loop within 4·k·u·(|A|·|B|), inputs unchanged", () =>
    fc.assert(
      fc.property(problem, (p) => {
        const d = dimsOf(p);
        const { a, b } = operands(d, p.dtype, p.seed);
        const a0 = a.slice(), b0 = b.slice();
        const c = gemm(a, b, d, p.dtype);
        assert.ok(c instanceof (p.dtype === "float32" ? Float32Array : Float64Array));
        assert.equal(c.length, d.batch * d.m * d.n);
        assertClose(c, d, a, b, p.dtype);
        assert.deepEqual(a, a0);
        assert.deepEqual(b, b0);
      }),
      { numRuns: 300 },
    ));

  it("matches the triple loop when k spans several packed slices or n several panels", () =>
    fc.assert(
      fc.property(
        problem,
        fc.integer({ min: 3, max: 9 }),
        fc.oneof(fc.integer({ min: 3, max: 9 }), fc.integer({ min: 2045, max: 2060 })),
        fc.integer({ min: 250, max: 700 }),
        (p, m, n, k) => {
          const d = dimsOf({ ...p, m, n, k: n > 9 ? 3 : k });
          const { a, b } = operands(d, p.dtype, p.seed);
          assertClose(gemm(a, b, d, p.dtype), d, a, b, p.dtype);
        },
      ),
      { numRuns: 30 },
    ));

  it("propagates NaN and ±∞ as the triple loop does, also in edge tiles", () =>
    fc.assert(
      fc.property(problem, fc.boolean(), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity), (p, inA, at, special) => {
        const d = dimsOf(p);
        const { a, b } = operands(d, p.dtype, p.seed);
        const x = inA ? a : b;
        if (x.length === 0) return;
        x[at % x.length] = special;
        assertClose(gemm(a, b, d, p.dtype), d, a, b, p.dtype);
      }),
      { numRuns: 200 },
    ));

  // The products of a convolution lowered to im2col: many rows with a short k
  // and few columns (forward, input gradient), or a long k with few rows and
  // columns (weight gradient); edge tiles in both directions.
  const skinny = fc.record({
    long: fc.integer({ min: 200, max: 3000 }),
    k: fc.integer({ min: 1, max: 64 }),
    n: fc.integer({ min: 1, max: 64 }),
    deep: fc.boolean(),
    transA: fc.boolean(),
    transB: fc.boolean(),
    dtype: fc.constantFrom<Float>("float32", "float64"),
    seed: fc.integer(),
  });
  const skinnyDims = (s: typeof skinny extends fc.Arbitrary<infer T> ? T : never): GemmDims => ({
    batch: 1,
    // deep: [k, long]ᵀ·[long, n] (m = k small, k huge); else [long, k]·[k, n].
    m: s.deep ? s.k : s.long,
    n: s.n,
    k: s.deep ? s.long * 4 : s.k,
    transA: s.transA,
    transB: s.transB,
    aBatchStride: 0,
    bBatchStride: 0,
  });

  it("matches the triple loop for tall-skinny and deep-narrow products", () =>
    fc.assert(
      fc.property(skinny, (s) => {
        const d = skinnyDims(s);
        const { a, b } = operands(d, s.dtype, s.seed);
        assertClose(gemm(a, b, d, s.dtype), d, a, b, s.dtype);
      }),
      { numRuns: 40 },
    ));

  it("propagates NaN and ±∞ in tall-skinny and deep-narrow products", () =>
    fc.assert(
      fc.property(skinny, fc.boolean(), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity), (s, inA, at, special) => {
        const d = skinnyDims(s);
        const { a, b } = operands(d, s.dtype, s.seed);
        const x = inA ? a : b;
        x[at % x.length] = special;
        assertClose(gemm(a, b, d, s.dtype), d, a, b, s.dtype);
      }),
      { numRuns: 30 },
    ));

  it("[1,2;3,4]·[5,6;7,8] = [19,22;43,50] in every transpose", () => {
    const d: GemmDims = { batch: 1, m: 2, n: 2, k: 2, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
    const a = new Float64Array([1, 2, 3, 4]), at = new Float64Array([1, 3, 2, 4]);
    const b = new Float64Array([5, 6, 7, 8]), bt = new Float64Array([5, 7, 6, 8]);
    assert.deepEqual([...gemm(a, b, d, "float64")], [19, 22, 43, 50]);
    assert.deepEqual([...gemm(at, b, { ...d, transA: true }, "float64")], [19, 22, 43, 50]);
    assert.deepEqual([...gemm(a, bt, { ...d, transB: true }, "float64")], [19, 22, 43, 50]);
    assert.deepEqual([...gemm(at, bt, { ...d, transA: true, transB: true }, "float64")], [19, 22, 43, 50]);
  });

  it("k = 0 gives zeros and empty m or n gives an empty buffer", () => {
    const d: GemmDims = { batch: 2, m: 3, n: 4, k: 0, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 };
    const z = gemm(new Float32Array(0), new Float32Array(0), d, "float32");
    assert.deepEqual([...z], new Array(24).fill(0));
    assert.equal(gemm(new Float64Array(0), new Float64Array(20), { ...d, m: 0, k: 5 }, "float64").length, 0);
    assert.equal(gemm(new Float64Array(0), new Float64Array(0), { ...d, batch: 0, k: 5 }, "float64").length, 0);
  });

  it("returns a fresh buffer each call and leaves no state behind", () => {
    // A large product fills the packing scratch; a smaller one must not see it.
    const big: GemmDims = {
      batch: 1,
      m: 150,
      n: 140,
      k: 300,
      transA: false,
      transB: false,
      aBatchStride: 0,
      bBatchStride: 0,
    };
    const x = operands(big, "float32", 1);
    gemm(x.a, x.b, big, "float32");
    const small: GemmDims = { ...big, m: 9, n: 7, k: 5, transA: true };
    const y = operands(small, "float32", 2);
    const c1 = gemm(y.a, y.b, small, "float32"), c2 = gemm(y.a, y.b, small, "float32");
    assert.notEqual(c1, c2);
    assert.deepEqual(c1, c2);
    assertClose(c1, small, y.a, y.b, "float32");
  });

  it("float32 sums are rounded once, even when k spans several packed slices", () => {
    // 1 + 2⁻²⁴ + ... is lost term by term in float32 but kept in a double.
    const k = 1000,
      d: GemmDims = { batch: 1, m: 4, n: 4, k, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
    const a = new Float32Array(4 * k).fill(2 ** -12), b = new Float32Array(k * 4).fill(2 ** -12);
    for (let i = 0; i < 4; i++) {
      a[i * k] = 1;
      b[i] = 1;
    }
    const c = gemm(a, b, d, "float32");
    assert.equal(c[0], Math.fround(1 + (k - 1) * 2 ** -24));
  });

  it("rejects integer dtypes and buffers too short for the dimensions", () => {
    const d: GemmDims = { batch: 2, m: 2, n: 2, k: 2, transA: false, transB: false, aBatchStride: 4, bBatchStride: 0 };
    assert.throws(() => gemm(new Int32Array(8), new Int32Array(4), d, "int32"), DTypeError);
    assert.throws(() => gemm(new Float32Array(4), new Float32Array(4), d, "float32"), ShapeError);
  });
});
