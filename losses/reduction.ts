/**
 * How a loss turns per-element (or per-example) values into what it returns,
 * as PyTorch's `reduction` argument: `"mean"` (the default, as PyTorch),
 * `"sum"`, or `"none"` (the unreduced tensor, as optax's losses return).
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import { mean, sum } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";

/** `"mean"` over every element (default), `"sum"`, or `"none"` (no reduction). */
export type Reduction = "mean" | "sum" | "none";

/** The options every reducing loss takes. */
export interface LossOptions {
  /** How the per-element losses are combined (default `"mean"`). */
  readonly reduction?: Reduction;
}

const REDUCTIONS: readonly string[] = ["mean", "sum", "none"];

/**
 * Applies `reduction` to a tensor of per-element losses; `loss` names the
 * function the user called in the error for an unknown reduction. The mean
 * of an empty tensor is NaN (0/0), as PyTorch's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../mod.ts";
 * import { reduceLoss } from "./reduction.ts";
 * const l = tensor([1, 2, 3]);
 * assert.equal(reduceLoss("mse", l).item(), 2);
 * assert.equal(reduceLoss("mse", l, "sum").item(), 6);
 * assert.deepEqual(reduceLoss("mse", l, "none").toArray(), [1, 2, 3]);
 * assert.throws(() => reduceLoss("mse", l, "avg" as "mean"), /mse: reduction must be/);
 * ```
 */
export const reduceLoss = (loss: string, perElement: Tensor, reduction: Reduction = "mean"): Tensor => {
  switch (reduction) {
    case "mean":
      return mean(perElement);
    case "sum":
      return sum(perElement);
    case "none":
      return perElement;
    default:
      throw new ValueError(
        loss,
        `reduction must be one of ${REDUCTIONS.map((r) => `"${r}"`).join(", ")}, got ${JSON.stringify(reduction)}`,
      );
  }
};
