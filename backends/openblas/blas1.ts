/**
 * Elementwise kernels that OpenBLAS's level-1 routines do faster than a
 * JavaScript loop on large arrays: `a ± b` as a copy of `a` followed by
 * `axpy(±1, b)`, and `x · s` for a scalar `s` as a copy followed by
 * `scal(s)`. The results are bit for bit those of the TypeScript kernels:
 * 1·b and −1·b are exact, and a float32 sum or product rounded once from
 * double (as JavaScript does it) equals the float32 operation.
 *
 * `scal` is skipped for s = 0 and non-finite s: OpenBLAS's `scal` with 0
 * writes zeros without reading x, so NaN · 0 would give 0.
 *
 * @module
 */
import type { DType, TypedArray } from "../../core/dtype.ts";
import type { BinaryOp, BroadcastLayout } from "../backend.ts";
import { axpy, type Real, scal } from "./blas.ts";
import type { NativeBlas } from "./native.ts";
import { allocUninitialized } from "../ts/pool.ts";
import { CONTIGUOUS, readKind, SINGLE } from "../ts/elementwise_binary.ts";

/**
 * Below this many elements the TypeScript loop wins (the copy, the FFI call
 * and OpenBLAS's thread start-up cost more than they save); measured in
 * `bench/openblas_blas1.ts`.
 */
export const BLAS1_FROM = 1 << 16;

/**
 * `op(a, b)` through `axpy`/`scal` when the case fits, else `undefined`
 * (the caller then runs the TypeScript kernel).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOpenBlas } from "./library.ts";
 * import { blas1Binary } from "./blas1.ts";
 * const lib = loadOpenBlas();
 * if (lib._tag === "Right") {
 *   const n = 1 << 16;
 *   const a = new Float32Array(n).fill(3), b = new Float32Array(n).fill(1);
 *   const out = blas1Binary(lib.right, "sub", a, b, { shape: [n], strides: [[1], [1]] }, "float32");
 *   assert.equal(out?.[n - 1], 2);
 *   assert.equal(blas1Binary(lib.right, "sub", a.subarray(0, 4), b, { shape: [4], strides: [[1], [1]] }, "float32"), undefined);
 * }
 * ```
 */
export function blas1Binary(
  lib: NativeBlas,
  op: BinaryOp,
  a: TypedArray,
  b: TypedArray,
  layout: BroadcastLayout,
  dtype: DType,
): TypedArray | undefined {
  if (dtype !== "float32" && dtype !== "float64") return undefined;
  const n = layout.shape.reduce((x, y) => x * y, 1);
  if (n < BLAS1_FROM) return undefined;
  const ka = readKind(layout.shape, layout.strides[0]), kb = readKind(layout.shape, layout.strides[1]);
  const ca = ka === CONTIGUOUS, cb = kb === CONTIGUOUS;
  if ((op === "add" || op === "sub") && ca && cb) {
    const out = copyOf(a as Real, n, dtype);
    axpy(lib, n, op === "add" ? 1 : -1, b as Real, 0, 1, out, 0, 1);
    return out;
  }
  if (op === "mul" && (ca && kb === SINGLE || cb && ka === SINGLE)) {
    const [x, s] = ca ? [a as Real, b[0]] : [b as Real, a[0]];
    if (s === 0 || !Number.isFinite(s)) return undefined;
    const out = copyOf(x, n, dtype);
    scal(lib, n, s, out, 0, 1);
    return out;
  }
  return undefined;
}

/** The first `n` elements of `x` in a new (or recycled) array. */
function copyOf(x: Real, n: number, dtype: "float32" | "float64"): Real {
  const out = allocUninitialized(dtype, n);
  out.set(x.subarray(0, n));
  return out;
}
