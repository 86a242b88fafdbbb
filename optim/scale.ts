/**
 * Scaling updates by a number, by a schedule, and by the (negative)
 * learning rate (optax's `scale`, `scale_by_schedule`,
 * `scale_by_learning_rate`).
 *
 * @module
 */
import { mul, neg } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import { elementwise } from "./elementwise.ts";
import { checkNumber, incrementCount, valueAt, zeroCount } from "./scalars.ts";
import type { GradientTransformation, ScalarOrSchedule, Schedule } from "./types.ts";

/** The state of a transformation that only counts steps. */
export type CountState = { readonly count: Tensor };

/**
 * Multiplies updates by a fixed `step` (optax's `scale`); state `{}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const [u] = optim.scale(-2).update({ w: tensor([1, 3]) }, {});
 * assert.deepEqual((u as { w: Tensor }).w.toArray(), [-2, -6]);
 * ```
 */
export const scale = (step: number): GradientTransformation<Record<string, never>> => {
  checkNumber("scale", "step", step);
  return elementwise({
    name: "scale",
    init: () => ({}),
    // A fixed number may be closed over: `fuse` reads it once, and it never changes.
    rule: { key: "scale", apply: (u) => [mul(u, step), []] },
  });
};

/**
 * Multiplies updates by `schedule(count)`, the count starting at 0 (optax's
 * `scale_by_schedule`); state `{ count }` (int32).
 *
 * @example Halve the step every update
 * ```ts
 * import assert from "node:assert/strict";
 * import { cast, mul, optim, pow, tensor, type Tensor } from "../mod.ts";
 * const tx = optim.scaleBySchedule((count) => pow(0.5, cast(count, "float64")));
 * const g = { w: tensor([4]) };
 * let state = tx.init(g);
 * const seen: number[] = [];
 * for (let i = 0; i < 3; i++) {
 *   const [u, next] = tx.update(g, state);
 *   seen.push((u as { w: Tensor }).w.item());
 *   state = next;
 * }
 * assert.deepEqual(seen, [4, 2, 1]);
 * ```
 */
export const scaleBySchedule = (schedule: Schedule): GradientTransformation<CountState> =>
  elementwise<CountState>({
    name: "scaleBySchedule",
    init: () => ({ count: zeroCount() }),
    step: (s) => ({
      scalars: [valueAt("scaleBySchedule", schedule, s.count)],
      state: { count: incrementCount("scaleBySchedule", s.count) },
    }),
    rule: { key: "scaleBySchedule", apply: (u, _p, _s, [k]) => [mul(u, k), []] },
  });

/** Options of {@link scaleByLearningRate}. */
export interface LearningRateOptions {
  /** Multiply by −lr (descent, the default) rather than lr. */
  readonly flipSign?: boolean;
}

/**
 * Multiplies updates by −lr (optax's `scale_by_learning_rate`): `scale(−lr)`
 * for a number (state `{}`), `scaleBySchedule` for a schedule (state
 * `{ count }`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const [u] = optim.scaleByLearningRate(0.5).update({ w: tensor([1, -4]) }, {});
 * assert.deepEqual((u as { w: Tensor }).w.toArray(), [-0.5, 2]);
 * ```
 */
export const scaleByLearningRate = (
  lr: ScalarOrSchedule,
  { flipSign = true }: LearningRateOptions = {},
): GradientTransformation<CountState | Record<string, never>> => {
  if (typeof lr === "number") return scale(flipSign ? -checkNumber("scaleByLearningRate", "lr", lr) : lr);
  return scaleBySchedule(flipSign ? (count) => neg(valueAt("scaleByLearningRate", lr, count)) : lr);
};
