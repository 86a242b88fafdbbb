/**
 * What every backend's `gemm` does around its kernel: check the operands
 * against {@link GemmDims}, and walk the batch, turning a batch that shares
 * one B over back-to-back A matrices into one taller product and copying
 * the first product when both operands are shared.
 *
 * @module
 */
import type { DType, TypedArray } from "../core/dtype.ts";
import { DTypeError, ShapeError } from "../core/errors.ts";
import type { GemmDims } from "./backend.ts";

/** One m×n product: op(A) at `aOff`, op(B) at `bOff`, into the output at `cOff`. */
export type Product = (
  aOff: number,
  bOff: number,
  cOff: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
) => void;

/**
 * Throws unless `dtype` is a float and `a` and `b` hold enough elements for
 * `dims` (a `DTypeError` or `ShapeError` naming `gemm`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkGemm } from "./gemm_batches.ts";
 * const dims = { batch: 1, m: 2, n: 2, k: 2, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
 * assert.throws(() => checkGemm(new Float32Array(3), new Float32Array(4), dims, "float32"), /A holds 3 elements/);
 * ```
 */
export function checkGemm(a: TypedArray, b: TypedArray, dims: GemmDims, dtype: DType): void {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new DTypeError("gemm", `expected float32 or float64, got ${dtype}`);
  }
  const { batch, m, n, k, aBatchStride, bBatchStride } = dims;
  checkLength("A", a, batch, aBatchStride, m * k);
  checkLength("B", b, batch, bBatchStride, k * n);
}

function checkLength(name: string, buf: TypedArray, batch: number, stride: number, size: number) {
  const need = batch === 0 || size === 0 ? 0 : (batch - 1) * stride + size;
  if (buf.length < need) {
    throw new ShapeError("gemm", `${name} holds ${buf.length} elements, the dimensions need ${need}`);
  }
}

/**
 * Runs `product` for each product of the batch into `out` (contiguous
 * `[batch, m, n]`), with as few calls as the layout allows. Assumes k > 0
 * and a non-empty output.
 *
 * @example A shared B over two stacked A matrices is one 4×2 product
 * ```ts
 * import assert from "node:assert/strict";
 * import { forEachProduct } from "./gemm_batches.ts";
 * const calls: number[][] = [];
 * const dims = { batch: 2, m: 2, n: 2, k: 3, transA: false, transB: false, aBatchStride: 6, bBatchStride: 0 };
 * forEachProduct(dims, new Float32Array(8), (aOff, bOff, cOff, m, n, k) => calls.push([aOff, bOff, cOff, m, n, k]));
 * assert.deepEqual(calls, [[0, 0, 0, 4, 2, 3]]);
 * ```
 */
export function forEachProduct(dims: GemmDims, out: TypedArray, product: Product): void {
  let { batch, m, n, k, transA, transB, aBatchStride, bBatchStride } = dims;
  // A 1-row (or 1-deep) matrix has the same storage transposed or not.
  if (m === 1 || k === 1) transA = false;
  if (n === 1 || k === 1) transB = false;
  // One shared B and back-to-back A matrices: the batch is one taller product.
  if (batch > 1 && bBatchStride === 0 && !transA && aBatchStride === m * k) {
    m *= batch;
    batch = 1;
  }
  const mn = m * n;
  const same = aBatchStride === 0 && bBatchStride === 0;
  for (let i = 0; i < batch; i++) {
    if (same && i > 0) out.copyWithin(i * mn, 0, mn);
    else product(i * aBatchStride, i * bBatchStride, i * mn, m, n, k, transA, transB);
  }
}
