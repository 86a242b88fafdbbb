/**
 * Clipping updates: elementwise to [−limit, limit] (optax's `clip`) and by
 * the global norm of the whole tree (optax's `clip_by_global_norm`,
 * Pascanu et al. 2013).
 *
 * @module
 */
import { scalar } from "../core/creation.ts";
import { add, cast, div, less, maximum, minimum, mul, sqrt, square, sum, where } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import * as tree from "../core/tree/mod.ts";
import type { Tree } from "../core/tree/mod.ts";
import { elementwise } from "./elementwise.ts";
import { checkNumber } from "./scalars.ts";
import type { GradientTransformation } from "./types.ts";

/**
 * The Euclidean norm of all the leaves of a tree together,
 * √(Σ_leaves Σ x²), as a float64 scalar (each leaf's sum of squares is
 * taken in its dtype, then added in float64).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor } from "../mod.ts";
 * assert.equal(optim.globalNorm({ a: tensor([3]), b: [tensor([0, 4])] }).item(), 5);
 * ```
 */
export const globalNorm = (t: Tree): Tensor =>
  sqrt(tree.leaves(t).reduce((acc: Tensor, x) => add(acc, cast(sum(square(x)), "float64")), scalar(0, "float64")));

/**
 * Clips each update into [−limit, limit] (optax's `clip`); state `{}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const [u] = optim.clipByValue(1).update({ w: tensor([-3, 0.5, 2]) }, {});
 * assert.deepEqual((u as { w: Tensor }).w.toArray(), [-1, 0.5, 1]);
 * ```
 */
export const clipByValue = (limit: number): GradientTransformation => {
  checkNumber("clipByValue", "limit", limit, 0);
  return elementwise({
    name: "clipByValue",
    init: () => ({}),
    rule: { key: "clipByValue", apply: (u) => [minimum(maximum(u, -limit), limit), []] },
  });
};

/**
 * Scales the updates by maxNorm / ‖u‖ when their global norm ‖u‖ (see
 * {@link globalNorm}) is at least `maxNorm`, and leaves them as they are
 * otherwise (optax's `clip_by_global_norm`, which computes (u / ‖u‖)·maxNorm,
 * where this multiplies by maxNorm / ‖u‖: an ulp apart); state `{}`. The norm needs a pass over every leaf first; the scaling
 * itself fuses with what follows in a chain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const [u] = optim.clipByGlobalNorm(1).update({ a: tensor([3]), b: tensor([4]) }, {});
 * const { a, b } = u as { a: Tensor; b: Tensor };
 * assert.deepEqual([a.item(), b.item()].map((x) => Number(x.toFixed(6))), [0.6, 0.8]);
 * ```
 */
export const clipByGlobalNorm = (maxNorm: number): GradientTransformation => {
  const name = "clipByGlobalNorm";
  checkNumber(name, "maxNorm", maxNorm, 0);
  return elementwise({
    name,
    init: () => ({}),
    readsUpdates: true,
    step: (_s, { updates }) => {
      const norm = globalNorm(updates);
      // Below the threshold the factor is 1 and u·1 = u exactly; `fuse` has no select, hence one factor.
      return { scalars: [where(less(norm, maxNorm), 1, div(maxNorm, norm))] };
    },
    rule: { key: name, apply: (u, _p, _s, [f]) => [mul(u, f), []] },
  });
};
