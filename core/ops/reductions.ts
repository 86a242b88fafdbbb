/**
 * Reductions composed from primitives: mean, variance, logSumExp.
 *
 * @module
 */
import { add, div, equal, sub, where } from "../prims/binary.ts";
import { requireFloat } from "../prims/checks.ts";
import { stopGradient } from "../prims/misc.ts";
import { type AxisArg, max, reduceArgs, sum } from "../prims/reduce.ts";
import { reshape } from "../prims/shape.ts";
import { abs, exp, log, square } from "../prims/unary.ts";
import { normalizeAxis } from "../shape.ts";
import type { Tensor } from "../tensor.ts";

const count = (x: Tensor, axes: readonly number[]): number => axes.reduce((n, a) => n * x.shape[a], 1);

/**
 * Arithmetic mean over axes (all by default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mean, tensor } from "../../mod.ts";
 * assert.equal(mean(tensor([1, 2, 3, 4])).item(), 2.5);
 * assert.deepEqual(mean(tensor([[1, 2], [3, 4]]), 1).toArray(), [1.5, 3.5]);
 * ```
 */
export const mean = (x: Tensor, axis?: AxisArg, keepDims?: boolean): Tensor => {
  requireFloat("mean", x);
  const { axes, keepDims: keep } = reduceArgs("mean", x, axis, keepDims);
  return div(sum(x, axes, keep), count(x, axes));
};

/**
 * Variance over axes, two-pass (the mean first, then the mean of squared
 * deviations), so `1e4 + [0, 1, 2]` in float32 gives 0.6667, not 0.
 * `ddof` = 1 gives the unbiased estimate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { variance, tensor } from "../../mod.ts";
 * assert.ok(Math.abs(variance(tensor([1e4, 1e4 + 1, 1e4 + 2])).item() - 2 / 3) < 1e-6);
 * ```
 */
export const variance = (x: Tensor, axis?: AxisArg, keepDims?: boolean, ddof = 0): Tensor => {
  requireFloat("variance", x);
  const { axes, keepDims: keep } = reduceArgs("variance", x, axis, keepDims);
  const centred = sub(x, mean(x, axes, true));
  return div(sum(square(centred), axes, keep), count(x, axes) - ddof);
};

/**
 * log Σ exp(x) over axes, computed as m + log Σ exp(x − m) with
 * m = stopGradient(max x) (taken as 0 where the max is ±∞, so rows of −∞
 * give −∞, not NaN). Its derivative is softmax(x).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logSumExp, tensor } from "../../mod.ts";
 * assert.equal(logSumExp(tensor([1e4, 1e4], { dtype: "float64" })).item(), 1e4 + Math.LN2);
 * assert.equal(logSumExp(tensor([-Infinity, -Infinity])).item(), -Infinity);
 * ```
 */
export const logSumExp = (x: Tensor, axis?: AxisArg, keepDims?: boolean): Tensor => {
  requireFloat("logSumExp", x);
  const { axes, keepDims: keep } = reduceArgs("logSumExp", x, axis, keepDims);
  const m = shiftFor(x, axes);
  const out = add(log(sum(exp(sub(x, m)), axes, true)), m);
  return keep ? out : reshape(out, out.shape.filter((_, i) => !axes.includes(i)));
};

/** stopGradient(max x) over `axes` (kept), or 0 where that max is ±∞. */
const shiftFor = (x: Tensor, axes: readonly number[]): Tensor => {
  const rawMax = stopGradient(max(x, axes, true));
  return where(equal(abs(rawMax), Infinity), 0, rawMax);
};

/**
 * Softmax along one axis (the last by default), stable for large inputs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { softmax, tensor } from "../../mod.ts";
 * assert.deepEqual(softmax(tensor([0, 0])).toArray(), [0.5, 0.5]);
 * assert.deepEqual(softmax(tensor([1e4, 0])).toArray(), [1, 0]);
 * ```
 */
export const softmax = (x: Tensor, axis = -1): Tensor => exp(logSoftmax(x, axis));

/**
 * log softmax along one axis: x − logSumExp(x). A +∞ input gives NaN (as JAX).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logSoftmax, tensor } from "../../mod.ts";
 * assert.deepEqual(logSoftmax(tensor([1e4, 1e4], { dtype: "float64" })).toArray(), [-Math.LN2, -Math.LN2]);
 * ```
 */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => {
  requireFloat("logSoftmax", x);
  const axes = [normalizeAxis("logSoftmax", axis, x.ndim)];
  // (x − m) − log Σ exp(x − m): subtracting m first keeps log-probabilities
  // of large inputs exact (adding m back and subtracting it again would not).
  const shifted = sub(x, shiftFor(x, axes));
  return sub(shifted, log(sum(exp(shifted), axes, true)));
};
