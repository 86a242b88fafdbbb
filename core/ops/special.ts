/**
 * Stable special functions composed from primitives: logSigmoid, logAddExp,
 * and the float tests isNan and isFinite.
 *
 * @module
 */
import { isFloat } from "../dtype.ts";
import { add, equal, less, maximum, notEqual, sub, where } from "../prims/binary.ts";
import { liftPair, type TensorLike } from "../prims/lift.ts";
import { abs, neg, softplus } from "../prims/unary.ts";
import type { Tensor } from "../tensor.ts";

/**
 * log σ(x) = −softplus(−x): finite for every finite x (log σ(−1e4) = −1e4),
 * derivative σ(−x). As JAX's `log_sigmoid` and PyTorch's `LogSigmoid`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logSigmoid, tensor } from "../../mod.ts";
 * assert.deepEqual(logSigmoid(tensor([0, -1e4, 1e4], { dtype: "float64" })).toArray(), [-Math.LN2, -1e4, -0]);
 * ```
 */
export const logSigmoid = (x: TensorLike): Tensor => neg(softplus(neg(x)));

/**
 * log(eᵃ + eᵇ), elementwise with broadcasting, computed as
 * max(a, b) + softplus(−|a − b|): no overflow, and equal infinities give
 * themselves (log(e^−∞ + e^−∞) = −∞), as NumPy's `logaddexp`. The derivative
 * with respect to a is σ(a − b) (½ at a = b).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logAddExp, tensor } from "../../mod.ts";
 * assert.deepEqual(logAddExp(tensor([0, 1e4, -Infinity], { dtype: "float64" }), 0).toArray(), [Math.LN2, 1e4, 0]);
 * assert.deepEqual(logAddExp(tensor([-Infinity]), tensor([-Infinity])).toArray(), [-Infinity]);
 * ```
 */
export const logAddExp = (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = liftPair("logAddExp", a, b);
  const d = sub(x, y);
  // a − b is NaN when both are the same infinity (or either is NaN): then
  // a + b is the answer, and the other branch is fed 0 so its gradient stays
  // finite (the "double where").
  const bad = notEqual(d, d);
  const safe = where(bad, 0, d);
  return where(bad, add(x, y), add(maximum(x, y), softplus(neg(abs(safe)))));
};

/**
 * Whether each element is NaN (a bool tensor; never true for integers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNan, tensor } from "../../mod.ts";
 * assert.deepEqual(isNan(tensor([1, NaN, Infinity])).toArray(), [0, 1, 0]);
 * ```
 */
export const isNan = (x: Tensor): Tensor => notEqual(x, x);

/**
 * Whether each element is finite: not NaN and not ±∞ (a bool tensor; always
 * true for integers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFinite, tensor } from "../../mod.ts";
 * assert.deepEqual(isFinite(tensor([1, NaN, -Infinity])).toArray(), [1, 0, 0]);
 * ```
 */
export const isFinite = (x: Tensor): Tensor => (isFloat(x.dtype) ? less(abs(x), Infinity) : equal(x, x));
