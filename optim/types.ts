/**
 * The optimizer contract, as optax's: a gradient transformation is a pair of
 * pure functions, `init(params) → state` and `update(grads, state, params) →
 * [updates, state]`. Updates are added to the parameters by `applyUpdates`;
 * `chain(...)` composes transformations left to right. States are trees of
 * tensors (the step count is an int32 scalar tensor), so they can be saved
 * in a checkpoint and resumed.
 *
 * @module
 */
import type { Tensor } from "../core/tensor.ts";
import type { Tree } from "../core/tree/types.ts";

/** An optimizer's state: a tree of tensors. */
export type OptState = Tree;

/**
 * A learning-rate (or any hyper-parameter) schedule: the step count (an
 * int32 scalar tensor, 0 at the first update) to the value, as a scalar
 * tensor or a number. Written with tensor ops, so it can run inside a
 * compiled step later.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cast, mul, pow, scalar, type Tensor } from "../mod.ts";
 * import type { Schedule } from "./types.ts";
 * const halving: Schedule = (count) => mul(0.1, pow(0.5, cast(count, "float32")));
 * assert.ok(Math.abs((halving(scalar(2, "int32")) as Tensor).item() - 0.025) < 1e-8);
 * ```
 */
export type Schedule = (count: Tensor) => Tensor | number;

/** A number, or a schedule over the step count. */
export type ScalarOrSchedule = number | Schedule;

/**
 * A gradient transformation (optax's `GradientTransformation`).
 *
 * @example SGD written by hand
 * ```ts
 * import assert from "node:assert/strict";
 * import { mul, tensor, tree, type Tensor } from "../mod.ts";
 * import type { GradientTransformation } from "./types.ts";
 * const sgd = (lr: number): GradientTransformation => ({
 *   init: () => ({}),
 *   update: (grads, state) => [tree.map((g: Tensor) => mul(g, -lr), grads), state],
 * });
 * const [u] = sgd(0.1).update({ w: tensor([1, 2]) }, {}, undefined);
 * assert.deepEqual([...(u as { w: Tensor }).w.toTypedArray()].map((v) => Number(v.toFixed(6))), [-0.1, -0.2]);
 * ```
 */
export interface GradientTransformation<S extends OptState = OptState> {
  /** The state before the first update. */
  init(params: Tree): S;
  /** The updates (to be added to the parameters) and the new state. */
  update(grads: Tree, state: S, params?: Tree): readonly [Tree, S];
}
