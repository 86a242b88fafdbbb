/**
 * Regression losses: least squares, mean squared and absolute error, Huber.
 * Each takes `(predictions, targets)` of one shape and float dtype (no
 * broadcasting: a `[N, 1]` prediction against a `[N]` target is a
 * `ShapeError`, not an `[N, N]` loss).
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import { abs, add, minimum, mul, square, sub, sum } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import { requirePair } from "./checks.ts";
import { type LossOptions, reduceLoss } from "./reduction.ts";

/**
 * Least squares, Σᵢ (predᵢ − targetᵢ)², summed over every element: the
 * negative log-likelihood of a Normal with fixed σ = 1/√2, up to a constant
 * (the course's L[φ] = Σ (f[xᵢ, φ] − yᵢ)²). Its gradient is 2(pred − target).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * assert.equal(losses.sumSquares(tensor([1, 2, 3]), tensor([1, 0, 0])).item(), 13);
 * ```
 */
export const sumSquares = (predictions: Tensor, targets: Tensor): Tensor => {
  const [p, t] = requirePair("sumSquares", predictions, targets);
  return sum(square(sub(p, t)));
};

/**
 * Mean squared error, (predᵢ − targetᵢ)² averaged (PyTorch `MSELoss`; optax
 * `squared_error` with `reduction: "none"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * const p = tensor([1, 2, 3]);
 * const t = tensor([1, 0, 0]);
 * assert.ok(Math.abs(losses.mse(p, t).item() - 13 / 3) < 1e-6);
 * assert.deepEqual(losses.mse(p, t, { reduction: "none" }).toArray(), [0, 4, 9]);
 * assert.throws(() => losses.mse(tensor([[1], [2]]), tensor([1, 2])), /mse: predictions of shape \[2,1\]/);
 * ```
 */
export const mse = (predictions: Tensor, targets: Tensor, opts: LossOptions = {}): Tensor => {
  const [p, t] = requirePair("mse", predictions, targets);
  return reduceLoss("mse", square(sub(p, t)), opts.reduction);
};

/**
 * Mean absolute error, |predᵢ − targetᵢ| averaged (PyTorch `L1Loss`). At
 * pred = target the derivative is taken as 0 (abs′(0) = 0, as PyTorch and JAX).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * assert.ok(Math.abs(losses.mae(tensor([1, 2, 3]), tensor([1, 0, 0])).item() - 5 / 3) < 1e-6);
 * assert.equal(losses.mae(tensor([1, 2, 3]), tensor([1, 0, 0]), { reduction: "sum" }).item(), 5);
 * ```
 */
export const mae = (predictions: Tensor, targets: Tensor, opts: LossOptions = {}): Tensor => {
  const [p, t] = requirePair("mae", predictions, targets);
  return reduceLoss("mae", abs(sub(p, t)), opts.reduction);
};

/** Options of `huber`. */
export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1; finite and > 0). */
  readonly delta?: number;
}

/**
 * Huber loss with threshold δ, on d = pred − target: ½d² where |d| ≤ δ and
 * δ(|d| − ½δ) beyond, averaged. This is the scaling of PyTorch `HuberLoss`
 * and optax `huber_loss` (continuous value and slope at |d| = δ; the slope
 * outside is ±δ), not of PyTorch `SmoothL1Loss`, which is `HuberLoss / δ`.
 * Computed as optax does, ½q² + δ(|d| − q) with q = min(|d|, δ), so the
 * gradient is finite at d = ±∞.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * const d = losses.huber(tensor([0.5, 3]), tensor([0, 0]), { delta: 1, reduction: "none" });
 * assert.deepEqual(d.toArray(), [0.125, 2.5]);
 * ```
 */
export const huber = (predictions: Tensor, targets: Tensor, opts: HuberOptions = {}): Tensor => {
  const delta = opts.delta ?? 1;
  if (typeof delta !== "number" || !Number.isFinite(delta) || !(delta > 0)) {
    throw new ValueError("huber", `delta must be a finite number > 0, got ${String(delta)}`);
  }
  const [p, t] = requirePair("huber", predictions, targets);
  const a = abs(sub(p, t));
  const q = minimum(a, delta);
  return reduceLoss("huber", add(mul(square(q), 0.5), mul(sub(a, q), delta)), opts.reduction);
};
