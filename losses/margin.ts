/**
 * Margin losses on scores s and labels t ∈ {−1, +1} (the sign convention of
 * the perceptron and the SVM, not 0/1): the hinge and the perceptron loss.
 * Labels may be float (of the scores' dtype) or int32; they are read on the
 * host to check that each is ±1, since 0/1 labels would silently give a
 * different loss.
 *
 * @module
 */
import { cast, maximum, mul, neg, sub } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import { requireFloatTensor, requireSignLabels } from "./checks.ts";
import { type LossOptions, reduceLoss } from "./reduction.ts";

const margin = (loss: string, scores: Tensor, labels: Tensor): Tensor => {
  const s = requireFloatTensor(loss, "scores", scores);
  requireSignLabels(loss, s, labels);
  return mul(s, cast(labels, s.dtype));
};

/**
 * Hinge loss max(0, 1 − t·s), averaged (optax `hinge_loss`; the SVM loss):
 * zero once an example is on the right side with margin ≥ 1. At the kink
 * t·s = 1 the derivative is half the slope (JAX's rule for `maximum` ties).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * const l = losses.hinge(tensor([2, 0.5, -1]), tensor([1, 1, 1]), { reduction: "none" });
 * assert.deepEqual(l.toArray(), [0, 0.5, 2]);
 * assert.throws(() => losses.hinge(tensor([1]), tensor([0])), /not −1 or \+1/);
 * ```
 */
export const hinge = (scores: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor =>
  reduceLoss("hinge", maximum(sub(1, margin("hinge", scores, labels)), 0), opts.reduction);

/**
 * Perceptron loss max(0, −t·s), averaged (optax `perceptron_loss`): zero on
 * correctly classified examples, −t·s on mistakes, so gradient descent on it
 * with step 1 and `reduction: "sum"` is Rosenblatt's update w ← w + t·x
 * over the mistakes. At t·s = 0 (e.g. the all-zero start) the derivative is
 * −t/2 (JAX's tie rule for `maximum`), not 0, so training from zeros moves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * const l = losses.perceptronLoss(tensor([2, -0.5]), tensor([1, 1]), { reduction: "none" });
 * assert.deepEqual(l.toArray(), [0, 0.5]);
 * ```
 */
export const perceptronLoss = (scores: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor =>
  reduceLoss("perceptronLoss", maximum(neg(margin("perceptronLoss", scores, labels)), 0), opts.reduction);
