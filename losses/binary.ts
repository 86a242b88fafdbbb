/**
 * Binary cross-entropy: the negative log-likelihood of a Bernoulli, from
 * probabilities or (better) from logits, and its multi-label form.
 *
 * @module
 */
import { ShapeError, ValueError } from "../core/errors.ts";
import { add, mean, mul, neg, softplus, sub, sum } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import { requirePair } from "./checks.ts";
import { type LossOptions, reduceLoss } from "./reduction.ts";
import { clampedLog, weighted } from "./stable.ts";

/**
 * Binary cross-entropy from probabilities p and targets z in [0, 1]:
 * −[z·log p + (1 − z)·log(1 − p)], averaged. As PyTorch `BCELoss`, each log
 * is clamped at ≥ −100, so p = 0 or 1 gives a finite loss (at most 100)
 * rather than ∞. The gradient is that of the clamped function: zero where
 * a log is clamped (PyTorch's kernel instead divides by max(p(1 − p), 1e-12)).
 * A probability outside [0, 1] (or NaN) gives NaN. Probabilities lose
 * precision near 1 (1 − p rounds); prefer `binaryCrossEntropyWithLogits`
 * on the logits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * const l = losses.binaryCrossEntropy(tensor([0.9, 0.2], { dtype: "float64" }), tensor([1, 0], { dtype: "float64" }));
 * assert.ok(Math.abs(l.item() - -(Math.log(0.9) + Math.log(0.8)) / 2) < 1e-12);
 * assert.equal(losses.binaryCrossEntropy(tensor([0]), tensor([1])).item(), 100);
 * ```
 */
export const binaryCrossEntropy = (probabilities: Tensor, targets: Tensor, opts: LossOptions = {}): Tensor => {
  const [p, z] = requirePair("binaryCrossEntropy", probabilities, targets, ["probabilities", "targets"]);
  // 0 − (…) rather than neg(…), so that a perfect prediction gives +0, not −0
  const perElement = sub(0, add(mul(z, clampedLog(p)), mul(sub(1, z), clampedLog(sub(1, p)))));
  return reduceLoss("binaryCrossEntropy", perElement, opts.reduction);
};

/** Per element: z·softplus(−x) + (1 − z)·softplus(x), with 0·∞ = 0. */
const bceLogits = (x: Tensor, z: Tensor): Tensor =>
  add(weighted(z, softplus(neg(x))), weighted(sub(1, z), softplus(x)));

/**
 * Binary cross-entropy from logits x and targets z in [0, 1], averaged:
 * −[z·log σ(x) + (1 − z)·log σ(−x)] (optax `sigmoid_binary_cross_entropy`,
 * PyTorch `BCEWithLogitsLoss`), which equals the stable form
 * max(x, 0) − x·z + log1p(exp(−|x|)). It is computed as
 * z·softplus(−x) + (1 − z)·softplus(x) with 0·∞ taken as 0, so it never
 * overflows (x = 1e4, z = 1 gives 0), a hard label at a logit of ±∞ gives
 * the limit (0 or ∞) instead of NaN, and the gradient is σ(x) − z.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * const l = losses.binaryCrossEntropyWithLogits(tensor([0, 1e4, -1e4]), tensor([1, 1, 0]), { reduction: "none" });
 * assert.deepEqual(l.toArray(), [Math.fround(Math.LN2), 0, 0]);
 * ```
 */
export const binaryCrossEntropyWithLogits = (logits: Tensor, targets: Tensor, opts: LossOptions = {}): Tensor =>
  binaryCrossEntropyWithLogitsAs("binaryCrossEntropyWithLogits", logits, targets, opts, "logits");

/** @internal `binaryCrossEntropyWithLogits` whose errors name `loss` (e.g. `bernoulli.nll`). */
export const binaryCrossEntropyWithLogitsAs = (
  loss: string,
  logits: Tensor,
  targets: Tensor,
  opts: LossOptions,
  logitsName: string,
): Tensor => {
  const [x, z] = requirePair(loss, logits, targets, [logitsName, "targets"]);
  return reduceLoss(loss, bceLogits(x, z), opts.reduction);
};

/** Options of `multiLabelBinaryCrossEntropy`. */
export interface MultiLabelOptions extends LossOptions {
  /** How an example's labels (the last axis) are combined: `"mean"` (default, as PyTorch) or `"sum"`. */
  readonly perLabel?: "mean" | "sum";
}

/**
 * Multi-label binary cross-entropy from logits: every entry of the last axis
 * is an independent yes/no label with its own Bernoulli. An example's loss
 * is the mean (or, with `perLabel: "sum"`, the sum) over its labels of
 * `binaryCrossEntropyWithLogits`; `reduction` then combines the examples
 * (`"none"` returns shape `logits.shape[:-1]`). The default is PyTorch's
 * `MultiLabelSoftMarginLoss`. For probabilities instead of logits use
 * `binaryCrossEntropy(p, z, { reduction: "none" })` and reduce the last axis.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * const logits = tensor([[0, 0], [0, 0], [0, 0]]);
 * const targets = tensor([[1, 0], [1, 1], [0, 0]]);
 * const perExample = losses.multiLabelBinaryCrossEntropy(logits, targets, { reduction: "none", perLabel: "sum" });
 * assert.deepEqual(perExample.shape, [3]);
 * assert.ok(Math.abs((perExample.toArray() as number[])[0] - 2 * Math.LN2) < 1e-6);
 * ```
 */
export const multiLabelBinaryCrossEntropy = (
  logits: Tensor,
  targets: Tensor,
  opts: MultiLabelOptions = {},
): Tensor => {
  const loss = "multiLabelBinaryCrossEntropy";
  const [x, z] = requirePair(loss, logits, targets, ["logits", "targets"]);
  if (x.ndim === 0) throw new ShapeError(loss, "logits must have a label axis (the last); got a scalar");
  const perLabel = opts.perLabel ?? "mean";
  if (perLabel !== "mean" && perLabel !== "sum") {
    throw new ValueError(loss, `perLabel must be "mean" or "sum", got ${JSON.stringify(perLabel)}`);
  }
  const each = bceLogits(x, z);
  const perExample = perLabel === "mean" ? mean(each, -1) : sum(each, -1);
  return reduceLoss(loss, perExample, opts.reduction);
};
