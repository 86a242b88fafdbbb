/**
 * Argument checks shared by the losses. Every error names the loss the user
 * called, the shapes or dtypes it got, and what it expected, because a loss
 * is where a wrong label encoding or a stray broadcast goes unnoticed: MSE
 * of a `[N, 1]` prediction against a `[N]` target would silently broadcast
 * to `[N, N]` (PyTorch only warns), so losses require equal shapes.
 *
 * @module
 */
import { isFloat } from "../core/dtype.ts";
import { DTypeError, ShapeError, TransformError, ValueError } from "../core/errors.ts";
import { formatShape } from "../core/shape.ts";
import { Tensor } from "../core/tensor.ts";

/** @internal `x` is a tensor with a float dtype; `what` names the argument in the message. */
export const requireFloatTensor = (loss: string, what: string, x: unknown): Tensor => {
  if (!(x instanceof Tensor)) throw new ValueError(loss, `${what} must be a tensor, got ${describe(x)}`);
  if (!isFloat(x.dtype)) {
    throw new DTypeError(loss, `${what} ${verb(what)} dtype ${x.dtype}; expected float32 or float64 (cast first)`);
  }
  return x;
};

/** @internal Two float tensors of one shape and one dtype (predictions and targets). */
export const requirePair = (
  loss: string,
  a: unknown,
  b: unknown,
  names: readonly [string, string] = ["predictions", "targets"],
): [Tensor, Tensor] => {
  const x = requireFloatTensor(loss, names[0], a);
  const y = requireFloatTensor(loss, names[1], b);
  requireSameShape(loss, x, y, names);
  if (x.dtype !== y.dtype) {
    throw new DTypeError(
      loss,
      `${names[0]} ${verb(names[0])} dtype ${x.dtype} but ${names[1]} ${verb(names[1])} dtype ${y.dtype}; ` +
        `expected one dtype (cast one of them)`,
    );
  }
  return [x, y];
};

/** @internal Equal shapes, no broadcasting. */
export const requireSameShape = (
  loss: string,
  a: Tensor,
  b: Tensor,
  names: readonly [string, string],
): void => {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(
      loss,
      `${names[0]} of shape ${formatShape(a.shape)} and ${names[1]} of shape ${formatShape(b.shape)} differ; ` +
        `expected the same shape (losses do not broadcast: reshape one of them)`,
    );
  }
};

/**
 * @internal The values of a tensor when they exist on the host, or
 * `undefined` for a symbolic value (inside `trace`), whose checks are left
 * to evaluation.
 */
export const hostValues = (x: Tensor): ArrayLike<number> | undefined => {
  try {
    return x.toTypedArray();
  } catch (e) {
    if (e instanceof TransformError) return undefined;
    throw e;
  }
};

/**
 * @internal int32 class labels for `scores` whose last axis indexes `classes`:
 * shape `scores.shape[:-1]`, every value in `[0, classes)`.
 */
export const requireClassLabels = (
  loss: string,
  scores: Tensor,
  labels: unknown,
  scoresName: string,
  softAllowed: boolean,
): Tensor => {
  if (!(labels instanceof Tensor)) throw new ValueError(loss, `labels must be a tensor, got ${describe(labels)}`);
  requireClassAxis(loss, scores, scoresName);
  const classes = scores.shape[scores.ndim - 1];
  const batch = scores.shape.slice(0, -1);
  if (labels.dtype !== "int32") {
    throw new DTypeError(
      loss,
      `labels of dtype ${labels.dtype} and shape ${formatShape(labels.shape)}; expected int32 class indices of shape ` +
        formatShape(batch) +
        (softAllowed ? `, or float targets of shape ${formatShape(scores.shape)} (one-hot or soft)` : ""),
    );
  }
  if (labels.shape.length !== batch.length || labels.shape.some((d, i) => d !== batch[i])) {
    throw new ShapeError(
      loss,
      `int32 labels of shape ${formatShape(labels.shape)} do not fit ${scoresName} of shape ${
        formatShape(scores.shape)
      }; expected labels of shape ${formatShape(batch)} (the ${scoresName}' shape without the class axis)`,
    );
  }
  const values = hostValues(labels);
  if (values !== undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < 0 || v >= classes) {
        throw new ValueError(
          loss,
          `label ${v} (at flat position ${i} of labels ${formatShape(labels.shape)}) is out of range for ${classes} ` +
            `classes (${scoresName} of shape ${formatShape(scores.shape)}); expected 0 ≤ label < ${classes}`,
        );
      }
    }
  }
  return labels;
};

/** @internal `scores` has a last axis that indexes the classes. */
export const requireClassAxis = (loss: string, scores: Tensor, scoresName: string): void => {
  if (scores.ndim === 0) {
    throw new ShapeError(loss, `${scoresName} must have a class axis (the last); got a scalar`);
  }
};

/** @internal Labels of ±1 (float or int32) for margin losses (hinge, perceptron). */
export const requireSignLabels = (loss: string, scores: Tensor, labels: unknown): void => {
  if (!(labels instanceof Tensor)) throw new ValueError(loss, `labels must be a tensor, got ${describe(labels)}`);
  if (labels.dtype === "bool") {
    throw new DTypeError(loss, `labels have dtype bool; expected −1/+1 labels as float or int32 (not 0/1)`);
  }
  requireSameShape(loss, scores, labels, ["scores", "labels"]);
  const values = hostValues(labels);
  if (values === undefined) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== 1 && v !== -1) {
      throw new ValueError(
        loss,
        `label ${v} (at flat position ${i} of labels ${formatShape(labels.shape)}) is not −1 or +1; ` +
          `expected labels in {−1, +1} (map 0/1 labels with 2·y − 1)`,
      );
    }
  }
};

/** "has" or "have": argument names are plural ("targets", "φ (logits)") except φ itself. */
const verb = (what: string): string => (/s\)?$/.test(what) ? "have" : "has");

const describe = (x: unknown): string =>
  x === null ? "null" : Array.isArray(x) ? "an array (wrap it with tensor(...))" : typeof x;
