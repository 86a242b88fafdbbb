/**
 * Elementwise kernels of the TypeScript backend: `unary`, `binary`, `where`
 * (in their own modules, re-exported here), `cast` and `full`.
 *
 * @module
 */

import type { DType, TypedArray } from "../../core/dtype.ts";
import { alloc, allocUninitialized } from "./pool.ts";

export { unary } from "./elementwise_unary.ts";
export { binary, where } from "./elementwise_binary.ts";

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

/**
 * A number as int32: truncated toward zero, NaN → 0, and saturated at the
 * int32 range (what WebAssembly's `i32.trunc_sat_f64_s` does, so that a
 * wasm backend can agree bit for bit) rather than wrapped modulo 2^32.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toInt32 } from "./elementwise.ts";
 * assert.equal(toInt32(-2.7), -2);
 * assert.equal(toInt32(NaN), 0);
 * assert.equal(toInt32(1e10), 2147483647);
 * ```
 */
export const toInt32 = (v: number): number =>
  v !== v ? 0 : v >= INT32_MAX ? INT32_MAX : v <= INT32_MIN ? INT32_MIN : Math.trunc(v);

/**
 * Converts elements from one dtype to another into a fresh buffer. To float:
 * rounded to nearest. Float to int32: see {@link toInt32}. Anything to bool:
 * `x ≠ 0` (so NaN is true, as in NumPy).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cast } from "./elementwise.ts";
 * assert.deepEqual([...cast(Float32Array.of(-1.5, 0, NaN), "float32", "int32")], [-1, 0, 0]);
 * assert.deepEqual([...cast(Float32Array.of(-1.5, 0, NaN), "float32", "bool")], [1, 0, 1]);
 * assert.deepEqual([...cast(Uint8Array.of(1, 0), "bool", "float64")], [1, 0]);
 * ```
 */
export function cast(x: TypedArray, from: DType, to: DType): TypedArray {
  const n = x.length;
  // every element is written below
  const out = allocUninitialized(to, n);
  const fromFloat = from === "float32" || from === "float64";
  if (to === "bool") {
    for (let i = 0; i < n; i++) out[i] = x[i] !== 0 ? 1 : 0;
  } else if (to === "int32" && fromFloat) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      // The store truncates toward zero; only NaN and out-of-range need care.
      out[i] = v !== v ? 0 : v >= INT32_MAX ? INT32_MAX : v <= INT32_MIN ? INT32_MIN : v;
    }
  } else {
    // Widening, or float64 → float32 which `set` rounds to nearest: a memcpy-like loop in the engine.
    out.set(x);
  }
  return out;
}

/**
 * A buffer of `size` elements of `dtype`, each `value` converted as `cast`
 * would convert it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { full } from "./elementwise.ts";
 * assert.deepEqual([...full("float32", 2, 0.5)], [0.5, 0.5]);
 * assert.deepEqual([...full("int32", 2, -2.5)], [-2, -2]);
 * assert.deepEqual([...full("bool", 1, 3)], [1]);
 * ```
 */
export function full(dtype: DType, size: number, value: number): TypedArray {
  const v = dtype === "bool" ? (value !== 0 ? 1 : 0) : dtype === "int32" ? toInt32(value) : value;
  // Zeros come zeroed from the pool (or fresh); anything else is one fill
  // over storage whose old contents do not matter.
  if (Object.is(v, 0)) return alloc(dtype, size);
  return allocUninitialized(dtype, size).fill(v);
}
