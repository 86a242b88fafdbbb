/**
 * Ready-made models of the course, each a `sequential` of `dense` layers
 * and activations: linear, logistic and softmax regression, and the
 * multi-layer perceptron h_k = a[β_k + Ω_k h_{k−1}].
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import type { Tree } from "../core/tree/types.ts";
import { relu, sigmoid } from "./activations.ts";
import { positiveInt } from "./checks.ts";
import { dense, type DenseOptions, type DenseParams } from "./dense.ts";
import type { Layer } from "./layer.ts";
import { softmax } from "./output_functions.ts";
import { sequential, type SequentialItem } from "./sequential.ts";

/** A ready-made model's params: one entry per layer, `{ w, b }` for a dense layer and `{}` for an activation. */
export type ModelParams = readonly (DenseParams | Record<string, never>)[];

/** Options of `logisticRegression` and `softmaxRegression`. */
export interface RegressionOptions {
  /** Return the logits (the linear part), for a loss "with logits" (default false: probabilities). */
  readonly logits?: boolean;
}

/** Options of `mlp`: the activations, and the dense layers' options. */
export interface MlpOptions extends DenseOptions {
  /** Between the layers (default ReLU); a function `x → y` or a layer. */
  readonly activation?: SequentialItem;
  /** After the last layer (default none: a linear output). */
  readonly outputActivation?: SequentialItem;
}

/**
 * Linear regression with `outputs` outputs (default 1; more is multivariate
 * regression): `y = x·w + b`, one `dense` layer in a `sequential`, so its
 * params are `[{ w, b }]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, zeros } from "../mod.ts";
 * const model = layers.linearRegression();
 * const { params, outputShape } = model.init(random.key(0), [16, 3]);
 * assert.deepEqual([params[0].w.shape, outputShape], [[3, 1], [16, 1]]);
 * assert.deepEqual(model.apply(params, zeros([16, 3])).shape, [16, 1]);
 * ```
 */
export const linearRegression = (outputs = 1): Layer<ModelParams, Tree> =>
  sequential([dense(positiveInt("linearRegression", "outputs", outputs))], { name: "linearRegression" });

/**
 * Logistic regression: `P(y = 1 | x) = σ(x·w + b)`, a `dense(1)` then
 * `sigmoid`; with `{ logits: true }` the sigmoid is left out, for a
 * binary cross-entropy computed from logits (the stable way to train it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, zeros } from "../mod.ts";
 * const model = layers.logisticRegression();
 * const { params } = model.init(random.key(0), [4, 2]);
 * assert.deepEqual(model.apply(params, zeros([4, 2])).toArray(), [[0.5], [0.5], [0.5], [0.5]]);
 * ```
 */
export const logisticRegression = (opts: RegressionOptions = {}): Layer<ModelParams, Tree> =>
  sequential(opts.logits === true ? [dense(1)] : [dense(1), sigmoid], { name: "logisticRegression" });

/**
 * Softmax (multinomial logistic) regression over `classes` classes:
 * `P(y = k | x) = softmax(x·w + b)_k`, a `dense(classes)` then `softmax`;
 * with `{ logits: true }` the softmax is left out, for a softmax
 * cross-entropy from logits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, zeros } from "../mod.ts";
 * const model = layers.softmaxRegression(4);
 * const { params } = model.init(random.key(0), [1, 3]);
 * assert.deepEqual(model.apply(params, zeros([1, 3])).toArray(), [[0.25, 0.25, 0.25, 0.25]]);
 * ```
 */
export const softmaxRegression = (classes: number, opts: RegressionOptions = {}): Layer<ModelParams, Tree> => {
  const k = positiveInt("softmaxRegression", "classes", classes);
  return sequential(opts.logits === true ? [dense(k)] : [dense(k), softmax], { name: "softmaxRegression" });
};

/**
 * A multi-layer perceptron: one `dense` layer per entry of `sizes` (its
 * width), with `activation` (default ReLU) between them and
 * `outputActivation` (default none) after the last: `mlp([64, 64, 1])` is
 * dense(64), relu, dense(64), relu, dense(1). Dense options (`init`,
 * `biasInit`, `useBias`) apply to every layer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, zeros } from "../mod.ts";
 * const model = layers.mlp([64, 64, 1]);
 * assert.deepEqual(model.children?.map((l) => l.name), ["dense", "relu", "dense", "relu", "dense"]);
 * const { params, outputShape } = model.init(random.key(0), [8, 2]);
 * assert.deepEqual([params.length, outputShape], [5, [8, 1]]);
 * assert.deepEqual(model.apply(params, zeros([8, 2])).shape, [8, 1]);
 * ```
 */
export const mlp = (sizes: readonly number[], opts: MlpOptions = {}): Layer<ModelParams, Tree> => {
  if (!Array.isArray(sizes) || sizes.length === 0) {
    throw new ValueError("mlp", `sizes must be a non-empty array of layer widths, got ${JSON.stringify(sizes)}`);
  }
  const { activation = relu, outputActivation, ...denseOpts } = opts;
  const items: SequentialItem[] = [];
  sizes.forEach((size, i) => {
    if (i > 0) items.push(activation);
    items.push(dense(positiveInt("mlp", `sizes[${i}]`, size), denseOpts));
  });
  if (outputActivation !== undefined) items.push(outputActivation);
  return sequential(items, { name: "mlp" });
};
