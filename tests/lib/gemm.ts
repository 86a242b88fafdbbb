/**
 * The float64 reference for batched matrix products and the rounding-error
 * bound they are checked against, shared by the kernel suites of every
 * backend: |Δ| ≤ 4·k·u·(|A|·|B|) elementwise, u = 2⁻²⁴ (float32) or 2⁻⁵³
 * (float64), and NaN or ±∞ exactly where the reference has them.
 *
 * @module
 */
import { assert, fc } from "./test.ts";
import type { GemmDims } from "../../backends/backend.ts";

/** The float dtypes a product runs in. */
export type Float = "float32" | "float64";

/** A float array of either precision. */
export type Real = Float32Array | Float64Array;

/** The unit roundoff of a dtype. */
export const unitRoundoff = (dtype: Float): number => (dtype === "float32" ? 2 ** -24 : 2 ** -53);

/** C = op(A)·op(B) per batch in float64, and the allowed error 4·k·u·(|op(A)|·|op(B)|) of each element. */
export function gemmReference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  d: GemmDims,
  dtype: Float,
): { c: Float64Array; tol: Float64Array } {
  const { batch, m, n, k, transA, transB, aBatchStride, bBatchStride } = d;
  const c = new Float64Array(batch * m * n), tol = new Float64Array(batch * m * n);
  const u = unitRoundoff(dtype);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, abs = 0;
        for (let p = 0; p < k; p++) {
          const x = a[t * aBatchStride + (transA ? p * m + i : i * k + p)];
          const y = b[t * bBatchStride + (transB ? j * k + p : p * n + j)];
          s += x * y;
          abs += Math.abs(x * y);
        }
        c[(t * m + i) * n + j] = s;
        tol[(t * m + i) * n + j] = 4 * k * u * abs;
      }
    }
  }
  return { c, tol };
}

/**
 * `|got[i] − want[i]| ≤ tol[i]` for every element; where `want` is NaN or
 * ±∞, `got` must be the same value.
 */
export function assertNear(got: ArrayLike<number>, want: ArrayLike<number>, tol: ArrayLike<number>, what: string) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Number.isFinite(want[i])) {
      assert.ok(Object.is(got[i], want[i]), `element ${i}: ${got[i]} but expected ${want[i]} for ${what}`);
      continue;
    }
    assert.ok(
      Math.abs(got[i] - want[i]) <= tol[i],
      `element ${i}: ${got[i]} vs ${want[i]} (tolerance ${tol[i]}) for ${what}`,
    );
  }
}

/** Elementwise |Δ| ≤ 4·k·u·(|A|·|B|) against the float64 reference; NaN and ±∞ must match exactly. */
export function assertClose(
  got: ArrayLike<number>,
  d: GemmDims,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  dtype: Float,
): void {
  const { c, tol } = gemmReference(a, b, d, dtype);
  assertNear(got, c, tol, JSON.stringify(d));
}

/** Deterministic values in [-1, 1) with some exact zeros, from a seed (xorshift32). */
export function fill(size: number, seed: number, dtype: Float): Real {
  const out = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
  let s = seed | 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s & 15) === 0 ? 0 : (s >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Operands for `d`, filled from `seed`: one matrix when its batch stride is
 * 0, else enough elements for `batch` matrices `stride` apart.
 */
export function operands(d: GemmDims, dtype: Float, seed: number): { a: Real; b: Real } {
  const extent = (
    stride: number,
    size: number,
  ) => (stride === 0 || d.batch === 0 ? size : (d.batch - 1) * stride + size);
  const a = fill(extent(d.aBatchStride, d.m * d.k), seed, dtype);
  const b = fill(extent(d.bBatchStride, d.k * d.n), seed ^ 0x5bd1e995, dtype);
  return { a, b };
}

/** One random batched product: dimensions, transposes, operands shared across the batch, and a seed for the data. */
export interface Problem {
  m: number;
  n: number;
  k: number;
  batch: number;
  transA: boolean;
  transB: boolean;
  shareA: boolean;
  shareB: boolean;
  seed: number;
}

/** Random problems whose m, n and k are drawn from `dim` (batches of 1 to 3). */
export const problem = (dim: fc.Arbitrary<number>): fc.Arbitrary<Problem> =>
  fc.record({
    m: dim,
    n: dim,
    k: dim,
    batch: fc.integer({ min: 1, max: 3 }),
    transA: fc.boolean(),
    transB: fc.boolean(),
    shareA: fc.boolean(),
    shareB: fc.boolean(),
    seed: fc.integer(),
  });

/** The kernel dimensions of a problem (a shared operand has batch stride 0). */
export const dimsOf = (p: Problem): GemmDims => ({
  batch: p.batch,
  m: p.m,
  n: p.n,
  k: p.k,
  transA: p.transA,
  transB: p.transB,
  aBatchStride: p.shareA ? 0 : p.m * p.k,
  bBatchStride: p.shareB ? 0 : p.k * p.n,
});
