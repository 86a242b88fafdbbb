/**
 * Reductions composed from primitives: mean, variance, logSumExp.
 *
 * @module
 */
import { isFloat } from "../dtype.ts";
import { ValueError } from "../errors.ts";
import { add, div, equal, greater, notEqual, pow, sub, where } from "../prims/binary.ts";
import { requireFloat } from "../prims/checks.ts";
import { cast, stopGradient } from "../prims/misc.ts";
import { type AxisArg, max, min, reduceArgs, type ReduceOptions, sum } from "../prims/reduce.ts";
import { reshape } from "../prims/shape.ts";
import { abs, exp, log, sqrt, square } from "../prims/unary.ts";
import { normalizeAxis } from "../shape.ts";
import type { Tensor } from "../tensor.ts";

const count = (x: Tensor, axes: readonly number[]): number => axes.reduce((n, a) => n * x.shape[a], 1);

/**
 * Arithmetic mean over axes (all by default). Bool and int32 inputs give
 * float32, as in JAX.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mean, tensor } from "../../mod.ts";
 * assert.equal(mean(tensor([1, 2, 3, 4])).item(), 2.5);
 * assert.deepEqual(mean(tensor([[1, 2], [3, 4]]), 1).toArray(), [1.5, 3.5]);
 * assert.equal(mean(tensor([true, false, true, true])).item(), 0.75); // bool → float32 fraction
 * ```
 */
export const mean = (x: Tensor, axis?: AxisArg, keepDims?: boolean): Tensor => {
  // As JAX: bool and int32 means are float32 (so mean(equal(pred, y)) is an accuracy).
  const xf = isFloat(x.dtype) ? x : cast(x, "float32");
  const { axes, keepDims: keep } = reduceArgs("mean", xf, axis, keepDims);
  return div(sum(xf, axes, keep), count(xf, axes));
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
export const variance = (x: Tensor, axis?: AxisArg | MomentOptions, keepDims?: boolean, ddof?: number): Tensor =>
  moment("variance", x, axis, keepDims, ddof);

/** Which axes, whether to keep them, and the delta degrees of freedom (`variance`, `std`). */
export interface MomentOptions extends ReduceOptions {
  /** Divide by N − ddof (default 0; 1 gives the unbiased variance, as `torch.var`'s default). */
  readonly ddof?: number;
}

const moment = (op: string, x: Tensor, axis?: AxisArg | MomentOptions, keepDims?: boolean, ddof?: number) => {
  requireFloat(op, x);
  const opts = axis !== null && typeof axis === "object" && !Array.isArray(axis) ? axis as MomentOptions : undefined;
  const d = ddof ?? opts?.ddof ?? 0;
  if (!Number.isInteger(d) || d < 0) throw new ValueError(op, `ddof must be a non-negative integer, got ${d}`);
  const { axes, keepDims: keep } = reduceArgs(op, x, axis, keepDims);
  const centred = sub(x, mean(x, axes, true));
  return div(sum(square(centred), axes, keep), count(x, axes) - d);
};

/**
 * Standard deviation over axes: √variance (two-pass), with the same
 * arguments (`std(x, { axis, keepDims, ddof })` or positional). Its gradient
 * is infinite where every value is equal (as in JAX and PyTorch).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { std, tensor } from "../../mod.ts";
 * const x = tensor([1, 2, 3, 4], { dtype: "float64" });
 * assert.equal(std(x).item(), Math.sqrt(1.25));
 * assert.equal(std(x, { ddof: 1 }).item(), Math.sqrt(5 / 3));
 * ```
 */
export const std = (x: Tensor, axis?: AxisArg | MomentOptions, keepDims?: boolean, ddof?: number): Tensor =>
  sqrt(moment("std", x, axis, keepDims, ddof));

/** Options of {@link norm}. */
export interface NormOptions extends ReduceOptions {
  /** p of the vector p-norm: 2 (default), 1, any p > 0, `Infinity` or `-Infinity` (max / min of |x|). */
  readonly ord?: number;
}

/**
 * The vector p-norm of `x` over `axis` (all axes by default, treated as one
 * vector: the Frobenius norm of a matrix for p = 2), as `np.linalg.norm` with
 * a vector `ord`. The 2-norm's gradient at 0 is 0 (a subgradient; √ alone
 * would give NaN there), through the double-where pattern.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { norm, tensor } from "../../mod.ts";
 * assert.equal(norm(tensor([3, 4])).item(), 5);
 * assert.equal(norm(tensor([3, -4]), { ord: 1 }).item(), 7);
 * assert.equal(norm(tensor([3, -4]), { ord: Infinity }).item(), 4);
 * assert.deepEqual(norm(tensor([[3, 4], [6, 8]]), { axis: 1 }).toArray(), [5, 10]);
 * ```
 */
export const norm = (x: Tensor, opts: NormOptions = {}): Tensor => {
  requireFloat("norm", x);
  const ord = opts.ord ?? 2;
  const { axes, keepDims } = reduceArgs("norm", x, opts);
  const a = abs(x);
  if (ord === Infinity) return max(a, axes, keepDims);
  if (ord === -Infinity) return min(a, axes, keepDims);
  if (!(ord > 0) || !Number.isFinite(ord)) {
    throw new ValueError("norm", `ord must be a positive number or ±Infinity, got ${ord}`);
  }
  if (ord === 1) return sum(a, axes, keepDims);
  const s = sum(ord === 2 ? square(x) : pow(a, ord), axes, keepDims);
  // Where s = 0, take the root of 1 instead and return 0: finite gradients.
  const pos = greater(s, 0);
  const root = ord === 2 ? sqrt(where(pos, s, 1)) : pow(where(pos, s, 1), 1 / ord);
  return where(notEqual(s, s), s, where(pos, root, 0));
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
