/**
 * Classification accuracy: the fraction of examples whose predicted class is
 * the label. Each returns a float32 scalar tensor (so a training loop can
 * read it when it likes), in the library's argument order (prediction,
 * target), which is Keras' `(y_true, y_pred)` reversed.
 *
 * @module
 */
import { DTypeError, ShapeError, ValueError } from "../core/errors.ts";
import { argmax, cast, equal, greater, mean, reshape, where } from "../core/ops/mod.ts";
import { isFloat } from "../core/dtype.ts";
import { formatShape, type Shape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";

const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

const fraction = (hits: Tensor): Tensor => mean(cast(hits, "float32"));

/**
 * Accuracy of class predictions against integer labels:
 * - `pred` with one more (last) axis than `labels`, of C ≥ 2 classes
 *   (logits, probabilities, scores): the class is `argmax` over the last
 *   axis, as Keras' `sparse_categorical_accuracy`;
 * - `pred` an int32 tensor of class indices shaped as `labels`: compared
 *   directly;
 * - `labels` float, shaped as a float `pred` `[N, …, C]` (one-hot or soft
 *   targets, C ≥ 2): `argmax` of both, as Keras' `categorical_accuracy`.
 *
 * For one output per example (a sigmoid probability or a logit) use
 * `binaryAccuracy`; for ±1 labels and signed scores, `signAccuracy`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metrics, tensor } from "../mod.ts";
 * const logits = tensor([[2, 1, 0], [0, 3, 1], [1, 0, 0.5], [0, 0, 9]]);
 * const labels = tensor([0, 1, 2, 2], { dtype: "int32" });
 * assert.equal(metrics.accuracy(logits, labels).item(), 0.75);
 * const int = (v: number[]) => tensor(v, { dtype: "int32" });
 * assert.equal(metrics.accuracy(int([0, 1, 1, 2]), int([0, 1, 2, 2])).item(), 0.75);
 * const oneHot = tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]]);
 * assert.equal(metrics.accuracy(logits, oneHot).item(), 0.75);
 * ```
 */
export const accuracy = (pred: Tensor, labels: Tensor): Tensor => {
  const op = "accuracy";
  const shapes = `pred ${formatShape(pred.shape)} (${pred.dtype}), labels ${
    formatShape(labels.shape)
  } (${labels.dtype})`;
  if (isFloat(labels.dtype)) {
    // Rank ≥ 2 and ≥ 2 classes: float [N] labels are 0/1 targets, whose argmax over examples would mean nothing.
    if (
      !isFloat(pred.dtype) || !sameShape(pred.shape, labels.shape) || pred.ndim < 2 || pred.shape[pred.ndim - 1] < 2
    ) {
      throw new ShapeError(
        op,
        `${shapes}: float labels must be one-hot [N, classes] like pred; ` +
          "for one probability per example use binaryAccuracy",
      );
    }
    return fraction(equal(argmax(pred, -1), argmax(labels, -1)));
  }
  if (labels.dtype !== "int32") throw new DTypeError(op, `${shapes}: labels must be int32 class indices`);
  if (pred.dtype === "int32") {
    if (!sameShape(pred.shape, labels.shape)) throw new ShapeError(op, `${shapes}: class indices must match labels`);
    return fraction(equal(pred, labels));
  }
  if (!isFloat(pred.dtype)) throw new DTypeError(op, `${shapes}: pred must be float scores or int32 classes`);
  if (pred.ndim !== labels.ndim + 1 || !sameShape(pred.shape.slice(0, -1), labels.shape)) {
    throw new ShapeError(op, `${shapes}: expected pred of shape [...labels.shape, classes]`);
  }
  if (pred.shape[pred.ndim - 1] < 2) {
    throw new ShapeError(op, `${shapes}: one output per example; use binaryAccuracy (or signAccuracy for ±1 labels)`);
  }
  return fraction(equal(argmax(pred, -1), labels));
};

/** Options of `binaryAccuracy`. */
export interface BinaryAccuracyOptions {
  /** Predictions above it are class 1 (default 0.5, for probabilities; use 0 for logits). */
  readonly threshold?: number;
}

/**
 * Accuracy of one probability (or, with `threshold: 0`, one logit) per
 * example against 0/1 labels: the predicted class is `pred > threshold`, as
 * Keras' `binary_accuracy`. `pred` is shaped as `labels`, or has an extra
 * last axis of size 1 (`[N, 1]` against `[N]`). Labels may be int32, bool or
 * float.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metrics, tensor } from "../mod.ts";
 * const p = tensor([[0.9], [0.2], [0.6], [0.4]]);
 * const y = tensor([1, 0, 0, 0], { dtype: "int32" });
 * assert.equal(metrics.binaryAccuracy(p, y).item(), 0.75);
 * assert.equal(metrics.binaryAccuracy(tensor([2, -1]), tensor([1, 0]), { threshold: 0 }).item(), 1);
 * ```
 */
export const binaryAccuracy = (pred: Tensor, labels: Tensor, opts: BinaryAccuracyOptions = {}): Tensor => {
  const op = "binaryAccuracy";
  const threshold = opts.threshold ?? 0.5;
  if (typeof threshold !== "number" || Number.isNaN(threshold)) {
    throw new ValueError(op, `threshold must be a number, got ${String(threshold)}`);
  }
  const p = matchLabels(op, pred, labels);
  const predicted = where(greater(p, threshold), 1, 0, labels.dtype === "bool" ? "int32" : labels.dtype);
  return fraction(equal(predicted, labels.dtype === "bool" ? cast(labels, "int32") : labels));
};

/**
 * Accuracy of signed scores against ±1 labels (the perceptron's and the
 * hinge loss's convention): the predicted label is +1 where `score > 0` and
 * −1 elsewhere, as scikit-learn's linear classifiers decide. Shapes as in
 * `binaryAccuracy`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metrics, tensor } from "../mod.ts";
 * assert.equal(metrics.signAccuracy(tensor([0.3, -2, 0, 5]), tensor([1, -1, 1, -1])).item(), 0.5);
 * ```
 */
export const signAccuracy = (scores: Tensor, labels: Tensor): Tensor => {
  const op = "signAccuracy";
  const s = matchLabels(op, scores, labels);
  if (labels.dtype === "bool") throw new DTypeError(op, "labels must be ±1 numbers (int32 or float), got bool");
  return fraction(equal(where(greater(s, 0), 1, -1, labels.dtype), labels));
};

/** `pred` reshaped to the labels' shape (dropping a last axis of 1), or a `ShapeError`. */
const matchLabels = (op: string, pred: Tensor, labels: Tensor): Tensor => {
  if (!isFloat(pred.dtype)) throw new DTypeError(op, `pred has dtype ${pred.dtype}; expected float scores`);
  if (sameShape(pred.shape, labels.shape)) return pred;
  if (
    pred.ndim === labels.ndim + 1 && pred.shape[pred.ndim - 1] === 1 && sameShape(pred.shape.slice(0, -1), labels.shape)
  ) {
    return reshape(pred, labels.shape);
  }
  throw new ShapeError(
    op,
    `pred ${formatShape(pred.shape)} does not match labels ${formatShape(labels.shape)}; ` +
      "expected the same shape or [...labels.shape, 1]",
  );
};
