/**
 * Element types of tensors and the typed arrays that hold them.
 *
 * `float32` is the default. `int32` holds indices and labels, `bool` holds the
 * results of comparisons (one byte per element, 0 or 1).
 *
 * @module
 */
import { DTypeError } from "./errors.ts";

/** The element type of a tensor. */
export type DType = "float32" | "float64" | "int32" | "bool";

/** Every dtype, in promotion order (bool < int32 < float32 < float64). */
export const DTYPES: readonly DType[] = ["bool", "int32", "float32", "float64"];

/** A floating-point dtype: the only kinds that can be differentiated. */
export type FloatDType = "float32" | "float64";

/** The typed array that stores each dtype. */
export interface TypedArrayFor {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/** Any storage array a tensor can have. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * Whether `d` is a floating-point dtype.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFloat } from "./dtype.ts";
 * assert.equal(isFloat("float64"), true);
 * assert.equal(isFloat("int32"), false);
 * ```
 */
export const isFloat = (d: DType): d is FloatDType => d === "float32" || d === "float64";

/**
 * Allocates a zero-filled typed array for `size` elements of `dtype`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocTyped } from "./dtype.ts";
 * assert.ok(allocTyped("int32", 3) instanceof Int32Array);
 * ```
 */
export const allocTyped = <D extends DType>(dtype: D, size: number): TypedArrayFor[D] => {
  switch (dtype) {
    case "float32":
      return new Float32Array(size) as TypedArrayFor[D];
    case "float64":
      return new Float64Array(size) as TypedArrayFor[D];
    case "int32":
      return new Int32Array(size) as TypedArrayFor[D];
    case "bool":
      return new Uint8Array(size) as TypedArrayFor[D];
    default:
      throw new DTypeError("alloc", `unknown dtype ${String(dtype)}; expected one of ${DTYPES.join(", ")}`);
  }
};

/**
 * The dtype whose storage is `arr`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dtypeOf } from "./dtype.ts";
 * assert.equal(dtypeOf(new Float64Array(2)), "float64");
 * ```
 */
export const dtypeOf = (arr: TypedArray): DType => {
  if (arr instanceof Float32Array) return "float32";
  if (arr instanceof Float64Array) return "float64";
  if (arr instanceof Int32Array) return "int32";
  if (arr instanceof Uint8Array) return "bool";
  throw new DTypeError("dtypeOf", "expected a Float32Array, Float64Array, Int32Array or Uint8Array");
};

/**
 * Checks that `d` names a dtype, for values that come from users at run time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkDType } from "./dtype.ts";
 * assert.equal(checkDType("cast", "float32"), "float32");
 * assert.throws(() => checkDType("cast", "f32"));
 * ```
 */
export const checkDType = (op: string, d: unknown): DType => {
  if (d === "float32" || d === "float64" || d === "int32" || d === "bool") return d;
  throw new DTypeError(op, `unknown dtype ${JSON.stringify(d)}; expected one of ${DTYPES.join(", ")}`);
};

/** Short names used when printing graphs (`f32[3,4]`). */
export const SHORT_DTYPE: Readonly<Record<DType, string>> = {
  float32: "f32",
  float64: "f64",
  int32: "i32",
  bool: "bool",
};
