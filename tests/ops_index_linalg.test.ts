/**
 * Indexing and linear algebra against slow references: matmul (2-D, batched
 * with broadcast batch axes, 1-D operands, transposes), gather, scatterAdd and
 * oneHot.
 *
 * References compute in float64 JS numbers; a float32 result is compared
 * with the reference rounded to float32.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  DTypeError,
  gather,
  matmul,
  mul,
  oneHot,
  scalar,
  scatterAdd,
  ShapeError,
  sum,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from "../mod.ts";
import { assertAllclose, broadcastShapesArb, shapeArb } from "../testing/mod.ts";
import {
  assertExact,
  data,
  dtypeArb,
  fromPool,
  poolArb,
  ravel,
  type Ref,
  refBroadcastShape,
  refTensor,
  sizeOf,
  unravel,
} from "./lib/reference.ts";

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
