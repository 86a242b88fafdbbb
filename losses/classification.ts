/**
 * Multi-class losses: softmax cross-entropy from logits and the negative
 * log-likelihood from log-probabilities. The class axis is the last one (as
 * optax; PyTorch puts it at axis 1).
 *
 * @module
 */
import { arange } from "../core/creation.ts";
import { equal, expandDims, logSoftmax, logSumExp, sub, sum, where } from "../core/ops/mod.ts";
import { isFloat } from "../core/dtype.ts";
import { DTypeError } from "../core/errors.ts";
import { formatShape } from "../core/shape.ts";
import { Tensor } from "../core/tensor.ts";
import { requireClassAxis, requireClassLabels, requireFloatTensor, requirePair } from "./checks.ts";
import { type LossOptions, reduceLoss } from "./reduction.ts";
import { weighted } from "./stable.ts";

/**
 * x[..., y] for int32 labels y: selected with a mask rather than a one-hot
 * product, so a −∞ in another class (a masked-out logit) cannot make
 * 0·(−∞) = NaN.
 */
const pick = (x: Tensor, labels: Tensor): Tensor => {
  const classes = x.shape[x.ndim - 1];
  const mask = equal(expandDims(labels, -1), arange(classes, { dtype: "int32" }));
  return sum(where(mask, x, 0), -1);
};

/**
 * Softmax cross-entropy −log softmax(z)[y] per example, averaged over the
 * examples (PyTorch `CrossEntropyLoss`; optax
 * `softmax_cross_entropy_with_integer_labels` and `softmax_cross_entropy`).
 * `labels` are either int32 class indices of shape `logits.shape[:-1]`, or
 * float targets of the logits' shape (one-hot or soft, each row a
 * distribution), giving −Σ_c t_c·log softmax(z)_c. Computed as
 * logSumExp(z) − z[y], stable at logits of ±1e4; the gradient is
 * softmax(z) − onehot(y). A logit of −∞ (a class masked out) is fine where
 * the target gives it no weight (0·∞ is taken as 0); a logit of +∞ gives
 * NaN (as JAX's `log_softmax`). A label outside `[0, classes)` is a
 * `ValueError`: labels are read on the host to check (inside `trace`, where
 * they are symbolic, they go unchecked).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * const logits = tensor([[2, 0, 0], [0, 1e4, 0]], { dtype: "float64" });
 * const labels = tensor([0, 1], { dtype: "int32" });
 * const l = losses.softmaxCrossEntropy(logits, labels, { reduction: "none" }).toArray() as number[];
 * assert.ok(Math.abs(l[0] - (Math.log(Math.exp(2) + 2) - 2)) < 1e-12);
 * assert.equal(l[1], 0);
 * const soft = tensor([[0.5, 0.5, 0], [0, 1, 0]], { dtype: "float64" });
 * assert.ok(losses.softmaxCrossEntropy(logits, soft).item() > 0);
 * assert.throws(() => losses.softmaxCrossEntropy(logits, tensor([0, 3], { dtype: "int32" })), /label 3/);
 * ```
 */
export const softmaxCrossEntropy = (logits: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor =>
  softmaxCrossEntropyAs("softmaxCrossEntropy", logits, labels, opts);

/** @internal `softmaxCrossEntropy` whose errors name `loss` (e.g. `categorical.nll`). */
export const softmaxCrossEntropyAs = (loss: string, logits: Tensor, labels: Tensor, opts: LossOptions): Tensor => {
  const z = requireFloatTensor(loss, "logits", logits);
  if (labels instanceof Tensor && isFloat(labels.dtype)) {
    requireClassAxis(loss, z, "logits");
    if (labels.ndim === z.ndim - 1 && labels.shape.every((d, i) => d === z.shape[i])) {
      throw new DTypeError(
        loss,
        `labels of dtype ${labels.dtype} and shape ${formatShape(labels.shape)} look like class indices; expected ` +
          `int32 class indices (cast(labels, "int32")) or float targets of the logits' shape ${formatShape(z.shape)}`,
      );
    }
    const [, t] = requirePair(loss, z, labels, ["logits", "targets"]);
    return reduceLoss(loss, sub(0, sum(weighted(t, logSoftmax(z, -1)), -1)), opts.reduction);
  }
  const y = requireClassLabels(loss, z, labels, "logits", true);
  return reduceLoss(loss, sub(logSumExp(z, -1), pick(z, y)), opts.reduction);
};

/**
 * Negative log-likelihood −log p[y] from log-probabilities (e.g. the output
 * of `logSoftmax`) and int32 class indices of shape `logProbs.shape[:-1]`,
 * averaged (PyTorch `NLLLoss`). `nll(logSoftmax(z), y)` equals
 * `softmaxCrossEntropy(z, y)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * const logProbs = tensor([[Math.log(0.25), Math.log(0.75)]], { dtype: "float64" });
 * assert.equal(losses.nll(logProbs, tensor([1], { dtype: "int32" })).item(), -Math.log(0.75));
 * ```
 */
export const nll = (logProbs: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor => {
  const lp = requireFloatTensor("nll", "log-probabilities", logProbs);
  const y = requireClassLabels("nll", lp, labels, "log-probabilities", false);
  return reduceLoss("nll", sub(0, pick(lp, y)), opts.reduction);
};
