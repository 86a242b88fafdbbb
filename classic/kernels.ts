/**
 * Kernels for kernel PCA: functions from two sets of rows `a` `[n, d]` and
 * `b` `[m, d]` to their Gram matrix `[n, m]`, K_ij = k(aᵢ, bⱼ), written with
 * tensor ops (so they run on any backend, and are differentiable). The
 * formulas are scikit-learn's `sklearn.metrics.pairwise` kernels.
 *
 * @module
 */
import { ShapeError, ValueError } from "../core/errors.ts";
import { add, maximum, mul, pow, sub } from "../core/prims/binary.ts";
import { matmul } from "../core/prims/linalg.ts";
import { sum } from "../core/prims/reduce.ts";
import { reshape } from "../core/prims/shape.ts";
import { exp, square } from "../core/prims/unary.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";

/** A kernel: rows `[n, d]` and `[m, d]` to the Gram matrix `[n, m]`. */
export type Kernel = (a: Tensor, b: Tensor) => Tensor;

const checkPair = (op: string, a: Tensor, b: Tensor): void => {
  if (a.ndim !== 2 || b.ndim !== 2 || a.shape[1] !== b.shape[1]) {
    throw new ShapeError(
      op,
      `expected rows [n, d] and [m, d], got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
};

const positive = (op: string, name: string, v: number): number => {
  if (!(v > 0) || !Number.isFinite(v)) throw new ValueError(op, `${name} must be a finite number > 0, got ${v}`);
  return v;
};

/**
 * The linear kernel k(a, b) = a·b. Kernel PCA with it is PCA.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classic, tensor } from "../mod.ts";
 * assert.deepEqual(classic.linear()(tensor([[1, 2]]), tensor([[3, 4], [1, 0]])).toArray(), [[11, 1]]);
 * ```
 */
export const linear = (): Kernel => (a, b) => {
  checkPair("linear", a, b);
  return matmul(a, b, { transB: true });
};

/**
 * The Gaussian (RBF) kernel k(a, b) = exp(−γ·‖a − b‖²), γ > 0
 * (scikit-learn's `rbf_kernel`). ‖a − b‖² is computed as ‖a‖² + ‖b‖² − 2a·b
 * and clamped at 0, since rounding can make it slightly negative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classic, tensor } from "../mod.ts";
 * const k = classic.rbf({ gamma: 0.5 })(tensor([[0, 0]]), tensor([[0, 0], [1, 1]])).toArray() as number[][];
 * assert.equal(k[0][0], 1);
 * assert.ok(Math.abs(k[0][1] - Math.exp(-1)) < 1e-7);
 * ```
 */
export const rbf = (opts: { readonly gamma: number }): Kernel => {
  const gamma = positive("rbf", "gamma", opts.gamma);
  return (a, b) => {
    checkPair("rbf", a, b);
    const na = reshape(sum(square(a), 1), [a.shape[0], 1]);
    const nb = reshape(sum(square(b), 1), [1, b.shape[0]]);
    const d2 = maximum(sub(add(na, nb), mul(matmul(a, b, { transB: true }), 2)), 0);
    return exp(mul(d2, -gamma));
  };
};

/**
 * The polynomial kernel k(a, b) = (γ·a·b + c)^degree (scikit-learn's
 * `polynomial_kernel` with `coef0 = c`; `gamma` defaults to 1 here, not
 * 1/d). `degree` is a positive integer, `c` ≥ 0 (default 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classic, tensor } from "../mod.ts";
 * const k = classic.polynomial({ degree: 2, c: 1 })(tensor([[1, 2]]), tensor([[3, 4]]));
 * assert.deepEqual(k.toArray(), [[144]]); // (1·3 + 2·4 + 1)²
 * ```
 */
export const polynomial = (opts: { readonly degree: number; readonly c?: number; readonly gamma?: number }): Kernel => {
  const { degree } = opts;
  if (!Number.isInteger(degree) || degree < 1) {
    throw new ValueError("polynomial", `degree must be a positive integer, got ${degree}`);
  }
  const c = opts.c ?? 1;
  if (!(c >= 0) || !Number.isFinite(c)) throw new ValueError("polynomial", `c must be a finite number ≥ 0, got ${c}`);
  const gamma = positive("polynomial", "gamma", opts.gamma ?? 1);
  return (a, b) => {
    checkPair("polynomial", a, b);
    return pow(add(mul(matmul(a, b, { transB: true }), gamma), c), degree);
  };
};
