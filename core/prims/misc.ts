/**
 * `cast` between dtypes and `stopGradient`.
 *
 * @module
 */
import { checkDType, type DType, isFloat } from "../dtype.ts";
import { definePrimitive, type Primitive } from "../primitive.ts";
import type { Tensor } from "../tensor.ts";
import { bind } from "../trace.ts";

const castP: Primitive<{ dtype: DType }> = definePrimitive({
  name: "cast",
  abstractEval: ([x], { dtype }) => ({ shape: x.shape, dtype }),
  impl: (b, [x], { dtype }) => (x.dtype === dtype ? x.buf : b.cast(x.buf, x.dtype, dtype)),
  batch: ([x], [d], p) => [bind(castP, [x], p), d],
  // Between float dtypes the cast is the identity up to rounding; into or out
  // of integers it is piecewise constant.
  jvp: ([x], [dx], _o, { dtype }) => (dx !== null && isFloat(x.dtype) && isFloat(dtype) ? cast(dx, dtype) : null),
  vjp: (g, [x], _o, { dtype }) => [isFloat(x.dtype) && isFloat(dtype) ? cast(g, x.dtype) : null],
});

/**
 * Converts elements to `dtype`: float → int truncates toward zero, anything
 * → bool is `x ≠ 0`. Differentiable between float dtypes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cast, tensor } from "../../mod.ts";
 * assert.deepEqual(cast(tensor([1.7, -1.7]), "int32").toArray(), [1, -1]);
 * assert.equal(cast(tensor([1]), "float64").dtype, "float64");
 * ```
 */
export const cast = (x: Tensor, dtype: DType): Tensor => {
  const d = checkDType("cast", dtype);
  return x.dtype === d ? x : bind(castP, [x], { dtype: d });
};

const stopGradientP: Primitive = definePrimitive({
  name: "stopGradient",
  abstractEval: ([x]) => x,
  impl: (_b, [x]) => x.buf,
  batch: ([x], [d]) => [bind(stopGradientP, [x], {}), d],
  jvp: () => null,
  vjp: () => [null],
});

/**
 * The identity, seen by differentiation as a constant: no derivative flows
 * through it, at any order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { grad, mul, stopGradient, sum, tensor } from "../../mod.ts";
 * const f = (x: ReturnType<typeof tensor>) => sum(mul(x, stopGradient(x)));
 * assert.deepEqual(grad(f)(tensor([3])).toArray(), [3]);
 * ```
 */
export const stopGradient = (x: Tensor): Tensor => bind(stopGradientP, [x], {});
