/**
 * The OpenBLAS backend: matrix products through `cblas_?gemm` (and
 * `cblas_?gemv` / `cblas_?dot` when one side is a vector), large sums,
 * differences and scalings through `?axpy`/`?scal` (`blas1.ts`); every other
 * kernel is the pure-TypeScript one, so storage stays an ordinary typed
 * array and the two backends can be swapped at any time.
 *
 * @module
 */
import type { DType, TypedArray } from "../../core/dtype.ts";
import { DTypeError } from "../../core/errors.ts";
import type { Backend, GemmDims } from "../backend.ts";
import { checkGemm, forEachProduct } from "../gemm_batches.ts";
import { hostBackend, type HostKernels } from "../host.ts";
import { tsKernels } from "../ts/backend.ts";
import { alloc, allocUninitialized } from "../ts/pool.ts";
import { dot, gemm, gemv, type Real } from "./blas.ts";
import { blas1Binary } from "./blas1.ts";
import type { NativeBlas } from "./native.ts";

/**
 * A backend whose products run in the given OpenBLAS. Its storage is host
 * typed arrays, like the TS backend's, so tensors of the two mix freely.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOpenBlas } from "./library.ts";
 * import { createOpenBlasBackend } from "./backend.ts";
 * const lib = loadOpenBlas();
 * if (lib._tag === "Right") {
 *   const be = createOpenBlasBackend(lib.right);
 *   const dims = { batch: 1, m: 2, n: 2, k: 2, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
 *   const a = be.fromTypedArray(Float32Array.of(1, 2, 3, 4));
 *   const b = be.fromTypedArray(Float32Array.of(5, 6, 7, 8));
 *   assert.deepEqual([...be.toTypedArray(be.gemm(a, b, dims, "float32"))], [19, 22, 43, 50]);
 * }
 * ```
 */
export function createOpenBlasBackend(lib: NativeBlas): Backend {
  return hostBackend(openBlasKernels(lib));
}

/**
 * The OpenBLAS backend's kernels over typed arrays: the TS kernels with
 * `gemm` and large `binary` ops replaced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOpenBlas } from "./library.ts";
 * import { openBlasKernels } from "./backend.ts";
 * const lib = loadOpenBlas();
 * if (lib._tag === "Right") {
 *   const dims = { batch: 1, m: 1, n: 1, k: 2, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
 *   const c = openBlasKernels(lib.right).gemm(Float64Array.of(1, 2), Float64Array.of(3, 4), dims, "float64");
 *   assert.deepEqual([...c], [11]);
 * }
 * ```
 */
export function openBlasKernels(lib: NativeBlas): HostKernels {
  return {
    ...tsKernels,
    name: "openblas",
    gemm: (a, b, dims, dtype) => batchedGemm(lib, a, b, dims, dtype),
    binary: (op, a, b, layout, dtype) =>
      blas1Binary(lib, op, a, b, layout, dtype) ?? tsKernels.binary(op, a, b, layout, dtype),
  };
}

function batchedGemm(lib: NativeBlas, a: TypedArray, b: TypedArray, dims: GemmDims, dtype: DType): TypedArray {
  checkGemm(a, b, dims, dtype);
  const Ctor = dtype === "float32" ? Float32Array : Float64Array;
  if (!(a instanceof Ctor) || !(b instanceof Ctor)) {
    throw new DTypeError("gemm", `operands must be ${Ctor.name}s for ${dtype}`);
  }
  const size = dims.batch * dims.m * dims.n;
  if (size === 0 || dims.k === 0) return alloc(dtype, size);
  // Every element is written below (beta = 0), so old contents do not matter.
  const out = allocUninitialized(dtype as "float32" | "float64", size);
  forEachProduct(
    dims,
    out,
    (aOff, bOff, cOff, m, n, k, transA, transB) => product(lib, a, aOff, b, bOff, out, cOff, m, n, k, transA, transB),
  );
  return out;
}

/** One m×n product into `c` at `cOff`, by the cheapest routine for its shape. */
function product(
  lib: NativeBlas,
  a: Real,
  aOff: number,
  b: Real,
  bOff: number,
  c: Real,
  cOff: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
) {
  if (m === 1 && n === 1) {
    // A row (or column) of length k is contiguous whether transposed or not.
    c[cOff] = dot(lib, k, a, aOff, 1, b, bOff, 1);
  } else if (m === 1) {
    // c (1×n) = a (1×k) · op(B): y = op(B)ᵀ·a, B stored k×n (or n×k when transposed).
    gemv(lib, {
      trans: !transB,
      m: transB ? n : k,
      n: transB ? k : n,
      alpha: 1,
      a: b,
      aOffset: bOff,
      lda: transB ? k : n,
      x: a,
      xOffset: aOff,
      incx: 1,
      beta: 0,
      y: c,
      yOffset: cOff,
      incy: 1,
    });
  } else if (n === 1) {
    // c (m×1) = op(A) · b (k×1): A stored m×k (or k×m when transposed).
    gemv(lib, {
      trans: transA,
      m: transA ? k : m,
      n: transA ? m : k,
      alpha: 1,
      a,
      aOffset: aOff,
      lda: transA ? m : k,
      x: b,
      xOffset: bOff,
      incx: 1,
      beta: 0,
      y: c,
      yOffset: cOff,
      incy: 1,
    });
  } else {
    gemm(lib, {
      transA,
      transB,
      m,
      n,
      k,
      alpha: 1,
      a,
      aOffset: aOff,
      lda: transA ? m : k,
      b,
      bOffset: bOff,
      ldb: transB ? k : n,
      beta: 0,
      c,
      cOffset: cOff,
      ldc: n,
    });
  }
}
