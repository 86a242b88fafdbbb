/**
 * Regression metrics: mean squared and mean absolute error. Both insist on
 * equal shapes: broadcasting `[N, 1]` against `[N]` would silently average
 * an `[N, N]` table of every prediction against every target.
 *
 * @module
 */
import { ShapeError } from "../core/errors.ts";
import { abs, mean, square, sub } from "../core/ops/mod.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";

const diff = (op: string, pred: Tensor, target: Tensor): Tensor => {
  if (pred.ndim !== target.ndim || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(
      op,
      `pred ${formatShape(pred.shape)} and target ${formatShape(target.shape)} differ in shape; ` +
        "reshape one so they match (broadcasting here would compare every pair)",
    );
  }
  return sub(pred, target);
};

/**
 * Mean squared error, `mean((pred − target)²)`, as a scalar tensor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metrics, tensor } from "../mod.ts";
 * assert.equal(metrics.mse(tensor([1, 2, 3, 4]), tensor([1, 0, 6, 4])).item(), (0 + 4 + 9 + 0) / 4);
 * assert.throws(() => metrics.mse(tensor([[1], [2]]), tensor([1, 2])), /mse: .*differ in shape/);
 * ```
 */
export const mse = (pred: Tensor, target: Tensor): Tensor => mean(square(diff("mse", pred, target)));

/**
 * Mean absolute error, `mean(|pred − target|)`, as a scalar tensor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metrics, tensor } from "../mod.ts";
 * assert.equal(metrics.mae(tensor([1, 2, 3, 4]), tensor([1, 0, 6, 4])).item(), (0 + 2 + 3 + 0) / 4);
 * ```
 */
export const mae = (pred: Tensor, target: Tensor): Tensor => mean(abs(diff("mae", pred, target)));
